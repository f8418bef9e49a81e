// Binary tensor data extension: header length, input slicing, output choice and response framing.

import { describe, expect, it } from 'vitest';
import type { InferRequest, InferResponse } from '../core/infer.js';
import { binaryOutputChoice, decodeBinaryInferRequest, encodeBinaryInferResponse, parseHeaderLength } from './v2-binary.js';
import { encodeInferResponse } from './v2-json.js';
import { expectInvalid } from '../../test/support/thrown.js';


/** A binary request body: the JSON header, then each chunk. Returns the body and the header length. */
function binaryBody(header: unknown, ...chunks: Uint8Array[]): [Buffer, number] {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  return [Buffer.concat([json, ...chunks]), json.length];
}

const f32 = (...values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);
const i64 = (...values: bigint[]): Uint8Array => new Uint8Array(BigInt64Array.from(values).buffer);

describe('parseHeaderLength', () => {
  it('reads a non-negative integer and treats an absent header as a plain JSON body', () => {
    expect(parseHeaderLength(undefined)).toBeUndefined();
    expect(parseHeaderLength('123')).toBe(123);
    expect(parseHeaderLength('0')).toBe(0);
  });

  it.each(['-5', '1.5', 'abc', '', '1e3', '99999999999999999999'])('rejects %j', (value) => {
    expectInvalid(() => parseHeaderLength(value), `header Inference-Header-Content-Length: expected the JSON part's length as a non-negative integer, got ${JSON.stringify(value)}`);
  });
});

describe('decodeBinaryInferRequest', () => {
  it('decodes a plain JSON body when there is no header length', () => {
    const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2], data: [1, 2] }] }));
    const request = decodeBinaryInferRequest(body, undefined);
    expect(Array.from(request.inputs[0]!.data as Float32Array)).toEqual([1, 2]);
  });

  it('takes binary inputs in input order, mixed with JSON ones', () => {
    const [body, length] = binaryBody(
      {
        id: 'r1',
        inputs: [
          { name: 'a', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
          { name: 'b', datatype: 'INT32', shape: [1], data: [7] },
          { name: 'c', datatype: 'INT64', shape: [2], parameters: { binary_data_size: 16 } },
        ],
      },
      f32(1.5, -2),
      i64(-(2n ** 62n), 3n),
    );
    const request = decodeBinaryInferRequest(body, length);
    expect(request.id).toBe('r1');
    expect(request.inputs.map((t) => t.name)).toEqual(['a', 'b', 'c']);
    expect(Array.from(request.inputs[0]!.data as Float32Array)).toEqual([1.5, -2]);
    expect(Array.from(request.inputs[1]!.data as Int32Array)).toEqual([7]);
    expect(Array.from(request.inputs[2]!.data as BigInt64Array)).toEqual([-(2n ** 62n), 3n]);
  });

  it('decodes BYTES and BOOL binary inputs', () => {
    const bytes = Buffer.concat([Buffer.from([2, 0, 0, 0]), Buffer.from('hi'), Buffer.from([0, 0, 0, 0])]);
    const [body, length] = binaryBody(
      {
        inputs: [
          { name: 's', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: bytes.length } },
          { name: 'b', datatype: 'BOOL', shape: [2], parameters: { binary_data_size: 2 } },
        ],
      },
      bytes,
      Uint8Array.from([1, 0]),
    );
    const request = decodeBinaryInferRequest(body, length);
    expect(request.inputs[0]!.data).toEqual(['hi', '']);
    expect(Array.from(request.inputs[1]!.data as Uint8Array)).toEqual([1, 0]);
  });

  it('accepts a header length that covers the whole body (no binary data)', () => {
    const [body, length] = binaryBody({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [3] }] });
    expect(decodeBinaryInferRequest(body, length).inputs).toHaveLength(1);
  });

  it('rejects a header length beyond the body', () => {
    const [body] = binaryBody({ inputs: [] });
    expectInvalid(() => decodeBinaryInferRequest(body, body.length + 1), `header Inference-Header-Content-Length is ${body.length + 1}, but the body has only ${body.length} bytes`);
  });

  it('rejects a header length that cuts the JSON short', () => {
    const [body, length] = binaryBody({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [3] }] });
    expectInvalid(() => decodeBinaryInferRequest(body, length - 3), /^request body is not valid JSON/);
  });

  it('rejects too few binary bytes, naming the input', () => {
    const [body, length] = binaryBody(
      { inputs: [{ name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } }] },
      f32(1),
    );
    expectInvalid(() => decodeBinaryInferRequest(body, length), 'input "x": parameter "binary_data_size" is 8, but only 4 bytes of binary data remain in the body');
  });

  it('rejects bytes that belong to no input', () => {
    const [body, length] = binaryBody(
      { inputs: [{ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } }] },
      f32(1, 2),
    );
    expectInvalid(
      () => decodeBinaryInferRequest(body, length),
      'the body has 8 bytes after the JSON header, but the inputs\' "binary_data_size" parameters add up to 4: every byte after the header must belong to an input',
    );
  });

  it('rejects a binary size that does not fit the shape, as the raw codec says', () => {
    const [body, length] = binaryBody(
      { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 3], parameters: { binary_data_size: 20 } }] },
      new Uint8Array(20),
    );
    expectInvalid(() => decodeBinaryInferRequest(body, length), 'input "x": shape [2,3] of FP32 needs 24 bytes, got 20');
  });

  it.each([-1, 1.5, '8', true])('rejects binary_data_size %j', (size) => {
    const [body, length] = binaryBody({ inputs: [{ name: 'x', datatype: 'FP32', shape: [2], parameters: { binary_data_size: size } }] }, f32(1, 2));
    expectInvalid(
      () => decodeBinaryInferRequest(body, length),
      `input "x": expected parameter "binary_data_size" to be a non-negative integer byte count, got ${JSON.stringify(size)}`,
    );
  });

  it('rejects an input with both data and binary_data_size', () => {
    const [body, length] = binaryBody({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1], parameters: { binary_data_size: 4 } }] }, f32(1));
    expectInvalid(() => decodeBinaryInferRequest(body, length), 'input "x": has both "data" and parameter "binary_data_size"; send its elements one way only');
  });

  it('rejects binary_data_size in a body sent without the header length', () => {
    const body = Buffer.from(JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } }] }));
    expectInvalid(() => decodeBinaryInferRequest(body, undefined), /^input "x": parameter "binary_data_size" is set, but the request has no binary data/);
  });
});

