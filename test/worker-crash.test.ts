// A model instance whose worker thread dies mid-request: the request fails as an error (500, never "cancelled"), the
// variant's window and metrics count it, the pool replaces the instance, and a canary that keeps crashing fails its
// error_rate gate and rolls back. The server runs in this process so a test can make chosen worker threads die.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startServer, type RunningServer } from '../src/app.js';
import { DEFAULT_CONFIG } from '../src/config.js';
import { call, infer } from './http.js';
import { scrape } from './metrics.js';
import { removeHome, ROOT, tempHome } from './server-process.js';

/** sha256 of a model -> whether its worker dies on the next run only, or on every run. */
const crash = vi.hoisted(() => ({ models: new Map<string, 'once' | 'always'>() }));

// Every worker thread the server starts is this subclass: a worker that loaded a model marked in `crash` is terminated
// instead of receiving its run message, exactly as a thread that died while running it (the request is in flight).
vi.mock('node:worker_threads', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:worker_threads')>();
  type TransferList = Parameters<InstanceType<typeof actual.Worker>['postMessage']>[1];
  class Worker extends actual.Worker {
    private model: string | undefined;
    override postMessage(message: unknown, transfer?: TransferList): void {
      const m = message as { op?: string; source?: { sha256?: string } };
      if (m.op === 'load') this.model = m.source?.sha256;
      const mode = m.op === 'run' && this.model !== undefined ? crash.models.get(this.model) : undefined;
      if (mode !== undefined) {
        if (mode === 'once') crash.models.delete(this.model!);
        void this.terminate();
        return;
      }
      super.postMessage(message, transfer);
    }
  }
  return { ...actual, Worker };
});

const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');
const sha256Of = (file: string): string => createHash('sha256').update(readFileSync(join(FIXTURES, file))).digest('hex');
const home = tempHome();
let server: RunningServer;

async function push(file: string, name: string): Promise<void> {
  const r = await call(`${server.url}/api/v1/models?name=${name}`, 'POST', readFileSync(join(FIXTURES, file)), { 'content-type': 'application/octet-stream' });
  if (r.status !== 201) throw new Error(`push ${file} failed: ${JSON.stringify(r.body)}`);
}

/** On one worker-thread instance, fixed (a deploy without a runtime may pick the event loop, which has no thread to die). */
async function deploy(endpoint: string, model: string): Promise<void> {
  const r = await call(`${server.url}/api/v1/endpoints/${endpoint}`, 'PUT', { model, runtime: { instances: 1, maxBatchSize: 1 } });
  if (r.status !== 200) throw new Error(`deploy ${endpoint} failed: ${JSON.stringify(r.body)}`);
}

async function until(what: string, check: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const lookup = (i: number): object => ({ inputs: [{ name: 'idx', datatype: 'INT64', shape: [1], data: [i % 5] }] });
const twin = (): object => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => i) }] });

beforeAll(async () => {
  server = await startServer({ ...DEFAULT_CONFIG, home, port: 0, grpcPort: 0, logLevel: 'silent' });
  await server.restored;
  await push('lookup_safe.onnx', 'lookup');
  await deploy('lookup', 'lookup:1');
  await push('twin_fast.onnx', 'twin');
  await push('twin_slow.onnx', 'twin');
  await deploy('twin', 'twin:1');
});

afterAll(async () => {
  crash.models.clear();
  await server?.close();
  removeHome(home);
});

describe('a worker thread that dies', () => {
  it('fails its request as an error (500, counted in metrics and the window), and the pool replaces the instance', async () => {
    crash.models.set(sha256Of('lookup_safe.onnx'), 'once');
    const failed = await infer(server.url, 'lookup', lookup(1));
    expect(failed.status).toBe(500);
    expect(failed.body.error).toMatch(/model lookup:1/);
    const m = await scrape(server.url);
    expect(m('nv_inference_request_failure', { model: 'lookup', reason: 'error' })).toBe(1);
    expect(m('nv_inference_request_failure', { model: 'lookup', reason: 'cancelled' })).toBe(0);
    expect(m('slipway_variant_window_requests', { endpoint: 'lookup' })).toBe(1);
    expect(m('slipway_variant_error_rate', { endpoint: 'lookup' })).toBe(1);
    // The crashed instance is replaced: the endpoint serves again without anyone redeploying it.
    await until('a replacement instance', async () => (await infer(server.url, 'lookup', lookup(2))).status === 200);
    for (let i = 0; i < 5; i++) expect((await infer(server.url, 'lookup', lookup(i))).status).toBe(200);
  });

  it('fails a canary that keeps crashing on its error_rate gate and rolls it back', async () => {
    const started = await call(`${server.url}/api/v1/endpoints/twin/rollouts`, 'POST', {
      model: 'twin:2', steps: [50, 100], bake: '60s', gates: ['error_rate<=0.05', 'min_requests>=20'], force: true, reason: 'crashing canary',
    });
    expect(started.status).toBe(201);
    // Armed once the canary has loaded (and warmed up): from now on each of its runs kills its worker thread.
    crash.models.set(sha256Of('twin_slow.onnx'), 'always');
    const statuses = new Map<number, number>();
    let status = '';
    const end = Date.now() + 30_000;
    while (Date.now() < end) {
      const r = await infer(server.url, 'twin', twin());
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
      status = (await call<{ status: string }>(`${server.url}/api/v1/endpoints/twin/rollout`)).body.status;
      if (status !== 'running') break;
    }
    expect(status).toBe('rolled_back');
    const rollout = (await call<{ reason: string }>(`${server.url}/api/v1/endpoints/twin/rollout`)).body;
    expect(rollout.reason).toMatch(/gate error_rate<=0\.05 failed: measured/);
    // The run that killed a worker answers 500; while the instance is being replaced the canary has none (503).
    expect(statuses.get(500)).toBeGreaterThan(0);
    expect([...statuses.keys()].every((s) => s === 200 || s === 500 || s === 503), JSON.stringify([...statuses])).toBe(true);
    // Both count as the canary's errors, never as clients that went away.
    const m = await scrape(server.url);
    expect(m('nv_inference_request_failure', { model: 'twin', reason: 'cancelled' })).toBe(0);
    expect(m('nv_inference_request_failure', { model: 'twin', reason: 'error' })).toBeGreaterThan(0);
    crash.models.clear();
    expect((await infer(server.url, 'twin', twin())).status).toBe(200);
  });
});
