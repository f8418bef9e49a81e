import { describe, expect, it } from 'vitest';
import { DATATYPES } from '../core/datatype.js';
import { InvalidInputError } from '../core/errors.js';
import { fromHalfBits, toHalfBits } from '../core/fp16.js';
import type { InferRequest, InferResponse } from '../core/infer.js';
import type { Signature } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';
import {
  decodeInferRequest,
  encodeInferResponse,
  encodeModelMetadata,
  encodeTensor,
  parseJsonBody,
  tensorValues,
} from './v2-json.js';
import { errorOf, expectInvalid } from '../../test/support/thrown.js';

/** A request body with one input. */
function body(datatype: string, shape: unknown, data: unknown, extra: Record<string, unknown> = {}): unknown {
  return { inputs: [{ name: 'x', datatype, shape, data, ...extra }] };
}

/** Decodes a one-input request and returns that input. */
function decodeOne(datatype: string, shape: unknown, data: unknown): Tensor {
  const request = decodeInferRequest(body(datatype, shape, data));
  expect(request.inputs).toHaveLength(1);
  return request.inputs[0]!;
}

describe('parseJsonBody', () => {
  it('parses a string body', () => {
    expect(parseJsonBody('{"a":[1,2]}')).toEqual({ a: [1, 2] });
  });

  it('parses a Buffer body as UTF-8', () => {
    expect(parseJsonBody(Buffer.from('{"text":"héllo ✓"}', 'utf8'))).toEqual({ text: 'héllo ✓' });
  });

  it('rejects invalid JSON with an InvalidInputError that says what and where', () => {
    expectInvalid(() => parseJsonBody('{"a":'), 'request body is not valid JSON: unexpected end of input at position 5');
  });

  it('rejects an empty body', () => {
    const err = errorOf(() => parseJsonBody(Buffer.alloc(0)));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/^request body is not valid JSON: ./);
  });
});

