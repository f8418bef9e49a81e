// Measuring one runtime config on this host through the real serving path (loadRunner + Scheduler), closed loop.

import { performance } from 'node:perf_hooks';
import { numericColumns, parseCsv } from '../core/csv.js';
import { allocate } from '../core/datatype.js';
import type { ModelVersion } from '../core/model-version.js';
import type { ProfileConfig, ProfilePoint } from '../core/profile-report.js';
import { nearestRankPercentile } from '../core/quality-metrics.js';
import { resolveRuntimeConfig } from '../core/runtime-config.js';
import type { Tensor } from '../core/tensor.js';
import { shapeSize } from '../core/tensor.js';
import type { Registry } from '../registry/registry.js';
import { batchingBlocker } from '../runtime/batch-plan.js';
import type { RunRequest } from '../runtime/runner.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import { Scheduler } from '../runtime/scheduler.js';
import { costPerMillion, coresUsed } from './recommend.js';
import { mulberry32 } from '../core/seeded-random.js';

/** Golden rows used at most: enough variety for caches to behave as in production, little memory. */
const MAX_GOLDEN_ROWS = 256;

export interface MeasureSettings {
  concurrency: readonly number[];
  /** At least this many timed requests per point (p99 by nearest rank needs a few hundred to mean anything)... */
  minRequests: number;
  /** ...and at least this long. */
  pointMillis: number;
  pricePerCoreHour: number;
  cores: number;
  signal?: AbortSignal;
}

/** Builds one single-row request per call (inputs are transferred to a worker, so each call owns fresh buffers). */
export interface RequestMaker {
  input: 'golden' | 'random';
  make(): RunRequest;
}

/**
 * Requests from the package's golden rows when it has a data file that fills its single 2-D float input;
 * otherwise seeded random data of the signature's shape, dynamic dimensions set to 1.
 */
export async function requestMaker(version: ModelVersion, registry: Pick<Registry, 'artifacts'>): Promise<RequestMaker> {
  const outputNames = version.signature.outputs.map((o) => o.name);
  const golden = await goldenRows(version, registry).catch(() => undefined);
  if (golden) {
    const { spec, rows, width } = golden;
    let next = 0;
    return {
      input: 'golden',
      make: () => {
        const at = next++ % (rows.length / width);
        const data = spec.datatype === 'FP64' ? Float64Array.from(rows.subarray(at * width, (at + 1) * width)) : rows.slice(at * width, (at + 1) * width);
        return { inputs: [{ name: spec.name, datatype: spec.datatype, shape: [1, width], data }], outputNames };
      },
    };
  }
  const random = mulberry32(42);
  const templates: Tensor[] = version.signature.inputs.map((spec) => {
    const shape = spec.shape.map((d) => (d === -1 ? 1 : d));
    const data = allocate(spec.datatype, shapeSize(shape));
    // Floats get values in [0, 1); integer inputs stay 0, a safe index for lookup-style models.
    if (data instanceof Float32Array || data instanceof Float64Array) for (let i = 0; i < data.length; i++) data[i] = random();
    return { name: spec.name, datatype: spec.datatype, shape, data };
  });
  return {
    input: 'random',
    make: () => ({
      inputs: templates.map((t) => ({ ...t, shape: [...t.shape], data: Array.isArray(t.data) ? [...t.data] : t.data.slice() })),
      outputNames,
    }),
  };
}

async function goldenRows(version: ModelVersion, registry: Pick<Registry, 'artifacts'>) {
  const inputs = version.signature.inputs;
  const spec = inputs[0];
  if (inputs.length !== 1 || !spec || spec.shape.length !== 2 || spec.shape[0] !== -1) return undefined;
  if (spec.datatype !== 'FP32' && spec.datatype !== 'FP64') return undefined;
  for (const test of version.manifest.tests) {
    const file = test.data ? version.files.find((f) => f.path === test.data) : undefined;
    if (!file) continue;
    const table = parseCsv((await registry.artifacts.read(file.sha256)).toString('utf8'), file.path);
    const columns = spec.features ?? version.manifest.features ?? table.header.filter((h) => h !== test.target);
    if (spec.shape[1] !== -1 && spec.shape[1] !== columns.length) continue;
    const count = Math.min(MAX_GOLDEN_ROWS, table.rows.length);
    if (count === 0) continue;
    const rows = numericColumns({ header: table.header, rows: table.rows.slice(0, count) }, columns, file.path);
    return { spec, rows, width: columns.length };
  }
  return undefined;
}

