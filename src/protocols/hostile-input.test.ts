// Bodies written to hurt a decoder (a shape far bigger than its data, nesting 100,000 deep): each protocol path
// answers with an InvalidInputError naming the input, allocates nothing for the claimed shape, and never recurses
// once per nesting level.

import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { DecodePool } from '../api/decode-pool.js';
import { decodeModelInferBytes, loadService } from '../api/grpc-proto.js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { decodeBinaryInferRequest } from './v2-binary.js';
import { decodeInferRequest, parseJsonBody } from './v2-json.js';
import { errorOf, expectInvalid } from '../../test/support/thrown.js';

const pool = new DecodePool(1);
afterAll(() => pool.close());

const HUGE_SHAPE = [1_000_000_000, 64];

function hugeShapeBody(datatype: string, data: unknown, pad = 0): Buffer {
  const doc = { inputs: [{ name: 'input', datatype, shape: HUGE_SHAPE, data }], id: 'x'.repeat(pad) };
  return Buffer.from(JSON.stringify(doc));
}

/** `[[[ … 1 … ]]]` nested `depth` arrays deep, as the "data" of an input, or as the whole body. */
function deepData(depth: number): string {
  return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
}

function decodeJson(body: Buffer): unknown {
  return decodeInferRequest(parseJsonBody(body));
}

describe('a shape whose size the body cannot hold', () => {
  for (const datatype of ['FP32', 'INT64', 'BOOL', 'BYTES']) {
    const data = datatype === 'BOOL' ? [true, false] : datatype === 'BYTES' ? ['a', 'b'] : [1, 2];
    it(`is refused as invalid, naming the input, for ${datatype} data in a small body (JSON.parse path)`, () => {
      expectInvalid(() => decodeJson(hugeShapeBody(datatype, data)), /^input "input": shape holds 64000000000 elements, but "data" has 2$/);
    });
    it(`is refused as invalid for ${datatype} data in a large body (scanner path)`, () => {
      expectInvalid(() => decodeJson(hugeShapeBody(datatype, data, 20_000)), /^input "input": shape holds 64000000000 elements, but "data" has 2$/);
    });
  }

  it('is refused before any data is read when the shape alone outgrows the body (no typed array is allocated)', () => {
    // Nested empty arrays: a cheap way to make a shape's count and the data's disagree late; the check comes first.
    expectInvalid(() => decodeJson(hugeShapeBody('FP64', [[], [1, 2]])), /input "input": shape holds 64000000000 elements/);
  });

  it('is refused in the binary extension, naming the input', () => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: HUGE_SHAPE, parameters: { binary_data_size: 8 } }] }));
    const body = Buffer.concat([header, Buffer.alloc(8)]);
    expectInvalid(() => decodeBinaryInferRequest(body, header.length), /^input "input": shape \[1000000000,64\] of FP32 needs 256000000000 bytes, got 8$/);
  });

  it('is refused over gRPC, with typed contents and with raw contents', () => {
    const method = loadService()['ModelInfer'] as MethodDefinition<unknown, unknown>;
    const typed = method.requestSerialize({
      model_name: 'm',
      inputs: [{ name: 'input', datatype: 'FP32', shape: HUGE_SHAPE, contents: { fp32_contents: [1, 2] } }],
    });
    expectInvalid(() => decodeModelInferBytes(typed), /^input "input": shape \[1000000000,64\] holds 64000000000 elements, but contents.fp32_contents has 2$/);
    const raw = method.requestSerialize({
      model_name: 'm',
      inputs: [{ name: 'input', datatype: 'FP32', shape: HUGE_SHAPE }],
      raw_input_contents: [Buffer.alloc(8)],
    });
    expectInvalid(() => decodeModelInferBytes(raw), /^input "input": shape \[1000000000,64\] of FP32 needs 256000000000 bytes, got 8$/);
  });

  it('is refused as invalid by the decode worker (large bodies)', async () => {
    const body = hugeShapeBody('BYTES', ['a', 'b'], 200_000);
    const err = await Promise.resolve(pool.decode(body, undefined)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/input "input": shape holds 64000000000 elements/);
  });
});

describe('nesting 100,000 arrays deep', () => {
  it('is refused as invalid, not a stack overflow, as a whole body', () => {
    const err = errorOf(() => decodeJson(Buffer.from(deepData(100_000))));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/nested deeper than \d+ levels/);
  });

  it('is refused as invalid inside an object member (the scanner\'s general path)', () => {
    const body = Buffer.from(`{"inputs":[{"name":"input","datatype":"BOOL","shape":[1],"data":1,"x":${deepData(100_000)}}]}`);
    const err = errorOf(() => decodeJson(body));
    expect(err).toBeInstanceOf(InvalidInputError);
    expect(err.message).toMatch(/nested deeper than \d+ levels/);
  });

  it('is refused as invalid by the decode worker', async () => {
    const body = Buffer.from(`{"inputs":[{"name":"input","datatype":"BYTES","shape":[1],"data":${deepData(100_000)}}]}`);
    const err = await Promise.resolve(pool.decode(body, undefined)).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/nested deeper than \d+ levels/);
  });

  it('still decodes numeric data nested as deep as the limit allows', () => {
    const body = Buffer.from(`{"inputs":[{"name":"input","datatype":"FP32","shape":[1],"data":${deepData(60)}}]}`);
    const request = decodeInferRequest(parseJsonBody(body));
    expect(Array.from(request.inputs[0]!.data as Float32Array)).toEqual([1]);
  });
});

describe('deep values given to the decoder after parsing', () => {
  it('are refused as invalid when an input is not an object (the message renders only the start of the value)', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expectInvalid(() => decodeInferRequest({ inputs: [deep] }), /^inputs\[0\]: expected an object, got \[\[\[/);
    expectInvalid(() => decodeInferRequest(deep), /^request body: expected a JSON object, got \[\[\[/);
  });
});
