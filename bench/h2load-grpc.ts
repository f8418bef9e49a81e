// Closed-loop gRPC load with Debian's h2load (nghttp2-client), an external load generator in C, as wrk is for HTTP:
// one HTTP/2 connection (a gRPC channel) with c ModelInfer calls in flight, the pre-serialised request on every call.
// h2load knows HTTP statuses, not gRPC's: a call counts as answered only if its reply carried the model's answer (every
// reply of one request is the same size, so the DATA bytes tell how many did), and the server's failure counters for
// the window (the observer) give the reason for any that did not.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inferRaw, newGrpcClient } from './grpc-client.js';
import type { GrpcLoadResult, GrpcLoadSpec } from './grpc-load.js';
import { waitForQuiet } from './quiet.js';
import { summarize } from './stats.js';

const execFileAsync = promisify(execFile);
const PATH = '/inference.GRPCInferenceService/ModelInfer';

/** Whether h2load is on this machine (`apt-get install nghttp2-client`); the bench uses grpc-js without it. */
export const H2LOAD_AVAILABLE = ((): boolean => {
  try {
    execFileSync('h2load', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

/** A gRPC message on the wire: uncompressed flag, 4-byte big-endian length, the message. */
function framed(message: Buffer): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  return frame;
}

interface H2loadRun {
  elapsedSec: number;
  done: number;
  succeeded: number;
  failed: number;
  dataBytes: number;
  latenciesMs: number[];
}

/** The counts h2load prints, and per-request times from its log file (start µs, status, duration µs per line). */
function parseH2load(stdout: string, log: string): H2loadRun {
  const finished = /finished in ([\d.]+)s/.exec(stdout);
  const requests = /requests: (\d+) total, (\d+) started, (\d+) done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(stdout);
  const data = /\((\d+)\) data/.exec(stdout);
  if (!finished || !requests || !data) throw new Error(`h2load printed no summary:\n${stdout.slice(-2000)}`);
  const latenciesMs: number[] = [];
  for (const line of log.split('\n')) {
    const [, status, micros] = line.split('\t');
    if (status === '200' && micros !== undefined) latenciesMs.push(Number(micros) / 1000);
  }
  return {
    elapsedSec: Number(finished[1]),
    done: Number(requests[3]),
    succeeded: Number(requests[4]),
    failed: Number(requests[5]) + Number(requests[6]) + Number(requests[7]),
    dataBytes: Number(data[1]),
    latenciesMs,
  };
}

async function h2load(dir: string, url: string, concurrency: number, durationSec: number): Promise<H2loadRun> {
  const log = join(dir, `log-${durationSec}-${Date.now()}`);
  const args = [
    '-c', '1', '-m', String(concurrency), '-D', String(durationSec), '-d', join(dir, 'body'),
    '-H', 'content-type: application/grpc', '-H', 'te: trailers', `--log-file=${log}`, url,
  ];
  const { stdout } = await execFileAsync('h2load', args, { timeout: (durationSec + 30) * 1000, maxBuffer: 1 << 20 });
  return parseH2load(stdout, await readFile(log, 'utf8').catch(() => ''));
}

/** Same contract as runGrpcLoad (grpc-load.ts): warm-up, then the observed measurement window. */
export async function runH2loadGrpc(spec: GrpcLoadSpec): Promise<GrpcLoadResult> {
  // One call through grpc-js first: it must answer, and its reply's size is what every answered call's DATA is.
  const client = newGrpcClient(spec.address);
  let replyBytes: number;
  try {
    replyBytes = 5 + (await inferRaw(client, spec.encoded, 30_000));
  } finally {
    client.close();
  }
  await waitForQuiet(spec.label ?? `gRPC ${spec.address} c=${spec.concurrency}`);
  const dir = await mkdtemp(join(tmpdir(), 'slipway-h2load-'));
  try {
    await writeFile(join(dir, 'body'), framed(spec.encoded));
    const url = `http://${spec.address}${PATH}`;
    const answered = (r: H2loadRun): number => Math.min(r.succeeded, Math.floor(r.dataBytes / replyBytes));
    const warm = spec.warmupSec > 0 ? await h2load(dir, url, spec.concurrency, spec.warmupSec) : undefined;
    await spec.observer?.begin();
    const r = await h2load(dir, url, spec.concurrency, spec.durationSec);
    const observed = await spec.observer?.end();
    const ok = answered(r);
    const errorsByCode: Record<string, number> = {};
    if (r.failed > 0) errorsByCode.http2 = r.failed;
    // HTTP 200 without the answer: a gRPC error status in the trailers (the server's counters say which).
    if (r.succeeded > ok) errorsByCode['grpc-status'] = r.succeeded - ok;
    const errors = Object.values(errorsByCode).reduce((a, b) => a + b, 0);
    return {
      concurrency: spec.concurrency,
      durationSec: r.elapsedSec,
      requestsPerSec: ok / r.elapsedSec,
      // Of every call answered with HTTP 200 (h2load's log cannot tell a gRPC error status apart; errors are counted above).
      latency: summarize(r.latenciesMs),
      completed: ok,
      errorsByCode,
      errors,
      errorSamples: errors > 0 ? [`h2load: ${r.done} calls done, ${r.succeeded} with HTTP 200, ${ok} with the answer's ${replyBytes} bytes`] : [],
      warmupProblems: warm ? warm.failed + (warm.succeeded - answered(warm)) : 0,
      ...(observed ? { observed } : {}),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
