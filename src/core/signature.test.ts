import { describe, expect, it } from 'vitest';
import { InvalidInputError, NotFoundError } from './errors.js';
import type { InferRequest } from './infer.js';
import type { Signature } from './signature.js';
import { checkRequest, findOutput, shapeMatches } from './signature.js';
import type { Tensor } from './tensor.js';
import { errorOf } from '../../test/support/thrown.js';

const signature: Signature = {
  inputs: [
    { name: 'x', datatype: 'FP32', shape: [-1, 3] },
    { name: 'mask', datatype: 'BOOL', shape: [2] },
  ],
  outputs: [
    { name: 'label', datatype: 'INT64', shape: [-1] },
    { name: 'probabilities', datatype: 'FP32', shape: [-1, 10] },
    { name: 'embedding', datatype: 'FP32', shape: [-1, 4] },
  ],
};

function x(rows = 2): Tensor {
  return { name: 'x', datatype: 'FP32', shape: [rows, 3], data: new Float32Array(rows * 3) };
}

function mask(): Tensor {
  return { name: 'mask', datatype: 'BOOL', shape: [2], data: new Uint8Array(2) };
}

describe('shapeMatches', () => {
  it('matches equal fixed shapes', () => {
    expect(shapeMatches([2, 3], [2, 3])).toBe(true);
  });

  it('matches scalars (empty shapes)', () => {
    expect(shapeMatches([], [])).toBe(true);
  });

  it('accepts any size, including 0, in a dynamic (-1) dimension', () => {
    expect(shapeMatches([-1, 3], [1, 3])).toBe(true);
    expect(shapeMatches([-1, 3], [1000, 3])).toBe(true);
    expect(shapeMatches([-1, 3], [0, 3])).toBe(true);
    expect(shapeMatches([-1, -1], [5, 7])).toBe(true);
  });

  it('rejects a different fixed dimension', () => {
    expect(shapeMatches([-1, 3], [2, 4])).toBe(false);
    expect(shapeMatches([2, 3], [3, 3])).toBe(false);
  });

  it('rejects a different rank either way', () => {
    expect(shapeMatches([-1, 3], [3])).toBe(false);
    expect(shapeMatches([-1, 3], [1, 3, 1])).toBe(false);
    expect(shapeMatches([], [1])).toBe(false);
    expect(shapeMatches([-1], [])).toBe(false);
  });

  it('treats -1 as a wildcard only in the spec, not in the actual shape', () => {
    expect(shapeMatches([3], [-1])).toBe(false);
  });
});

