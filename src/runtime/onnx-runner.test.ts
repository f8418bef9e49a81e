// OnnxRunner with a second session for busy moments (busyIntraOpThreads): a run that starts while another instance runs
// gets the fewer threads, a lone run all of them, and both sessions answer alike. Real onnxruntime in worker threads.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { ModelVersion } from '../core/model-version.js';
import { DEFAULT_RUNTIME } from '../core/runtime-config.js';
import type { Tensor } from '../core/tensor.js';
import type { Runner, RunRequest } from './runner.js';
import { RunnerFactory } from './runner-factory.js';
import { RunnerLoader } from './runner-loader.js';

const MODEL = join(import.meta.dirname, '..', '..', 'test', 'fixtures', 'models', 'slow.onnx');
const sha256 = createHash('sha256').update(readFileSync(MODEL)).digest('hex');
const version = { name: 'slow', version: 1, format: 'onnx', sha256 } as ModelVersion;

function request(seed: number): RunRequest {
  const data = new Float32Array(256).map((_, i) => Math.sin(seed + i));
  return { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 256], data }], outputNames: ['y'] };
}
const values = (t: Tensor): number[] => Array.from(t.data as Float32Array);

let pool: Runner;
beforeAll(async () => {
  const loader = new RunnerLoader(new RunnerFactory(), async () => ({ path: MODEL, sha256 }), { cores: 2, processes: 1 });
  pool = await loader.loadRunner(version, { ...DEFAULT_RUNTIME, auto: false, instances: 2, intraOpThreads: 2, busyIntraOpThreads: 1 });
});
afterAll(() => pool?.dispose());

it('runs a lone request on every thread and one that starts beside it on fewer, with the same answers', async () => {
  const alone = await pool.run(request(1));
  expect(alone.intraOpThreads).toBe(2);
  const [first, second] = await Promise.all([pool.run(request(1)), pool.run(request(2))]);
  expect([first.intraOpThreads, second.intraOpThreads]).toEqual([2, 1]);
  expect(values(first.outputs[0]!)).toEqual(values(alone.outputs[0]!));
  const secondAlone = await pool.run(request(2));
  expect(secondAlone.intraOpThreads).toBe(2);
  const close = values(second.outputs[0]!).every((v, i) => Math.abs(v - values(secondAlone.outputs[0]!)[i]!) <= 1e-5);
  expect(close).toBe(true);
});
