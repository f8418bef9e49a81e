// One measured scenario in a common shape (raw onnxruntime, HTTP via autocannon, gRPC), and the anomalies it shows.

import type { GrpcLoadResult } from './grpc-load.js';
import type { LoadResult } from './http-load.js';
import type { Observation } from './observer.js';
import type { RawResult } from './raw-onnxruntime.js';
import type { LatencySummary } from './stats.js';

export type Protocol = 'in-process' | 'http-json' | 'http-binary' | 'http-raw' | 'grpc';

export interface Measurement {
  scenario: string;
  protocol: Protocol;
  concurrency: number;
  requestsPerSec: number;
  latency: LatencySummary;
  non2xx: number;
  errors: number;
  observed?: Observation;
  /** Problems seen while measuring (non-2xx, errors, body mismatches, failed warm-up requests, server-side failures). */
  problems: string[];
}

/**
 * Failures Slipway counted in the window. When a closed-loop generator stops (after the warm-up, and after the window) it closes
 * its connections with up to one request in flight each; the server counts those as cancelled, so up to 2 × concurrency
 * cancellations are expected and not reported.
 */
function serverFailures(observed: Observation | undefined, concurrency: number): string[] {
  const failures = { ...(observed?.server?.failures ?? {}) };
  if ((failures.cancelled ?? 0) <= 2 * concurrency) delete failures.cancelled;
  return Object.keys(failures).length ? [`server counted failures ${JSON.stringify(failures)}`] : [];
}

export function fromRaw(r: RawResult): Measurement {
  return { scenario: r.scenario, protocol: 'in-process', concurrency: r.sessions, requestsPerSec: r.inferencesPerSec, latency: r.latency, non2xx: 0, errors: 0, problems: [] };
}

export function fromHttp(scenario: string, protocol: Protocol, load: LoadResult): Measurement {
  const problems: string[] = [];
  if (load.non2xx > 0) problems.push(`${load.non2xx} non-2xx responses (status counts ${JSON.stringify(load.statusCodes)})`);
  if (load.errors > 0) problems.push(`${load.errors} request errors (${load.timeouts} timeouts): ${load.errorSamples.join('; ')}`);
  if (load.mismatches > 0) problems.push(`${load.mismatches} response bodies differ from the verified one`);
  if (load.warmupProblems > 0) problems.push(`${load.warmupProblems} failed requests during warm-up`);
  problems.push(...serverFailures(load.observed, load.connections));
  return {
    scenario,
    protocol,
    concurrency: load.connections,
    requestsPerSec: load.requestsPerSec,
    latency: load.latency,
    non2xx: load.non2xx,
    errors: load.errors + load.mismatches,
    ...(load.observed ? { observed: load.observed } : {}),
    problems,
  };
}

export function fromGrpc(scenario: string, load: GrpcLoadResult): Measurement {
  const problems: string[] = [];
  if (load.errors > 0) problems.push(`${load.errors} failed calls ${JSON.stringify(load.errorsByCode)}: ${load.errorSamples.join('; ')}`);
  if (load.warmupProblems > 0) problems.push(`${load.warmupProblems} failed calls during warm-up`);
  problems.push(...serverFailures(load.observed, load.concurrency));
  return {
    scenario,
    protocol: 'grpc',
    concurrency: load.concurrency,
    requestsPerSec: load.requestsPerSec,
    latency: load.latency,
    non2xx: 0,
    errors: load.errors,
    ...(load.observed ? { observed: load.observed } : {}),
    problems,
  };
}

/**
 * Raw baselines measured twice (before the servers and after them): per scenario the faster pass, so a pass disturbed by
 * other processes on a shared machine does not lower the baseline. The scenario names both figures.
 */
export function bestOfPasses(first: Measurement[], second: Measurement[]): Measurement[] {
  return first.map((a) => {
    const b = second.find((m) => m.scenario === a.scenario);
    if (!b) return a;
    const best = b.requestsPerSec > a.requestsPerSec ? b : a;
    return { ...best, scenario: `${a.scenario} (best of 2 passes: ${fmt(a.requestsPerSec)} / ${fmt(b.requestsPerSec)})` };
  });
}

function fmt(rate: number): string {
  return rate.toFixed(rate < 100 ? 1 : 0);
}

/** Server CPU (all threads) per answered request, in ms: what one request costs the server. */
export function serverCpuMsPerRequest(m: Measurement): number | undefined {
  const c = m.observed?.cpu;
  if (!c || m.requestsPerSec <= 0) return undefined;
  return ((c.serverMainPct + c.serverOtherPct) * 10) / m.requestsPerSec;
}

/** "scenario, c=N: 123 req/s, p50 1.2 ms, p99 3.4 ms" for progress lines. */
export function progressLine(m: Measurement): string {
  const ms = (v: number): string => (v < 1 ? v.toFixed(3) : v.toFixed(2));
  const cpu = m.observed?.cpu;
  const cpuText = cpu ? ` [cpu main ${cpu.serverMainPct.toFixed(0)}% other ${cpu.serverOtherPct.toFixed(0)}% loadgen ${cpu.loadgenPct.toFixed(0)}% others ${cpu.othersPct.toFixed(0)}%]` : '';
  return `${m.scenario}, c=${m.concurrency}: ${m.requestsPerSec.toFixed(m.requestsPerSec < 100 ? 1 : 0)} req/s, p50 ${ms(m.latency.p50Ms)} ms, p99 ${ms(m.latency.p99Ms)} ms${cpuText}${m.problems.length ? ` !! ${m.problems.join('; ')}` : ''}`;
}