describe('decodeInferRequest: datatypes', () => {
  it('decodes BOOL from true/false into a Uint8Array of 1/0', () => {
    const t = decodeOne('BOOL', [3], [true, false, true]);
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.data as Uint8Array)).toEqual([1, 0, 1]);
  });

  it('decodes BOOL from 0/1 numbers too', () => {
    const t = decodeOne('BOOL', [4], [0, 1, 1, 0]);
    expect(t.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(t.data as Uint8Array)).toEqual([0, 1, 1, 0]);
  });

  it.each([2, -1, 0.5, 'true', null])('rejects BOOL element %j', (v) => {
    expectInvalid(
      () => decodeInferRequest(body('BOOL', [2], [true, v])),
      `input "x": element 1 of "data": expected true or false for BOOL, got ${JSON.stringify(v)}`,
    );
  });

  it.each<[string, number, number, new (n: number) => ArrayLike<number>]>([
    ['INT8', -128, 127, Int8Array],
    ['INT16', -32768, 32767, Int16Array],
    ['INT32', -2147483648, 2147483647, Int32Array],
    ['UINT8', 0, 255, Uint8Array],
    ['UINT16', 0, 65535, Uint16Array],
    ['UINT32', 0, 4294967295, Uint32Array],
  ])('decodes %s including both ends of its range', (datatype, min, max, ArrayType) => {
    const t = decodeOne(datatype, [3], [min, 0, max]);
    expect(t.datatype).toBe(datatype);
    expect(t.data).toBeInstanceOf(ArrayType);
    expect(Array.from(t.data as ArrayLike<number>)).toEqual([min, 0, max]);
  });

  it.each<[string, number, number]>([
    ['INT8', -128, 127],
    ['INT16', -32768, 32767],
    ['INT32', -2147483648, 2147483647],
    ['UINT8', 0, 255],
    ['UINT16', 0, 65535],
    ['UINT32', 0, 4294967295],
  ])('rejects %s values just outside its range, naming the range', (datatype, min, max) => {
    for (const v of [min - 1, max + 1]) {
      expectInvalid(
        () => decodeInferRequest(body(datatype, [2], [0, v])),
        `input "x": element 1 of "data": expected an integer from ${min} to ${max} for ${datatype}, got ${v}`,
      );
    }
  });

  it('rejects 256 and -1 for UINT8 (no wrap-around)', () => {
    expectInvalid(
      () => decodeInferRequest(body('UINT8', [1], [256])),
      'input "x": element 0 of "data": expected an integer from 0 to 255 for UINT8, got 256',
    );
    expectInvalid(
      () => decodeInferRequest(body('UINT8', [1], [-1])),
      'input "x": element 0 of "data": expected an integer from 0 to 255 for UINT8, got -1',
    );
  });

  it.each([1.5, '3', true, null])('rejects the non-integer %j for INT32', (v) => {
    expectInvalid(
      () => decodeInferRequest(body('INT32', [3], [1, 2, v])),
      `input "x": element 2 of "data": expected an integer from -2147483648 to 2147483647 for INT32, got ${JSON.stringify(v)}`,
    );
  });

  it('accepts an integer written with a fraction part of zero (JSON 2.0 is the number 2)', () => {
    const t = decodeInferRequest(parseJsonBody('{"inputs":[{"name":"x","datatype":"INT32","shape":[1],"data":[2.0]}]}'));
    expect(Array.from(t.inputs[0]!.data as Int32Array)).toEqual([2]);
  });

  it('decodes INT64 into a BigInt64Array, up to the safe-integer limits', () => {
    const t = decodeOne('INT64', [4], [-9007199254740991, -1, 0, 9007199254740991]);
    expect(t.data).toBeInstanceOf(BigInt64Array);
    expect(Array.from(t.data as BigInt64Array)).toEqual([-9007199254740991n, -1n, 0n, 9007199254740991n]);
  });

  it('decodes UINT64 into a BigUint64Array', () => {
    const t = decodeOne('UINT64', [3], [0, 7, 9007199254740991]);
    expect(t.data).toBeInstanceOf(BigUint64Array);
    expect(Array.from(t.data as BigUint64Array)).toEqual([0n, 7n, 9007199254740991n]);
  });

  it('rejects 64-bit integers beyond the safe range and negative UINT64', () => {
    expectInvalid(
      () => decodeInferRequest(body('INT64', [1], [9007199254740992])),
      'input "x": element 0 of "data": expected an integer from -9007199254740991 to 9007199254740991 for INT64, got 9007199254740992',
    );
    expectInvalid(
      () => decodeInferRequest(body('UINT64', [2], [1, -1])),
      'input "x": element 1 of "data": expected an integer from 0 to 9007199254740991 for UINT64, got -1',
    );
    expectInvalid(
      () => decodeInferRequest(body('INT64', [1], [0.5])),
      'input "x": element 0 of "data": expected an integer from -9007199254740991 to 9007199254740991 for INT64, got 0.5',
    );
  });

  it('decodes FP16 into a Uint16Array of half-precision bit patterns', () => {
    const values = [0, 1, -2.5, 0.5, 65504, 2 ** -24];
    const t = decodeOne('FP16', [values.length], values);
    expect(t.data).toBeInstanceOf(Uint16Array);
    const bits = Array.from(t.data as Uint16Array);
    expect(bits.map(fromHalfBits)).toEqual(values);
    expect(bits[1]).toBe(0x3c00);
    expect(bits[2]).toBe(0xc100);
  });

  it('rounds FP16 values to the nearest half and overflows to infinity', () => {
    const t = decodeOne('FP16', [3], [0.1, 1e6, -1e6]);
    const back = Array.from(t.data as Uint16Array, fromHalfBits);
    expect(back[0]).toBe(fromHalfBits(toHalfBits(0.1)));
    expect(back[0]).toBeCloseTo(0.1, 3);
    expect(back[0]).not.toBe(0.1);
    expect(back[1]).toBe(Infinity);
    expect(back[2]).toBe(-Infinity);
  });

  it('rejects a non-number for FP16', () => {
    expectInvalid(
      () => decodeInferRequest(body('FP16', [1], ['1.0'])),
      'input "x": element 0 of "data": expected a number for FP16, got "1.0"',
    );
  });

  it('decodes FP32 into a Float32Array (rounded to float32)', () => {
    const t = decodeOne('FP32', [3], [1.5, -0.25, 0.1]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(Array.from(t.data as Float32Array)).toEqual([1.5, -0.25, Math.fround(0.1)]);
  });

  it('decodes FP64 into a Float64Array (full precision)', () => {
    const t = decodeOne('FP64', [2], [0.1, -1e300]);
    expect(t.data).toBeInstanceOf(Float64Array);
    expect(Array.from(t.data as Float64Array)).toEqual([0.1, -1e300]);
  });

  it.each(['FP32', 'FP64'])('rejects non-numbers for %s', (datatype) => {
    expectInvalid(
      () => decodeInferRequest(body(datatype, [2], [1, true])),
      `input "x": element 1 of "data": expected a number for ${datatype}, got true`,
    );
  });

  it('decodes BYTES into an array of strings', () => {
    const t = decodeOne('BYTES', [3], ['hello', '', 'wörld']);
    expect(Array.isArray(t.data)).toBe(true);
    expect(t.data).toEqual(['hello', '', 'wörld']);
  });

  it.each([5, true, null, { a: 1 }])('rejects %j as a BYTES element', (v) => {
    expectInvalid(
      () => decodeInferRequest(body('BYTES', [2], ['ok', v])),
      `input "x": element 1 of "data": expected a string for BYTES, got ${JSON.stringify(v)}`,
    );
  });

  it('decodes every datatype it advertises', () => {
    for (const datatype of DATATYPES) {
      const value = datatype === 'BYTES' ? 'a' : datatype === 'BOOL' ? true : 1;
      const t = decodeOne(datatype, [1], [value]);
      expect(t.datatype).toBe(datatype);
      expect(t.data.length).toBe(1);
    }
  });
});

