// Adding a model format is one runner and one factory entry: a throwaway JSON "constant model" format, registered only
// here, is pushed (declared and detected), validated, deployed with batching and served over HTTP like ONNX.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SlipwayClient } from '../src/cli/client.js';
import type { ModelVersion } from '../src/core/model-version.js';
import type { RunnerFormat } from '../src/runtime/runner-factory.js';
import { concurrently, deploy, inferRows, push, startLoopServer, type LoopServer } from './loop-harness.js';

const batches: number[] = [];
/** The whole runtime: {"features": n, "label": v} answers every row of input [-1, n] with output "label" = v. */
const CONSTANT: RunnerFormat = {
  format: 'constant-test', extensions: ['.constant'],
  load: async (source) => {
    const bytes = readFileSync(source.path);
    if (createHash('sha256').update(bytes).digest('hex') !== source.sha256) throw new Error(`${source.path} is not the pushed file`);
    const model = JSON.parse(bytes.toString('utf8')) as { features: number; label: number };
    let pending = 0;
    return {
      signature: { inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, model.features] }], outputs: [{ name: 'label', datatype: 'FP32', shape: [-1] }] },
      size: 1,
      get pending() { return pending; },
      async run(request) {
        const rows = request.inputs[0]!.shape[0]!;
        batches.push(rows);
        pending++;
        await new Promise((resolve) => setTimeout(resolve, 20)); // slow enough for requests to queue into batches
        pending--;
        return { outputs: [{ name: 'label', datatype: 'FP32', shape: [rows], data: new Float32Array(rows).fill(model.label) }], spent: [] };
      },
      dispose: async () => undefined,
    };
  },
};

let loop: LoopServer;
const dir = mkdtempSync(join(tmpdir(), 'slipway-constant-'));
const MANIFEST = 'name: const\nformat: constant-test\nmodel: m.constant\ntask: classification\nfeatures: [a, b]\n'
  + 'tests: [{name: golden, metric: accuracy, threshold: 0.7, data: golden.csv, target: y}]\n';
beforeAll(async () => {
  writeFileSync(join(dir, 'm.constant'), JSON.stringify({ features: 2, label: 1 }));
  writeFileSync(join(dir, 'golden.csv'), 'a,b,y\n0,0,1\n1,1,1\n2,2,0\n3,3,1\n');
  loop = await startLoopServer({ formats: [CONSTANT] });
});
afterAll(() => loop?.close());

it('pushes, validates, deploys with batching and serves a format registered at composition', async () => {
  writeFileSync(join(dir, 'slipway.yaml'), MANIFEST);
  const pushed = await push(loop.url, dir) as unknown as ModelVersion & { validation: { passed: boolean; tests: { value: number }[] } };
  expect(pushed.format).toBe('constant-test');
  expect(pushed.validation).toMatchObject({ passed: true, tests: [{ value: 0.75 }] });
  await deploy(loop.url, 'const', 'const:1', { maxBatchSize: 8, maxQueueDelayMicros: 5000 });
  batches.length = 0; // validation ran its 4 golden rows as one chunk
  const answers = await concurrently(24, 8, (i) => inferRows(loop.url, 'const', [[i, i]], 'label'));
  expect(answers.map((a) => [a.status, a.prediction])).toEqual(Array.from({ length: 24 }, () => [200, [1]]));
  expect(Math.max(...batches)).toBeGreaterThan(1);

  const bare = await new SlipwayClient({ server: loop.url, token: undefined }).push<ModelVersion>([{ path: 'm.constant', absolutePath: join(dir, 'm.constant') }], undefined, 'bare');
  expect(bare.format).toBe('constant-test'); // detected from the file name
  writeFileSync(join(dir, 'slipway.yaml'), MANIFEST.replace('constant-test', 'tflite'));
  await expect(push(loop.url, dir)).rejects.toThrow('model format "tflite" is not one this server runs; known formats: onnx, sklearn, xgboost, torchscript, python, constant-test');
});
