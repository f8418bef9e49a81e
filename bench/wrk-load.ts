// Closed-loop HTTP load with Debian's wrk, an external load generator in C (less CPU than autocannon in the bench's own
// process on the same cores): one time-bounded run, counted and summarised by a Lua script that reports JSON.

import { execFile, execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LatencySummary } from './stats.js';

const execFileAsync = promisify(execFile);

/** Whether wrk is on this machine (`apt-get install wrk`); the bench falls back to autocannon without it. */
export const WRK_AVAILABLE = ((): boolean => {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version exits 1 after printing its version: it exists when the error is not "not found".
    return (err as NodeJS.ErrnoException).code !== 'ENOENT';
  }
})();

/**
 * POSTs the body file to every request; counts 2xx answers and answers that differ from the expected body per
 * thread; `done` sums the threads and prints one line of JSON (latencies in microseconds, over every answer).
 */
const SCRIPT = `
local threads = {}
function setup(thread) table.insert(threads, thread) end
local function slurp(path) local f = assert(io.open(path, "rb")); local s = f:read("*a"); f:close(); return s end
wrk.method = "POST"
wrk.body = slurp(os.getenv("SLIPWAY_WRK_BODY"))
local expected_path = os.getenv("SLIPWAY_WRK_EXPECT")
function init(args)
  ok = 0; mismatches = 0
  expected = (expected_path ~= nil and expected_path ~= "") and slurp(expected_path) or nil
end
function response(status, headers, body)
  if status >= 200 and status < 300 then
    ok = ok + 1
    if expected ~= nil and body ~= expected then mismatches = mismatches + 1 end
  end
end
function done(summary, latency, requests)
  local o, m = 0, 0
  for _, t in ipairs(threads) do o = o + t:get("ok"); m = m + t:get("mismatches") end
  local e = summary.errors
  io.write(string.format('SLIPWAY_WRK {"requests":%d,"durationUs":%d,"ok":%d,"mismatches":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,"meanUs":%.1f,"p50Us":%d,"p99Us":%d,"maxUs":%d}\\n',
    summary.requests, summary.duration, o, m, e.connect, e.read, e.write, e.status, e.timeout,
    latency.mean, latency:percentile(50), latency:percentile(99), latency.max))
end
`;

export interface WrkSpec {
  url: string;
  body: string | Buffer;
  headers: Record<string, string>;
  connections: number;
  durationSec: number;
  expectBody?: string;
}

export interface WrkResult {
  durationSec: number;
  completed: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  mismatches: number;
  latency: LatencySummary;
}

interface WrkReport {
  requests: number; durationUs: number; ok: number; mismatches: number;
  connect: number; read: number; write: number; status: number; timeout: number;
  meanUs: number; p50Us: number; p99Us: number; maxUs: number;
}

/** One wrk run: one thread (it drives tens of thousands of requests a second), c connections, one request in flight each. */
export async function runWrk(spec: WrkSpec): Promise<WrkResult> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-wrk-'));
  try {
    await writeFile(join(dir, 'load.lua'), SCRIPT);
    await writeFile(join(dir, 'body'), spec.body);
    if (spec.expectBody !== undefined) await writeFile(join(dir, 'expect'), spec.expectBody);
    const args = ['-t', '1', '-c', String(spec.connections), '-d', `${spec.durationSec}s`, '--timeout', '10s', '-s', join(dir, 'load.lua')];
    for (const [name, value] of Object.entries(spec.headers)) args.push('-H', `${name}: ${value}`);
    args.push(spec.url);
    const env = { ...process.env, SLIPWAY_WRK_BODY: join(dir, 'body'), SLIPWAY_WRK_EXPECT: spec.expectBody !== undefined ? join(dir, 'expect') : '' };
    const { stdout } = await execFileAsync('wrk', args, { env, timeout: (spec.durationSec + 30) * 1000, maxBuffer: 1 << 20 });
    const line = stdout.split('\n').find((l) => l.startsWith('SLIPWAY_WRK '));
    if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
    const r = JSON.parse(line.slice('SLIPWAY_WRK '.length)) as WrkReport;
    const durationSec = r.durationUs / 1e6;
    return {
      durationSec,
      completed: r.requests,
      ok: r.ok,
      non2xx: r.requests - r.ok,
      errors: r.connect + r.read + r.write + r.timeout,
      timeouts: r.timeout,
      mismatches: r.mismatches,
      latency: { count: r.ok, meanMs: r.meanUs / 1000, p50Ms: r.p50Us / 1000, p99Ms: r.p99Us / 1000, maxMs: r.maxUs / 1000 },
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