describe('decodeInferRequest: data layout', () => {
  it('flattens [2,3] data given as rows, row-major', () => {
    const t = decodeOne('INT32', [2, 3], [
      [1, 2, 3],
      [4, 5, 6],
    ]);
    expect(t.shape).toEqual([2, 3]);
    expect(Array.from(t.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('flattens deeper nesting ([2,2,2]) row-major', () => {
    const t = decodeOne('FP32', [2, 2, 2], [
      [
        [1, 2],
        [3, 4],
      ],
      [
        [5, 6],
        [7, 8],
      ],
    ]);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('accepts flat data for a multi-dimensional shape', () => {
    const t = decodeOne('INT32', [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(Array.from(t.data as Int32Array)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('flattens very deep nesting without overflowing the stack', () => {
    let data: unknown = [42];
    for (let i = 0; i < 100_000; i++) data = [data];
    const t = decodeOne('INT32', [1], data);
    expect(Array.from(t.data as Int32Array)).toEqual([42]);
  });

  it('counts element positions across nested rows in error messages', () => {
    expectInvalid(
      () => decodeInferRequest(body('UINT8', [2, 2], [
        [1, 2],
        [3, 300],
      ])),
      'input "x": element 3 of "data": expected an integer from 0 to 255 for UINT8, got 300',
    );
  });

  it('decodes a scalar (shape []) with one element', () => {
    const t = decodeOne('FP64', [], [3.5]);
    expect(t.shape).toEqual([]);
    expect(Array.from(t.data as Float64Array)).toEqual([3.5]);
  });

  it('decodes an empty tensor (a zero dimension) with no elements', () => {
    const t = decodeOne('FP32', [0, 3], []);
    expect(t.shape).toEqual([0, 3]);
    expect(t.data).toBeInstanceOf(Float32Array);
    expect(t.data.length).toBe(0);
  });

  it('rejects too few elements for the shape', () => {
    expectInvalid(() => decodeInferRequest(body('FP32', [2, 3], [1, 2, 3, 4, 5])), 'input "x": shape holds 6 elements, but "data" has 5');
  });

  it('rejects too many elements for the shape, counting them all', () => {
    expectInvalid(
      () => decodeInferRequest(body('FP32', [2, 2], [
        [1, 2, 3],
        [4, 5, 6],
      ])),
      'input "x": shape holds 4 elements, but "data" has 6',
    );
  });

  it('rejects data for a scalar that has no elements', () => {
    expectInvalid(() => decodeInferRequest(body('FP32', [], [])), 'input "x": shape holds 1 elements, but "data" has 0');
  });

  it.each([5, 'abc', null, { a: 1 }, true])('rejects non-array data %j', (data) => {
    expectInvalid(
      () => decodeInferRequest(body('FP32', [1], data)),
      `input "x": expected "data" to be an array, got ${JSON.stringify(data)}`,
    );
  });

  it('rejects an input without data', () => {
    expectInvalid(() => decodeInferRequest({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1] }] }), 'input "x": expected "data"');
  });
});

describe('decodeInferRequest: structure', () => {
  it('decodes several inputs, keeping names, datatypes and shapes in order', () => {
    const request = decodeInferRequest({
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [1, 2], data: [1, 2] },
        { name: 'b', datatype: 'BYTES', shape: [1], data: ['z'] },
      ],
    });
    expect(request.inputs.map((t) => [t.name, t.datatype, t.shape])).toEqual([
      ['a', 'FP32', [1, 2]],
      ['b', 'BYTES', [1]],
    ]);
  });

  it('leaves id, outputs and parameters out when they are absent', () => {
    const request = decodeInferRequest(body('FP32', [1], [1]));
    expect(Object.keys(request)).toEqual(['inputs']);
  });

  it('keeps a string id', () => {
    expect(decodeInferRequest({ ...(body('FP32', [1], [1]) as object), id: 'req-42' }).id).toBe('req-42');
    expect(decodeInferRequest({ ...(body('FP32', [1], [1]) as object), id: '' }).id).toBe('');
  });

  it.each([42, null, ['a'], { a: 1 }])('rejects the non-string id %j', (id) => {
    expectInvalid(
      () => decodeInferRequest({ ...(body('FP32', [1], [1]) as object), id }),
      `request body: expected "id" to be a string, got ${JSON.stringify(id)}`,
    );
  });

  it.each([null, [1], 'body', 3])('rejects a body that is not an object: %j', (value) => {
    expectInvalid(() => decodeInferRequest(value), `request body: expected a JSON object, got ${JSON.stringify(value)}`);
  });

  it('rejects missing, empty or non-array inputs', () => {
    expectInvalid(() => decodeInferRequest({}), 'request body: expected "inputs" to be a non-empty array, got nothing');
    expectInvalid(() => decodeInferRequest({ inputs: [] }), 'request body: expected "inputs" to be a non-empty array, got []');
    expectInvalid(
      () => decodeInferRequest({ inputs: { name: 'x' } }),
      'request body: expected "inputs" to be a non-empty array, got {"name":"x"}',
    );
  });

  it('rejects an input that is not an object, giving its index', () => {
    expectInvalid(
      () => decodeInferRequest({ inputs: [{ name: 'a', datatype: 'FP32', shape: [1], data: [1] }, 'b'] }),
      'inputs[1]: expected an object, got "b"',
    );
  });

  it('rejects an input without a non-empty string name', () => {
    expectInvalid(
      () => decodeInferRequest({ inputs: [{ datatype: 'FP32', shape: [1], data: [1] }] }),
      'inputs[0]: expected "name" to be a non-empty string, got nothing',
    );
    expectInvalid(
      () => decodeInferRequest({ inputs: [{ name: '', datatype: 'FP32', shape: [1], data: [1] }] }),
      'inputs[0]: expected "name" to be a non-empty string, got ""',
    );
    expectInvalid(
      () => decodeInferRequest({ inputs: [{ name: 7, datatype: 'FP32', shape: [1], data: [1] }] }),
      'inputs[0]: expected "name" to be a non-empty string, got 7',
    );
  });

  it.each(['FLOAT32', 'fp32', 'INT4', '', 5])('rejects the datatype %j, listing the valid ones', (datatype) => {
    expectInvalid(
      () => decodeInferRequest({ inputs: [{ name: 'x', datatype, shape: [1], data: [1] }] }),
      `input "x": expected "datatype" to be one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES, got ${JSON.stringify(datatype)}`,
    );
  });

  it('rejects a missing or non-array shape', () => {
    expectInvalid(
      () => decodeInferRequest({ inputs: [{ name: 'x', datatype: 'FP32', data: [1] }] }),
      'input "x": expected "shape" to be an array of integers, got nothing',
    );
    expectInvalid(
      () => decodeInferRequest(body('FP32', 3, [1, 2, 3])),
      'input "x": expected "shape" to be an array of integers, got 3',
    );
  });

  it.each([[[-1, 3]], [[1.5]], [['2']], [[null]]])('rejects the shape %j (negative, non-integer or non-number)', (shape) => {
    expectInvalid(
      () => decodeInferRequest(body('FP32', shape, [1])),
      `input "x": expected "shape" to hold non-negative integers, got ${JSON.stringify(shape)}`,
    );
  });

  it('shortens long values in messages to 40 characters', () => {
    const long = 'x'.repeat(100);
    expectInvalid(
      () => decodeInferRequest(body('BYTES', [1], [5], { datatype: long })),
      `input "x": expected "datatype" to be one of ${DATATYPES.join(', ')}, got "${'x'.repeat(36)}...`,
    );
  });

  it('keeps request parameters with scalar values', () => {
    const request = decodeInferRequest({
      ...(body('FP32', [1], [1]) as object),
      parameters: { priority: 2, tag: 'a', sync: false },
    });
    expect(request.parameters).toEqual({ priority: 2, tag: 'a', sync: false });
  });

  it.each([null, [1], { a: 1 }])('rejects the request parameter value %j', (v) => {
    expectInvalid(
      () => decodeInferRequest({ ...(body('FP32', [1], [1]) as object), parameters: { ok: 1, bad: v } }),
      `request: parameter "bad" must be a string, number or boolean, got ${JSON.stringify(v)}`,
    );
  });

  it('rejects request parameters that are not an object', () => {
    expectInvalid(
      () => decodeInferRequest({ ...(body('FP32', [1], [1]) as object), parameters: ['a'] }),
      'request: expected "parameters" to be an object, got ["a"]',
    );
    expectInvalid(
      () => decodeInferRequest({ ...(body('FP32', [1], [1]) as object), parameters: null }),
      'request: expected "parameters" to be an object, got null',
    );
  });

  it('checks input parameters, naming the input', () => {
    expectInvalid(
      () => decodeInferRequest(body('FP32', [1], [1], { parameters: { content_type: { x: 1 } } })),
      'input "x": parameter "content_type" must be a string, number or boolean, got {"x":1}',
    );
    expect(() => decodeInferRequest(body('FP32', [1], [1], { parameters: { content_type: 'np' } }))).not.toThrow();
  });

  it('parses the outputs selection, with per-output parameters when given', () => {
    const request = decodeInferRequest({
      ...(body('FP32', [1], [1]) as object),
      outputs: [{ name: 'label' }, { name: 'probabilities', parameters: { top_k: 3 } }],
    });
    expect(request.outputs).toEqual([{ name: 'label' }, { name: 'probabilities', parameters: { top_k: 3 } }]);
    expect(Object.keys(request.outputs![0]!)).toEqual(['name']);
  });

  it('keeps an empty outputs selection as an empty list', () => {
    expect(decodeInferRequest({ ...(body('FP32', [1], [1]) as object), outputs: [] }).outputs).toEqual([]);
  });

  it('rejects outputs that are not an array', () => {
    expectInvalid(
      () => decodeInferRequest({ ...(body('FP32', [1], [1]) as object), outputs: 'label' }),
      'request body: expected "outputs" to be an array, got "label"',
    );
  });

  it.each(['label', { nam: 'label' }, { name: 3 }, null])('rejects the output entry %j, giving its index', (entry) => {
    expectInvalid(
      () => decodeInferRequest({ ...(body('FP32', [1], [1]) as object), outputs: [{ name: 'ok' }, entry] }),
      `outputs[1]: expected an object with a "name" string, got ${JSON.stringify(entry)}`,
    );
  });

  it('rejects bad output parameters, naming the output', () => {
    expectInvalid(
      () => decodeInferRequest({ ...(body('FP32', [1], [1]) as object), outputs: [{ name: 'label', parameters: { k: [1] } }] }),
      'output "label": parameter "k" must be a string, number or boolean, got [1]',
    );
  });
});

describe('tensorValues and encodeTensor', () => {
  it('turns BOOL bytes into booleans', () => {
    expect(tensorValues({ name: 'b', datatype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 2]) })).toEqual([true, false, true]);
  });

  it('turns INT64 and UINT64 into plain numbers', () => {
    expect(tensorValues({ name: 'i', datatype: 'INT64', shape: [2], data: BigInt64Array.from([-5n, 7n]) })).toEqual([-5, 7]);
    expect(tensorValues({ name: 'u', datatype: 'UINT64', shape: [1], data: BigUint64Array.from([9n]) })).toEqual([9]);
  });

  it('turns FP16 bit patterns into numbers', () => {
    const data = Uint16Array.from([toHalfBits(1.5), toHalfBits(-0.25), 0x7c00]);
    expect(tensorValues({ name: 'h', datatype: 'FP16', shape: [3], data })).toEqual([1.5, -0.25, Infinity]);
  });

  it('keeps BYTES strings and numeric values as they are', () => {
    expect(tensorValues({ name: 's', datatype: 'BYTES', shape: [2], data: ['a', 'b'] })).toEqual(['a', 'b']);
    expect(tensorValues({ name: 'f', datatype: 'FP32', shape: [2], data: Float32Array.from([0.5, 2]) })).toEqual([0.5, 2]);
    expect(tensorValues({ name: 'n', datatype: 'INT8', shape: [2], data: Int8Array.from([-3, 4]) })).toEqual([-3, 4]);
  });

  it('encodes a tensor as name, datatype, shape and flat data', () => {
    const tensor: Tensor = { name: 'probabilities', datatype: 'FP32', shape: [1, 2], data: Float32Array.from([0.25, 0.75]) };
    expect(encodeTensor(tensor)).toEqual({ name: 'probabilities', datatype: 'FP32', shape: [1, 2], data: [0.25, 0.75] });
  });
});

describe('encodeInferResponse', () => {
  const outputs: Tensor[] = [
    { name: 'flag', datatype: 'BOOL', shape: [2], data: Uint8Array.from([1, 0]) },
    { name: 'label', datatype: 'INT64', shape: [2, 1], data: BigInt64Array.from([3n, -1n]) },
    { name: 'half', datatype: 'FP16', shape: [2], data: Uint16Array.from([toHalfBits(0.5), toHalfBits(2)]) },
    { name: 'text', datatype: 'BYTES', shape: [1], data: ['hi'] },
  ];

  it('writes model name/version and outputs, converting BOOL, INT64 and FP16 to JSON values', () => {
    const response: InferResponse = { modelName: 'digits', modelVersion: '3', outputs };
    expect(encodeInferResponse(response)).toBe(
      JSON.stringify({
        model_name: 'digits',
        model_version: '3',
        outputs: [
          { name: 'flag', datatype: 'BOOL', shape: [2], data: [true, false] },
          { name: 'label', datatype: 'INT64', shape: [2, 1], data: [3, -1] },
          { name: 'half', datatype: 'FP16', shape: [2], data: [0.5, 2] },
          { name: 'text', datatype: 'BYTES', shape: [1], data: ['hi'] },
        ],
      }),
    );
  });

  it('leaves id and parameters out when absent', () => {
    const parsed = JSON.parse(encodeInferResponse({ modelName: 'm', modelVersion: '1', outputs: [] })) as Record<string, unknown>;
    expect(Object.keys(parsed)).toEqual(['model_name', 'model_version', 'outputs']);
  });

  it('includes id (even an empty one) and parameters when present', () => {
    const parsed = JSON.parse(
      encodeInferResponse({ modelName: 'm', modelVersion: '1', id: 'req-1', parameters: { variant: 'blue' }, outputs: [] }),
    ) as Record<string, unknown>;
    expect(parsed).toEqual({ model_name: 'm', model_version: '1', id: 'req-1', parameters: { variant: 'blue' }, outputs: [] });
    const empty = JSON.parse(encodeInferResponse({ modelName: 'm', modelVersion: '1', id: '', outputs: [] })) as Record<string, unknown>;
    expect(empty.id).toBe('');
  });

  it('keeps the shape of each output, including multi-dimensional and empty ones', () => {
    const parsed = JSON.parse(
      encodeInferResponse({
        modelName: 'm',
        modelVersion: '1',
        outputs: [
          { name: 'a', datatype: 'FP32', shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) },
          { name: 'b', datatype: 'FP32', shape: [0, 3], data: new Float32Array(0) },
        ],
      }),
    ) as { outputs: { shape: number[]; data: number[] }[] };
    expect(parsed.outputs.map((o) => o.shape)).toEqual([
      [2, 2],
      [0, 3],
    ]);
    expect(parsed.outputs.map((o) => o.data)).toEqual([[1, 2, 3, 4], []]);
  });

  it('round-trips a decoded request tensor through the response encoder', () => {
    const request: InferRequest = decodeInferRequest(body('INT64', [2, 2], [
      [1, -2],
      [3, 9007199254740991],
    ]));
    const json = encodeInferResponse({ modelName: 'm', modelVersion: '1', outputs: request.inputs });
    expect(JSON.parse(json)).toEqual({
      model_name: 'm',
      model_version: '1',
      outputs: [{ name: 'x', datatype: 'INT64', shape: [2, 2], data: [1, -2, 3, 9007199254740991] }],
    });
  });
});

describe('encodeModelMetadata', () => {
  it('describes the model with the onnxruntime platform and only name/datatype/shape per tensor', () => {
    const signature: Signature = {
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2], features: ['a', 'b'] }],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1], labels: ['no', 'yes'] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
      ],
    };
    expect(encodeModelMetadata('iris', ['1', '2'], signature)).toEqual({
      name: 'iris',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 2] },
      ],
    });
  });
});
