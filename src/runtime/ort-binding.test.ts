// BoundSession (onnxruntime's native session, run where called) answers as onnxruntime-node's public InferenceSession
// does, run after run, with the same metadata; a bad model or bad feeds throw onnxruntime's error.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { BoundSession } from './ort-binding.js';

const ROOT = join(import.meta.dirname, '..', '..');
const digits = readFileSync(join(ROOT, 'examples', 'digits', 'model.onnx'));
const allTypes = readFileSync(join(ROOT, 'test', 'fixtures', 'models', 'all_types.onnx'));
const options: ort.InferenceSession.SessionOptions = { executionProviders: ['cpu'], intraOpNumThreads: 1, interOpNumThreads: 1 };

let bound: BoundSession;
let reference: ort.InferenceSession;
beforeAll(async () => {
  bound = BoundSession.load(digits, options);
  reference = await ort.InferenceSession.create(digits, options);
});
afterAll(async () => {
  bound?.release();
  await reference?.release();
});

const rows = (n: number, seed: number): Float32Array => new Float32Array(64 * n).map((_, i) => (Math.sin(seed * 977 + i) + 1) * 8);

it('reads the same metadata as the public session, symbolic dimensions named', async () => {
  expect(bound.inputMetadata).toEqual(reference.inputMetadata);
  expect(bound.outputMetadata).toEqual(reference.outputMetadata);
  expect(bound.inputMetadata[0]).toMatchObject({ name: 'input', type: 'float32', shape: ['batch', 64] });
  const typed = BoundSession.load(allTypes, options);
  const typedReference = await ort.InferenceSession.create(allTypes, options);
  expect(typed.inputMetadata).toEqual(typedReference.inputMetadata);
  expect(typed.outputMetadata).toEqual(typedReference.outputMetadata);
  typed.release();
  await typedReference.release();
});

it('answers every run as the public session does, whichever outputs it is asked for', async () => {
  for (const [n, names] of [[1, ['label', 'probabilities']], [5, ['probabilities']], [3, ['label']], [1, ['label', 'probabilities']]] as const) {
    const data = rows(n, n);
    const got = bound.run({ input: new ort.Tensor('float32', data, [n, 64]) }, names);
    const want = await reference.run({ input: new ort.Tensor('float32', data, [n, 64]) }, [...names]);
    expect(Object.keys(got).sort()).toEqual([...names].sort());
    for (const name of names) {
      expect(got[name]!.type).toBe(want[name]!.type);
      expect(got[name]!.dims).toEqual(want[name]!.dims);
      expect(got[name]!.data).toEqual(want[name]!.data);
    }
  }
});

it('throws onnxruntime\'s error for a model it refuses and for feeds of the wrong shape', () => {
  expect(() => BoundSession.load(Buffer.from('not a model'), options)).toThrow(/protobuf|parse|model/i);
  expect(() => bound.run({ input: new ort.Tensor('float32', new Float32Array(63), [1, 63]) }, ['label'])).toThrow(/dimensions|shape|Got: 63/i);
});