/** p50/p95/p99 and the p99 spread between the first and second half of the run. */
export function latencySummary(latenciesMs: readonly number[]): { p50Ms: number; p95Ms: number; p99Ms: number; spreadMs: number } {
  const half = Math.floor(latenciesMs.length / 2);
  const spread = half >= 1
    ? Math.abs(nearestRankPercentile(latenciesMs.slice(0, half), 99) - nearestRankPercentile(latenciesMs.slice(half), 99))
    : 0;
  return {
    p50Ms: nearestRankPercentile(latenciesMs, 50),
    p95Ms: nearestRankPercentile(latenciesMs, 95),
    p99Ms: nearestRankPercentile(latenciesMs, 99),
    spreadMs: spread,
  };
}

interface LoopResult {
  latencies: number[];
  rows: number;
  batchRows: number;
  millis: number;
}

/** `concurrency` clients, each sending its next request when the last is answered, until both floors are reached. */
async function closedLoop(
  scheduler: Scheduler, maker: RequestMaker, concurrency: number, minRequests: number, minMillis: number, maxMillis: number,
): Promise<LoopResult> {
  const latencies: number[] = [];
  let rows = 0;
  let batchRows = 0;
  const start = performance.now();
  const client = async (): Promise<void> => {
    for (;;) {
      const elapsed = performance.now() - start;
      if ((latencies.length >= minRequests && elapsed >= minMillis) || elapsed >= maxMillis) return;
      const request = maker.make();
      const sent = performance.now();
      const result = await scheduler.submit(request);
      latencies.push(performance.now() - sent);
      rows += request.inputs[0]?.shape[0] ?? 1;
      batchRows += result.batchRows;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  return { latencies, rows, batchRows, millis: performance.now() - start };
}

/**
 * Loads the config exactly as serving does (VariantLoader: resolveRuntimeConfig, loadRunner, one warm-up per
 * instance, Scheduler batching only when the model allows it), then measures each concurrency after a warm-up loop.
 */
export async function measureConfig(
  runners: RunnerLoader, version: ModelVersion, config: ProfileConfig, label: string, maker: RequestMaker, settings: MeasureSettings,
  onPoint: (point: ProfilePoint) => void = () => undefined,
): Promise<ProfilePoint[]> {
  const runtime = resolveRuntimeConfig({ ...config, executionProvider: 'cpu' });
  const batchable = runtime.maxBatchSize > 1 && !batchingBlocker(version.signature);
  const pool = await runners.loadRunner(version, runtime, label);
  const scheduler = new Scheduler(pool, runtime, batchable, label);
  const points: ProfilePoint[] = [];
  try {
    await Promise.all(Array.from({ length: runtime.instances }, () => pool.run(maker.make())));
    for (const concurrency of settings.concurrency) {
      if (settings.signal?.aborted) break;
      // Warm-up at this concurrency: threads wake, queues settle, batch sizes reach their steady state.
      await closedLoop(scheduler, maker, concurrency, concurrency * 4, Math.min(200, settings.pointMillis / 2), 2000);
      const cpuBefore = process.cpuUsage();
      const loop = await closedLoop(scheduler, maker, concurrency, settings.minRequests, settings.pointMillis, Math.max(settings.pointMillis * 5, 3000));
      const cpu = process.cpuUsage(cpuBefore);
      const throughput = loop.rows / (loop.millis / 1000);
      const used = coresUsed(config, settings.cores);
      const point: ProfilePoint = {
        config: { ...config },
        concurrency,
        requests: loop.latencies.length,
        seconds: loop.millis / 1000,
        throughput,
        ...latencySummary(loop.latencies),
        meanBatchRows: loop.latencies.length ? loop.batchRows / loop.latencies.length : 0,
        cpu: (cpu.user + cpu.system) / (loop.millis * 1000) / settings.cores,
        rssBytes: process.memoryUsage().rss,
        coresUsed: used,
        costPerMillion: costPerMillion(throughput, settings.pricePerCoreHour, used),
      };
      points.push(point);
      onPoint(point);
    }
  } finally {
    scheduler.close();
    await pool.dispose();
  }
  return points;
}