describe('binaryOutputChoice', () => {
  const base: InferRequest = { inputs: [] };

  it('returns JSON for every output by default', () => {
    expect(binaryOutputChoice(base)('y')).toBe(false);
  });

  it('uses binary_data_output for outputs without their own choice', () => {
    const choose = binaryOutputChoice({
      ...base,
      parameters: { binary_data_output: true },
      outputs: [{ name: 'a' }, { name: 'b', parameters: { binary_data: false } }],
    });
    expect([choose('a'), choose('b'), choose('c')]).toEqual([true, false, true]);
  });

  it('lets an output ask for binary on its own', () => {
    const choose = binaryOutputChoice({ ...base, outputs: [{ name: 'a', parameters: { binary_data: true } }, { name: 'b' }] });
    expect([choose('a'), choose('b')]).toEqual([true, false]);
  });

  it('rejects non-boolean choices', () => {
    expectInvalid(() => binaryOutputChoice({ ...base, parameters: { binary_data_output: 1 } }), 'request parameter "binary_data_output": expected true or false, got 1');
    expectInvalid(
      () => binaryOutputChoice({ ...base, outputs: [{ name: 'a', parameters: { binary_data: 'yes' } }] }),
      'output "a": parameter "binary_data": expected true or false, got "yes"',
    );
  });
});

describe('encodeBinaryInferResponse', () => {
  const response: InferResponse = {
    modelName: 'm',
    modelVersion: '2',
    id: 'r',
    parameters: { variant: 'primary' },
    outputs: [
      { name: 'a', datatype: 'FP32', shape: [2], data: Float32Array.from([0.5, 2]) },
      { name: 'b', datatype: 'INT64', shape: [1], data: BigInt64Array.from([-3n]) },
      { name: 'c', datatype: 'BYTES', shape: [1], data: ['ok'] },
    ],
  };

  it('answers plain JSON, exactly as the JSON encoder, when no output is binary', () => {
    const encoded = encodeBinaryInferResponse(response, () => false);
    expect(encoded.headerLength).toBeUndefined();
    expect(encoded.body).toBe(encodeInferResponse(response));
  });

  it('puts binary outputs after the JSON header in header order, with their sizes', () => {
    const encoded = encodeBinaryInferResponse(response, (name) => name !== 'b');
    const body = encoded.body as Buffer;
    const length = encoded.headerLength!;
    const header = JSON.parse(body.subarray(0, length).toString('utf8')) as { outputs: Record<string, unknown>[] };
    expect(header).toMatchObject({ model_name: 'm', model_version: '2', id: 'r', parameters: { variant: 'primary' } });
    expect(header.outputs).toEqual([
      { name: 'a', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
      { name: 'b', datatype: 'INT64', shape: [1], data: [-3] },
      { name: 'c', datatype: 'BYTES', shape: [1], parameters: { binary_data_size: 6 } },
    ]);
    const rest = body.subarray(length);
    expect(rest.length).toBe(14);
    expect(Array.from(new Float32Array(Uint8Array.from(rest.subarray(0, 8)).buffer))).toEqual([0.5, 2]);
    expect(Array.from(rest.subarray(8))).toEqual([2, 0, 0, 0, 0x6f, 0x6b]);
  });

  it('counts the header length in bytes, not characters', () => {
    const encoded = encodeBinaryInferResponse({ ...response, id: 'ünï✓' }, () => true);
    const body = encoded.body as Buffer;
    expect(JSON.parse(body.subarray(0, encoded.headerLength).toString('utf8')).id).toBe('ünï✓');
  });
});