describe('checkRequest', () => {
  it('returns every output name, in signature order, when no outputs are requested', () => {
    expect(checkRequest(signature, { inputs: [x(), mask()] })).toEqual(['label', 'probabilities', 'embedding']);
  });

  it('treats an empty outputs list as "all outputs"', () => {
    expect(checkRequest(signature, { inputs: [x(), mask()], outputs: [] })).toEqual([
      'label',
      'probabilities',
      'embedding',
    ]);
  });

  it('accepts inputs in any order', () => {
    expect(checkRequest(signature, { inputs: [mask(), x()] })).toEqual(['label', 'probabilities', 'embedding']);
  });

  it('returns only the requested outputs, in the order requested', () => {
    const request: InferRequest = {
      inputs: [x(), mask()],
      outputs: [{ name: 'embedding' }, { name: 'label', parameters: { top_k: 1 } }],
    };
    expect(checkRequest(signature, request)).toEqual(['embedding', 'label']);
  });

  it('accepts a dynamic batch dimension of any size', () => {
    expect(() => checkRequest(signature, { inputs: [x(1), mask()] })).not.toThrow();
    expect(() => checkRequest(signature, { inputs: [x(17), mask()] })).not.toThrow();
  });

  it('rejects an unknown output, listing the model outputs', () => {
    const err = errorOf(() => checkRequest(signature, { inputs: [x(), mask()], outputs: [{ name: 'scores' }] }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('unknown output "scores": the model\'s outputs are "label", "probabilities", "embedding"');
  });

  it('rejects an output requested twice', () => {
    const err = errorOf(() =>
      checkRequest(signature, { inputs: [x(), mask()], outputs: [{ name: 'label' }, { name: 'embedding' }, { name: 'label' }] }),
    );
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('output "label" is requested more than once');
  });

  it('rejects an input sent twice', () => {
    const err = errorOf(() => checkRequest(signature, { inputs: [x(), mask(), x()] }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('input "x" appears more than once');
  });

  it('rejects an unexpected input, listing the model inputs', () => {
    const extra: Tensor = { name: 'y', datatype: 'FP32', shape: [1], data: new Float32Array(1) };
    const err = errorOf(() => checkRequest(signature, { inputs: [x(), extra, mask()] }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('unexpected input "y": the model\'s inputs are "x", "mask"');
  });

  it('rejects one missing input, naming it with its datatype and shape', () => {
    const err = errorOf(() => checkRequest(signature, { inputs: [x()] }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('missing input "mask" (BOOL [2])');
  });

  it('rejects several missing inputs with a plural message listing them all', () => {
    const sig: Signature = {
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [-1, 3] },
        { name: 'b', datatype: 'INT64', shape: [-1] },
        { name: 'c', datatype: 'BYTES', shape: [1] },
      ],
      outputs: [{ name: 'out', datatype: 'FP32', shape: [-1] }],
    };
    const b: Tensor = { name: 'b', datatype: 'INT64', shape: [1], data: new BigInt64Array(1) };
    const err = errorOf(() => checkRequest(sig, { inputs: [b] }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('missing inputs "a" (FP32 [-1,3]), "c" (BYTES [1])');
  });

  it('rejects a datatype mismatch, naming both datatypes', () => {
    const wrong: Tensor = { name: 'x', datatype: 'FP64', shape: [2, 3], data: new Float64Array(6) };
    const err = errorOf(() => checkRequest(signature, { inputs: [wrong, mask()] }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('input "x": expected datatype FP32, got FP64');
  });

  it('rejects a shape of the wrong rank, showing both shapes', () => {
    const flat: Tensor = { name: 'x', datatype: 'FP32', shape: [6], data: new Float32Array(6) };
    const err = errorOf(() => checkRequest(signature, { inputs: [flat, mask()] }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('input "x": expected shape [-1,3], got [6]');
  });

  it('rejects a wrong fixed dimension next to an accepted dynamic one', () => {
    const wide: Tensor = { name: 'x', datatype: 'FP32', shape: [2, 4], data: new Float32Array(8) };
    expect(() => checkRequest(signature, { inputs: [wide, mask()] })).toThrow('input "x": expected shape [-1,3], got [2,4]');
    const badMask: Tensor = { name: 'mask', datatype: 'BOOL', shape: [3], data: new Uint8Array(3) };
    expect(() => checkRequest(signature, { inputs: [x(), badMask] })).toThrow('input "mask": expected shape [2], got [3]');
  });

  it('rejects data whose length does not match the shape', () => {
    const short: Tensor = { name: 'x', datatype: 'FP32', shape: [2, 3], data: new Float32Array(5) };
    const err = errorOf(() => checkRequest(signature, { inputs: [short, mask()] }));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toBe('input "x": shape [2,3] holds 6 elements, but 5 were sent');
    const long: Tensor = { name: 'x', datatype: 'FP32', shape: [2, 3], data: new Float32Array(7) };
    expect(() => checkRequest(signature, { inputs: [long, mask()] })).toThrow(
      'input "x": shape [2,3] holds 6 elements, but 7 were sent',
    );
  });

  it('leaves the element count to the decoder when told it checked it (every protocol decoder does)', () => {
    const short: Tensor = { name: 'x', datatype: 'FP32', shape: [2, 3], data: new Float32Array(5) };
    expect(checkRequest(signature, { inputs: [short, mask()] }, true)).toEqual(signature.outputs.map((o) => o.name));
    const wide: Tensor = { name: 'x', datatype: 'FP32', shape: [2, 4], data: new Float32Array(8) };
    expect(() => checkRequest(signature, { inputs: [wide, mask()] }, true)).toThrow('input "x": expected shape [-1,3], got [2,4]');
  });

  it('checks the data length of BYTES inputs (string arrays) too', () => {
    const sig: Signature = {
      inputs: [{ name: 'text', datatype: 'BYTES', shape: [-1] }],
      outputs: [{ name: 'out', datatype: 'FP32', shape: [-1] }],
    };
    const ok: Tensor = { name: 'text', datatype: 'BYTES', shape: [2], data: ['a', 'b'] };
    expect(checkRequest(sig, { inputs: [ok] })).toEqual(['out']);
    const bad: Tensor = { name: 'text', datatype: 'BYTES', shape: [3], data: ['a', 'b'] };
    expect(() => checkRequest(sig, { inputs: [bad] })).toThrow('input "text": shape [3] holds 3 elements, but 2 were sent');
  });

  it('accepts an empty batch (0 rows, 0 elements)', () => {
    expect(() => checkRequest(signature, { inputs: [x(0), mask()] })).not.toThrow();
  });

  it('checks the inputs before the outputs', () => {
    expect(() => checkRequest(signature, { inputs: [x()], outputs: [{ name: 'nope' }] })).toThrow(
      'missing input "mask" (BOOL [2])',
    );
  });
});

describe('findOutput', () => {
  it('returns the spec of a named output', () => {
    expect(findOutput(signature, 'probabilities')).toEqual({ name: 'probabilities', datatype: 'FP32', shape: [-1, 10] });
  });

  it('throws NotFoundError naming an unknown output', () => {
    const err = errorOf(() => findOutput(signature, 'scores'));
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err.message).toBe('output "scores" not found');
  });
});
