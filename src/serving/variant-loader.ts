// Turns a variant spec into a loaded, warmed LiveVariant: resolves the artifact, starts instances, runs a warm-up —
// and, for a runtime left to the host (`auto`), times the model first and picks instances, threads and batching.

import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { VariantSpec } from '../core/endpoint-spec.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { InternalError, InvalidInputError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import { resolveRuntimeConfig, type RuntimeConfig } from '../core/runtime-config.js';
import type { Registry } from '../registry/registry.js';
import { FAST_BATCH, pickRuntime, wantsEventLoopTiming, wantsThreadTiming, type ModelTiming, type RuntimePick } from '../runtime/auto-runtime.js';
import { batchingBlocker } from '../runtime/batch-plan.js';
import type { Runner } from '../runtime/runner.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import { Scheduler } from '../runtime/scheduler.js';
import { LiveVariant } from './live-variant.js';
import { warmupRequest } from './warmup.js';

/** Timing a model for `auto`: untimed runs first, then timed ones until either bound is reached. */
const UNTIMED_RUNS = 3;
const TIMED_RUNS = 15;
const TIMING_BUDGET_MS = 300;

/** Median time of runs of `rows` rows (the first dimension) on one runner (one instance), in microseconds. */
async function timeRuns(runner: Runner, rows = 1): Promise<number> {
  for (let i = 0; i < UNTIMED_RUNS; i++) await runner.run(warmupRequest(runner.signature, rows));
  const times: number[] = [];
  const started = performance.now();
  while (times.length < TIMED_RUNS && (times.length < 3 || performance.now() - started < TIMING_BUDGET_MS)) {
    const request = warmupRequest(runner.signature, rows);
    const t = performance.now();
    await runner.run(request);
    times.push((performance.now() - t) * 1000);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const sameShape = (a: RuntimeConfig, b: RuntimeConfig): boolean =>
  a.instances === b.instances && a.intraOpThreads === b.intraOpThreads && a.interOpThreads === b.interOpThreads && a.onEventLoop === b.onEventLoop;

export class VariantLoader {
  constructor(
    private readonly registry: Registry,
    private readonly runners: RunnerLoader,
  ) {}

  async load(spec: VariantSpec, onBatch?: (rows: number) => void): Promise<LiveVariant> {
    const version = await this.registry.get(spec.model.name, spec.model.version);
    const label = formatVersionId(spec.model);
    // Specs stored by older releases lack newer settings: fill them with today's defaults.
    const declared = resolveRuntimeConfig(spec.runtime);
    const blocker = batchingBlocker(version.signature);
    if (!declared.auto && declared.maxBatchSize > 1 && blocker) {
      throw new InvalidInputError(`model ${label} cannot use dynamic batching (maxBatchSize ${declared.maxBatchSize}): ${blocker}`);
    }
    const { pool, pick } = declared.auto
      ? await this.loadPicked(version, declared, blocker, label)
      : { pool: await this.runners.loadRunner(version, declared, label), pick: undefined };
    const runtime = pick?.runtime ?? declared;
    try {
      // One warm-up per instance: the pool hands each to the least busy instance, so all of them run one.
      // Each gets its own request because input buffers are transferred to the worker.
      await Promise.all(Array.from({ length: runtime.instances }, () => pool.run(warmupRequest(pool.signature))));
    } catch (err) {
      await pool.dispose();
      throw new InternalError(`model ${label} failed its warm-up inference (zeros at the smallest shape): ${(err as Error).message}`);
    }
    const scheduler = new Scheduler(pool, runtime, runtime.maxBatchSize > 1 && !blocker, label, onBatch);
    return new LiveVariant({ ...spec, runtime: declared }, version, scheduler, pool, runtime, pick?.reason);
  }

  /**
   * Times the model on one thread (and, if it is slow, on every core), picks the runtime for this host, and keeps the
   * timed runner when it is what the pick runs; a runner that fails here fails the load as a warm-up would.
   */
  private async loadPicked(version: ModelVersion, base: RuntimeConfig, blocker: string | undefined, label: string): Promise<{ pool: Runner; pick: RuntimePick }> {
    const cores = availableParallelism();
    const probes: { runtime: RuntimeConfig; runner: Runner }[] = [];
    const probe = async (intraOpThreads: number, onEventLoop = false): Promise<Runner> => {
      const runtime = { ...base, instances: 1, intraOpThreads, interOpThreads: 1, onEventLoop };
      const runner = await this.runners.loadRunner(version, runtime, label);
      probes.push({ runtime, runner });
      return runner;
    };
    let pick: RuntimePick;
    try {
      const oneThreadMicros = await timeRuns(await probe(1));
      const timing: ModelTiming = { oneThreadMicros };
      if (wantsThreadTiming(oneThreadMicros, cores)) timing.allThreadsMicros = await timeRuns(await probe(cores));
      if (wantsEventLoopTiming(oneThreadMicros, this.runners.factory.runsOnEventLoop(version.format))) {
        const onLoop = await probe(1, true);
        const oneRowMicros = await timeRuns(onLoop);
        timing.eventLoop = { oneRowMicros, fullBatchMicros: blocker ? oneRowMicros : await timeRuns(onLoop, FAST_BATCH) };
      }
      pick = pickRuntime(base, timing, { cores, batchingBlocker: blocker });
    } catch (err) {
      await Promise.all(probes.map((p) => p.runner.dispose()));
      throw new InternalError(`model ${label} failed while being timed to pick its runtime: ${(err as Error).message}`);
    }
    const kept = probes.find((p) => sameShape(p.runtime, pick.runtime));
    await Promise.all(probes.filter((p) => p !== kept).map((p) => p.runner.dispose()));
    return { pool: kept?.runner ?? (await this.runners.loadRunner(version, pick.runtime, label)), pick };
  }
}
