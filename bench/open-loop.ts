// Open-loop HTTP load: requests leave on a fixed arrival schedule whatever the server does; latency counts from the scheduled send time.

import { Agent, request } from 'node:http';
import type { Observation, Observer } from './observer.js';
import { waitForQuiet } from './quiet.js';
import { SampleBuffer, summarize, type LatencySummary } from './stats.js';

export interface OpenLoopSpec {
  url: string;
  body: string | Buffer;
  headers: Record<string, string>;
  ratePerSec: number;
  warmupSec: number;
  durationSec: number;
  /** Keep-alive sockets the generator may open (arrivals beyond them wait in the client, and that wait counts as latency). */
  maxSockets: number;
  /** Arrivals that would make more than this many requests wait in the client for a socket are dropped (and counted) instead. */
  maxBacklog: number;
  timeoutMs: number;
  observer?: Observer;
  label?: string;
}

export interface OpenLoopResult {
  targetRatePerSec: number;
  /** Arrivals scheduled in the window. */
  scheduled: number;
  /** Requests that reached a connection, per second of the window (below target when the server holds every connection). */
  sentRatePerSec: number;
  sent: number;
  /** Arrivals dropped because maxBacklog requests were already waiting in the client for a connection. */
  droppedByGenerator: number;
  /** 2xx answers per second. */
  acceptedPerSec: number;
  /** Latency of 2xx answers from the scheduled send time (no coordinated omission). */
  accepted: LatencySummary;
  /** Latency of 2xx answers from the moment the request got a socket (excludes waiting in the client for a free connection). */
  acceptedOnWire: LatencySummary;
  /** Latency of 429 answers. */
  rejected: LatencySummary;
  rejectionRate: number;
  statusCodes: Record<string, number>;
  /** Socket errors and timeouts (no HTTP answer). */
  errors: number;
  errorSamples: string[];
  /** Requests sent on a connection that had no answer when the generator gave up waiting (the server's fault). */
  unanswered: number;
  /** Requests still waiting in the generator for a free connection when it gave up (never sent: the generator's backlog). */
  neverSent: number;
  /** How late the generator issued requests (its own lag), p99. */
  generatorLagP99Ms: number;
  observed?: Observation;
}

interface Tally {
  scheduled: number;
  sent: number;
  dropped: number;
  ok: SampleBuffer;
  okOnWire: SampleBuffer;
  rejected: SampleBuffer;
  lag: SampleBuffer;
  statusCodes: Record<string, number>;
  errors: number;
  errorSamples: Set<string>;
  pending: number;
  /** Of the pending, those still waiting for a socket in the client. */
  queued: number;
}

function newTally(): Tally {
  return { scheduled: 0, sent: 0, dropped: 0, ok: new SampleBuffer(), okOnWire: new SampleBuffer(), rejected: new SampleBuffer(), lag: new SampleBuffer(), statusCodes: {}, errors: 0, errorSamples: new Set(), pending: 0, queued: 0 };
}

/** Sends on schedule for durationSec; resolves when every request has been answered or timed out. */
function schedule(spec: OpenLoopSpec, agent: Agent, durationSec: number, tally: Tally): Promise<void> {
  const url = new URL(spec.url);
  const body = typeof spec.body === 'string' ? Buffer.from(spec.body) : spec.body;
  const headers = { ...spec.headers, 'content-length': String(body.length) };
  const intervalMs = 1000 / spec.ratePerSec;
  const total = Math.round(durationSec * spec.ratePerSec);
  const start = performance.now();
  let next = 0;
  return new Promise<void>((resolve) => {
    const maybeDone = (): void => {
      if (next >= total && tally.pending === 0) resolve();
    };
    const fire = (intended: number): void => {
      tally.scheduled++;
      if (tally.queued >= spec.maxBacklog) {
        tally.dropped++;
        return;
      }
      tally.pending++;
      tally.queued++;
      tally.lag.push(performance.now() - intended);
      let settled = false;
      let onWire: number | undefined;
      const settle = (): void => {
        if (settled) return;
        settled = true;
        tally.pending--;
        if (onWire === undefined) tally.queued--;
        maybeDone();
      };
      const req = request({ hostname: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent, headers, timeout: spec.timeoutMs }, (res) => {
        res.resume();
        res.once('end', () => {
          const status = res.statusCode ?? 0;
          const latency = performance.now() - intended;
          tally.statusCodes[status] = (tally.statusCodes[status] ?? 0) + 1;
          if (status >= 200 && status < 300) {
            tally.ok.push(latency);
            tally.okOnWire.push(performance.now() - (onWire ?? intended));
          }
          else if (status === 429) tally.rejected.push(latency);
          settle();
        });
        res.once('error', (err) => {
          tally.errors++;
          if (tally.errorSamples.size < 5) tally.errorSamples.add(err.message);
          settle();
        });
      });
      req.once('socket', () => {
        onWire = performance.now();
        tally.queued--;
        tally.sent++;
      });
      req.once('timeout', () => req.destroy(new Error(`no answer within ${spec.timeoutMs} ms`)));
      req.once('error', (err) => {
        tally.errors++;
        if (tally.errorSamples.size < 5) tally.errorSamples.add(err.message);
        settle();
      });
      req.end(body);
    };
    const tick = (): void => {
      const now = performance.now();
      while (next < total && start + next * intervalMs <= now) fire(start + next++ * intervalMs);
      if (next < total) setTimeout(tick, Math.max(0, Math.min(1, start + next * intervalMs - performance.now())));
      else maybeDone();
    };
    tick();
  });
}

export async function runOpenLoop(spec: OpenLoopSpec): Promise<OpenLoopResult> {
  await waitForQuiet(spec.label ?? `open loop ${spec.url} at ${spec.ratePerSec.toFixed(0)}/s`);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.maxSockets });
  try {
    if (spec.warmupSec > 0) await schedule(spec, agent, spec.warmupSec, newTally());
    const tally = newTally();
    await spec.observer?.begin();
    const measured = schedule(spec, agent, spec.durationSec, tally);
    // The window ends when sending ends; stragglers are still counted, waiting for them is bounded by the request timeout.
    await new Promise((r) => setTimeout(r, spec.durationSec * 1000));
    const observed = await spec.observer?.end();
    await Promise.race([measured, new Promise((r) => setTimeout(r, spec.timeoutMs + 1000))]);
    const ok = summarize(tally.ok.values());
    const rejected = summarize(tally.rejected.values());
    const answered = Object.values(tally.statusCodes).reduce((a, b) => a + b, 0);
    return {
      targetRatePerSec: spec.ratePerSec,
      scheduled: tally.scheduled,
      sentRatePerSec: tally.sent / spec.durationSec,
      sent: tally.sent,
      droppedByGenerator: tally.dropped,
      acceptedPerSec: ok.count / spec.durationSec,
      accepted: ok,
      acceptedOnWire: summarize(tally.okOnWire.values()),
      rejected,
      rejectionRate: answered > 0 ? rejected.count / answered : 0,
      statusCodes: tally.statusCodes,
      errors: tally.errors,
      errorSamples: [...tally.errorSamples],
      unanswered: tally.pending - tally.queued,
      neverSent: tally.queued,
      generatorLagP99Ms: summarize(tally.lag.values()).p99Ms,
      ...(observed ? { observed } : {}),
    };
  } finally {
    agent.destroy();
  }
}
