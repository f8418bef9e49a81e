// Profiling end to end: a real server sweeps runtime configs of real models, stores the report, and deploys its pick.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ProfilePoint, ProfileReport } from '../src/core/profile-report.js';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');
/** Small on purpose: a few configs, short points. Enough to see batching help slow.onnx on 2 busy cores. */
const QUICK = ['--concurrency', '1,4', '--min-requests', '40', '--point-ms', '150'];

let server: ServerProcess;
let scratch: string;
const slipway = (...args: string[]): ReturnType<typeof runCli> => runCli(server.url, args);

function bestWithinSlo(points: ProfilePoint[], slo: number, keep: (p: ProfilePoint) => boolean): number {
  return Math.max(0, ...points.filter((p) => keep(p) && p.p99Ms <= slo).map((p) => p.throughput));
}

/** Closed loop over HTTP at `concurrency`, for `millis`: the latency clients of the deployed endpoint see. */
async function remeasure(endpoint: string, concurrency: number, millis: number): Promise<{ p99: number; throughput: number }> {
  const body = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 256], data: Array.from({ length: 256 }, (_, i) => (i % 7) / 7) }] });
  const latencies: number[] = [];
  const start = performance.now();
  await Promise.all(Array.from({ length: concurrency }, async () => {
    while (performance.now() - start < millis) {
      const t = performance.now();
      const r = await fetch(`${server.url}/v2/models/${endpoint}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await r.arrayBuffer();
      expect(r.status).toBe(200);
      latencies.push(performance.now() - t);
    }
  }));
  latencies.sort((a, b) => a - b);
  return { p99: latencies[Math.ceil(latencies.length * 0.99) - 1]!, throughput: latencies.length / ((performance.now() - start) / 1000) };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'slipway-profile-'));
  server = await startServer();
  for (const [file, name] of [['slow.onnx', 'slow'], ['twin_fast.onnx', 'fast']]) {
    const r = await slipway('push', join(FIXTURES, file!), '--name', name!, '--no-validate');
    expect(r.code, r.stderr).toBe(0);
  }
});

afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('slipway profile', () => {
  it('refuses --runtime recommended before a profile exists, naming the command to run', async () => {
    const r = await slipway('deploy', 'slow-ep', '--model', 'slow:1', '--runtime', 'recommended');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no profile for slow:1; run slipway profile slow:1 --slo-p99');
  });

  it('profiles slow.onnx with progress, stores the report, writes the chart, and its pick holds when deployed', async () => {
    const out = join(scratch, 'slow');
    const r = await slipway('profile', 'slow:1', '--slo-p99', '60ms', '--budget', '10s', '--target-rps', '5000', '--out', out, ...QUICK);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stderr).toMatch(/profiling slow:1: \d+ of 50 configs planned/);
    // The climb starts at what a deploy without runtime flags would run here (slow.onnx is batchable: batching on).
    expect(r.stderr).toMatch(/\[1\/\d+\] \d instances? × \d threads?, batch ≤\d+, delay 0 µs/);
    expect(r.stdout).toMatch(/recommended: /);
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as ProfileReport;
    expect(readFileSync(join(out, 'chart.svg'), 'utf8')).toMatch(/^<svg[\s\S]*class="recommended"[\s\S]*<\/svg>\n$/);
    expect(existsSync(join(out, 'deployment.yaml'))).toBe(true);
    // 2 cores: 2 × 2 thread and instance counts × 10 batching settings, and 2 instances × 2 threads with 1 beside another run.
    expect(report.space.configs).toBe(50);
    expect(report.space.measured).toBeGreaterThanOrEqual(3);
    expect(report.points.length).toBe(report.space.measured * 2);
    for (const p of report.points) {
      expect(p.requests).toBeGreaterThanOrEqual(40);
      expect(p.p50Ms).toBeLessThanOrEqual(p.p99Ms);
      expect(p.rssBytes).toBeGreaterThan(0);
    }
    expect(report.meetsSlo).toBe(true);
    const rec = report.recommended!.point;
    expect(rec.p99Ms).toBeLessThanOrEqual(60);
    expect(report.capacity!.replicas).toBe(Math.ceil(5000 / (rec.throughput * 0.7)));

    // Batching: when it raises throughput at the SLO beyond noise, it is what gets recommended.
    const batched = bestWithinSlo(report.points, 60, (p) => p.config.maxBatchSize > 1);
    const unbatched = bestWithinSlo(report.points, 60, (p) => p.config.maxBatchSize === 1);
    console.log(`slow.onnx: best batched ${batched.toFixed(0)}/s, unbatched ${unbatched.toFixed(0)}/s; recommended ${JSON.stringify(rec.config)} at ${rec.concurrency} clients: ${rec.throughput.toFixed(0)}/s p99 ${rec.p99Ms.toFixed(2)} ms`);
    expect(batched).toBeGreaterThan(0);
    if (batched > unbatched * 1.05) expect(rec.config.maxBatchSize).toBeGreaterThan(1);

    // Execution providers were probed: CPU works; this build's accelerated providers cannot create a session here.
    expect(report.host.executionProviders).toContain('cpu');
    expect(report.host.unavailableProviders.map((p) => p.provider)).toEqual(expect.arrayContaining(['cuda']));

    // Stored on the version and shown with it.
    const stored = await call<ProfileReport>(`${server.url}/api/v1/models/slow/versions/1/profile`);
    expect(stored.status).toBe(200);
    expect(stored.body.recommended!.point.config).toEqual(rec.config);
    const show = await slipway('models', 'show', 'slow:1');
    expect(show.stdout).toMatch(/profile:\n/);

    // --runtime recommended deploys exactly that config.
    const d = await slipway('deploy', 'slow-ep', '--model', 'slow:1', '--runtime', 'recommended');
    expect(d.code, d.stderr).toBe(0);
    const ep = await call<{ variants: { runtime: Record<string, number> }[] }>(`${server.url}/api/v1/endpoints/slow-ep`);
    expect(ep.body.variants[0]!.runtime).toMatchObject(rec.config);

    // Re-measured through HTTP at the same concurrency, the pick still meets the SLO within a tolerance: HTTP and JSON
    // add their cost, and under the whole suite the two cores are shared with other test files.
    const again = await remeasure('slow-ep', rec.concurrency, 1500);
    console.log(`slow-ep re-measured over HTTP: ${again.throughput.toFixed(0)}/s p99 ${again.p99.toFixed(2)} ms`);
    expect(again.p99).toBeLessThanOrEqual(60 * 2);
  });

  it('does not give twin_fast a queue delay that only adds latency', async () => {
    const out = join(scratch, 'fast');
    const r = await slipway('--json', 'profile', 'fast:1', '--slo-p99', '20ms', '--budget', '5s', '--out', out, ...QUICK);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as ProfileReport;
    const rec = report.recommended!.point;
    const noDelay = bestWithinSlo(report.points, 20, (p) => p.config.maxQueueDelayMicros === 0);
    console.log(`twin_fast: recommended ${JSON.stringify(rec.config)} at ${rec.concurrency} clients: ${rec.throughput.toFixed(0)}/s p99 ${rec.p99Ms.toFixed(3)} ms; best without delay ${noDelay.toFixed(0)}/s`);
    if (rec.config.maxQueueDelayMicros > 0) expect(rec.throughput).toBeGreaterThan(noDelay * 1.05);
    expect(existsSync(join(out, 'chart.svg'))).toBe(true);
  });

  it('says so when no config meets the objective, and what to change', async () => {
    const r = await slipway('profile', 'slow:1', '--slo-p99', '1ms', '--budget', '1s', '--out', join(scratch, 'tight'), ...QUICK);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/NO configuration meets p99 ≤ 1 ms/);
    expect(r.stdout).toMatch(/quantized/);
    const d = await slipway('deploy', 'slow-ep2', '--model', 'slow:1', '--runtime', 'recommended');
    expect(d.code).toBe(1);
    expect(d.stderr).toMatch(/found no configuration meeting p99 ≤ 1 ms/);
  });
});
