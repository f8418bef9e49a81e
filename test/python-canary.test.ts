// A canary between formats: an endpoint serving an ONNX version is rolled out, step by step under load and gated on
// agreement, to a python-format version of the same model (y = 3x); and a python version that disagrees is rolled back.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SlipwayClient } from '../src/cli/client.js';
import { call, infer } from './http.js';
import { deploy, push, ROOT, startLoopServer, waitFor, type LoopServer } from './loop-harness.js';

const TWIN_ONNX = join(ROOT, 'test', 'fixtures', 'models', 'twin_fast.onnx');
let loop: LoopServer;
const temp: string[] = [];

/** A python package answering y = factor * x with twin_fast.onnx's signature. */
function pythonTwin(factor: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-py-twin-'));
  temp.push(dir);
  writeFileSync(join(dir, 'model.py'), `import numpy as np\n\nclass Twin:\n    def predict(self, inputs):\n        return {"y": (inputs["x"] * ${factor}).astype(np.float32)}\n`);
  writeFileSync(join(dir, 'slipway.yaml'), 'name: twin\nformat: python\nmodel: model.py\nsignature:\n'
    + '  inputs: [{name: x, datatype: FP32, shape: [-1, 16]}]\n  outputs: [{name: y, datatype: FP32, shape: [-1, 16]}]\n');
  return dir;
}

beforeAll(async () => {
  loop = await startLoopServer();
  await new SlipwayClient({ server: loop.url, token: undefined }).push([{ path: 'twin_fast.onnx', absolutePath: TWIN_ONNX }], undefined, 'twin');
  await push(loop.url, pythonTwin(3)); // twin:2, the same answers
  await push(loop.url, pythonTwin(-3)); // twin:3, every row's top column differs
  await deploy(loop.url, 'twin', 'twin:1');
}, 60_000);
afterAll(async () => {
  await loop?.close();
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

interface Rollout {
  status: string;
  reason: string | null;
}
const rolloutOf = async (): Promise<Rollout> => (await call<Rollout>(`${loop.url}/api/v1/endpoints/twin/rollout`)).body;
const body = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => (i * 7) % 16 - 3) }] };

/** Sends requests until `done` says stop; returns how many failed and which versions answered. */
async function underLoad(done: () => Promise<boolean>): Promise<{ failed: number; versions: Set<string> }> {
  let failed = 0;
  const versions = new Set<string>();
  let stop = false;
  const clients = Array.from({ length: 4 }, async () => {
    while (!stop) {
      const r = await infer(loop.url, 'twin', body);
      if (r.status !== 200) failed++;
      else versions.add(r.body.model_version);
    }
  });
  await waitFor('the rollout to end', async () => done(), 60_000, 200);
  stop = true;
  await Promise.all(clients);
  return { failed, versions };
}

async function start(model: string): Promise<void> {
  const r = await call(`${loop.url}/api/v1/endpoints/twin/rollouts`, 'POST', {
    model, steps: [50, 100], bake: '1s', gates: ['error_rate<=0.01', 'min_requests>=10', 'agreement>=0.99'],
  });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
}

it('promotes an ONNX endpoint to a python version that agrees, with no failed request', async () => {
  await start('twin:2');
  const traffic = await underLoad(async () => ['succeeded', 'rolled_back', 'aborted'].includes((await rolloutOf()).status));
  expect(await rolloutOf()).toMatchObject({ status: 'succeeded' });
  expect(traffic.failed).toBe(0);
  expect([...traffic.versions].sort()).toEqual(['1', '2']);
  const endpoint = (await call<{ variants: { model: string; weight: number }[] }>(`${loop.url}/api/v1/endpoints/twin`)).body;
  expect(endpoint.variants).toEqual([expect.objectContaining({ model: 'twin:2', weight: 100 })]);
});

it('rolls back a python version whose answers disagree', async () => {
  await start('twin:3');
  await underLoad(async () => (await rolloutOf()).status !== 'running');
  const rollout = await rolloutOf();
  expect(rollout.status).toBe('rolled_back');
  expect(rollout.reason).toMatch(/agreement/);
});
