// Closed-loop HTTP load against an infer URL (warm-up, then measurement): Debian's wrk when installed (an external
// generator in C), else autocannon in this process (exact per-response latencies).

import autocannon from 'autocannon';
import type { Observation, Observer } from './observer.js';
import { waitForQuiet } from './quiet.js';
import { SampleBuffer, summarize, type LatencySummary } from './stats.js';
import { runWrk, WRK_AVAILABLE } from './wrk-load.js';

/** Which load generator HTTP rows use: wrk unless missing or SLIPWAY_BENCH_LOADGEN=autocannon. */
export const HTTP_LOADGEN: 'wrk' | 'autocannon' = WRK_AVAILABLE && process.env.SLIPWAY_BENCH_LOADGEN !== 'autocannon' ? 'wrk' : 'autocannon';

export interface LoadSpec {
  url: string;
  body: string | Buffer;
  /** Default: content-type application/json. */
  headers?: Record<string, string>;
  connections: number;
  warmupSec: number;
  durationSec: number;
  /** When set, every response body must equal it (counted as mismatches otherwise). */
  expectBody?: string;
  /**
   * Connections the warm-up opens at least (default: `connections`): a server of several processes takes each
   * connection in one of them, so warming one connection's process would leave the measured one cold (its JIT not yet
   * run); Slipway's sections pass its worker count.
   */
  warmupConnections?: number;
  /** Watches the measurement window (not the warm-up). */
  observer?: Observer;
  /** Names the run when it has to start on a busy machine. */
  label?: string;
}

export interface LoadResult {
  connections: number;
  durationSec: number;
  requestsPerSec: number;
  /** Sub-millisecond latency: of 2xx responses from autocannon's per-response timings, or of all answers from wrk. */
  latency: LatencySummary;
  completed: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  errors: number;
  timeouts: number;
  mismatches: number;
  /** A few distinct request errors, when there were any. */
  errorSamples: string[];
  /** Non-2xx responses plus request errors seen during the (unrecorded) warm-up. */
  warmupProblems: number;
  observed?: Observation;
}

interface Observed {
  result: autocannon.Result;
  samples: SampleBuffer;
  errorSamples: string[];
}

function fire(spec: LoadSpec, durationSec: number): Promise<Observed> {
  return new Promise<Observed>((resolve, reject) => {
    const samples = new SampleBuffer();
    const errorSamples = new Set<string>();
    const options: autocannon.Options = {
      url: spec.url,
      method: 'POST',
      headers: spec.headers ?? { 'content-type': 'application/json' },
      body: spec.body,
      connections: spec.connections,
      duration: durationSec,
      timeout: 10,
      ...(spec.expectBody !== undefined ? { expectBody: spec.expectBody } : {}),
    };
    const instance = autocannon(options, (err: unknown, result: autocannon.Result) => {
      if (err) reject(err instanceof Error ? err : new Error(String(err)));
      else resolve({ result, samples, errorSamples: [...errorSamples] });
    });
    instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
      if (statusCode >= 200 && statusCode < 300) samples.push(responseTimeMs);
    });
    instance.on('reqError', (err: unknown) => {
      if (errorSamples.size < 5) errorSamples.add(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
    });
  });
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  await waitForQuiet(spec.label ?? `${spec.url} c=${spec.connections}`);
  return HTTP_LOADGEN === 'wrk' ? loadWithWrk(spec) : loadWithAutocannon(spec);
}

async function loadWithWrk(spec: LoadSpec): Promise<LoadResult> {
  const run = (durationSec: number, connections: number): ReturnType<typeof runWrk> => runWrk({
    url: spec.url, body: spec.body, headers: spec.headers ?? { 'content-type': 'application/json' }, connections, durationSec,
    ...(spec.expectBody !== undefined ? { expectBody: spec.expectBody } : {}),
  });
  const warmup = spec.warmupSec > 0 ? await run(spec.warmupSec, warmupConnections(spec)) : undefined;
  await spec.observer?.begin();
  const r = await run(spec.durationSec, spec.connections);
  const observed = await spec.observer?.end();
  return {
    connections: spec.connections,
    durationSec: r.durationSec,
    requestsPerSec: r.ok / r.durationSec,
    latency: r.latency,
    completed: r.completed,
    non2xx: r.non2xx,
    statusCodes: r.non2xx > 0 ? { 'non-2xx': r.non2xx } : {},
    errors: r.errors,
    timeouts: r.timeouts,
    mismatches: r.mismatches,
    errorSamples: r.errors > 0 ? [`wrk counted ${r.errors} socket errors (${r.timeouts} timeouts)`] : [],
    warmupProblems: warmup ? warmup.non2xx + warmup.errors + warmup.mismatches : 0,
    ...(observed ? { observed } : {}),
  };
}

function warmupConnections(spec: LoadSpec): number {
  return Math.max(spec.connections, spec.warmupConnections ?? 0);
}

async function loadWithAutocannon(spec: LoadSpec): Promise<LoadResult> {
  const warmup = spec.warmupSec > 0 ? await fire({ ...spec, connections: warmupConnections(spec) }, spec.warmupSec) : undefined;
  await spec.observer?.begin();
  const { result, samples, errorSamples } = await fire(spec, spec.durationSec);
  const observed = await spec.observer?.end();
  const statusCodes: Record<string, number> = {};
  for (const [code, stat] of Object.entries(result.statusCodeStats ?? {})) statusCodes[code] = stat.count ?? 0;
  return {
    connections: spec.connections,
    durationSec: result.duration,
    // 2xx answers per second of the window (autocannon's requests.mean averages per-second buckets, coarse at a few req/s).
    requestsPerSec: samples.values().length / result.duration,
    latency: summarize(samples.values()),
    completed: result.requests.total,
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    mismatches: result.mismatches,
    errorSamples,
    warmupProblems: warmup ? warmup.result.non2xx + warmup.result.errors + warmup.result.mismatches : 0,
    ...(observed ? { observed } : {}),
  };
}
