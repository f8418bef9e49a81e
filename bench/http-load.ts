// Closed-loop HTTP load: one time-bounded autocannon run (warm-up, then measurement) against an infer URL, with exact per-request latencies.

import autocannon from 'autocannon';
import type { Observation, Observer } from './observer.js';
import { waitForQuiet } from './quiet.js';
import { SampleBuffer, summarize, type LatencySummary } from './stats.js';

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
  /** Watches the measurement window (not the warm-up). */
  observer?: Observer;
  /** Names the run when it has to start on a busy machine. */
  label?: string;
}

export interface LoadResult {
  connections: number;
  durationSec: number;
  requestsPerSec: number;
  /** Sub-millisecond latency of 2xx responses, from autocannon's per-response timings. */
  latency: LatencySummary;
  /** autocannon's own histogram percentiles (whole-millisecond resolution), for cross-checking. */
  autocannonP50Ms: number;
  autocannonP99Ms: number;
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
  const warmup = spec.warmupSec > 0 ? await fire(spec, spec.warmupSec) : undefined;
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
    autocannonP50Ms: result.latency.p50,
    autocannonP99Ms: result.latency.p99,
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
