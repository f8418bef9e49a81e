// gRPC message conversions: typed and raw contents, structural errors, raw-form responses.

import { describe, expect, it } from 'vitest';
import { toHalfBits } from '../core/fp16.js';
import type { InferResponse } from '../core/infer.js';
import type { GrpcInferInputTensor, GrpcModelInferRequest, GrpcTensorContents } from './v2-grpc.js';
import { decodeModelInferRequest, encodeModelInferResponse, parseGrpcParameters, peekModelInferTarget, toGrpcParameters } from './v2-grpc.js';
import { expectInvalid } from '../../test/support/thrown.js';

function one(datatype: string, shape: (string | number)[], contents: GrpcTensorContents | null, raw?: Uint8Array): GrpcModelInferRequest {
  const input: GrpcInferInputTensor = { name: 'x', datatype, shape, contents };
  return { model_name: 'm', inputs: [input], ...(raw ? { raw_input_contents: [raw] } : {}) };
}

const decodeOne = (message: GrpcModelInferRequest) => decodeModelInferRequest(message).inputs[0]!;

describe('typed contents', () => {
  it('decodes each datatype from its own field', () => {
    expect(Array.from(decodeOne(one('BOOL', ['2'], { bool_contents: [true, false] })).data as Uint8Array)).toEqual([1, 0]);
    expect(Array.from(decodeOne(one('INT8', ['2'], { int_contents: [-128, 127] })).data as Int8Array)).toEqual([-128, 127]);
    expect(decodeOne(one('INT16', ['1'], { int_contents: [-32768] })).data).toBeInstanceOf(Int16Array);
    expect(decodeOne(one('INT32', ['1'], { int_contents: [-(2 ** 31)] })).data).toEqual(Int32Array.from([-(2 ** 31)]));
    expect(decodeOne(one('UINT8', ['1'], { uint_contents: [255] })).data).toEqual(Uint8Array.from([255]));
    expect(decodeOne(one('UINT16', ['1'], { uint_contents: [65535] })).data).toEqual(Uint16Array.from([65535]));
    expect(decodeOne(one('UINT32', ['1'], { uint_contents: [2 ** 32 - 1] })).data).toEqual(Uint32Array.from([2 ** 32 - 1]));
    expect(decodeOne(one('FP32', ['2'], { fp32_contents: [0.5, -1] })).data).toEqual(Float32Array.from([0.5, -1]));
    expect(decodeOne(one('FP64', ['1'], { fp64_contents: [0.1] })).data).toEqual(Float64Array.from([0.1]));
    expect(decodeOne(one('BYTES', ['2'], { bytes_contents: [Buffer.from('hé'), Buffer.alloc(0)] })).data).toEqual(['hé', '']);
  });

  it('keeps 64-bit integers exact from their decimal strings', () => {
    const i = decodeOne(one('INT64', ['2'], { int64_contents: ['-9223372036854775808', '9007199254740993'] }));
    expect(Array.from(i.data as BigInt64Array)).toEqual([-(2n ** 63n), 9007199254740993n]);
    const u = decodeOne(one('UINT64', ['1'], { uint64_contents: ['18446744073709551615'] }));
    expect(Array.from(u.data as BigUint64Array)).toEqual([2n ** 64n - 1n]);
  });

  it('checks the range of the narrow integer types that share a field', () => {
    expectInvalid(() => decodeOne(one('INT8', ['2'], { int_contents: [1, 128] })), 'input "x": element 1 of contents.int_contents: expected an integer from -128 to 127 for INT8, got 128');
    expectInvalid(() => decodeOne(one('UINT16', ['1'], { uint_contents: [65536] })), 'input "x": element 0 of contents.uint_contents: expected an integer from 0 to 65535 for UINT16, got 65536');
  });

  it('rejects data in the wrong field for the datatype', () => {
    expectInvalid(() => decodeOne(one('FP32', ['1'], { int_contents: [1] })), 'input "x": FP32 data belongs in contents.fp32_contents (or raw_input_contents), got contents.int_contents');
  });

  it('rejects a count that does not match the shape, and missing data', () => {
    expectInvalid(() => decodeOne(one('FP32', ['2', '2'], { fp32_contents: [1, 2, 3] })), 'input "x": shape [2,2] holds 4 elements, but contents.fp32_contents has 3');
    expectInvalid(() => decodeOne(one('FP32', ['2'], null)), 'input "x": no data: expected contents.fp32_contents or raw_input_contents');
  });

  it('accepts an empty tensor with no contents', () => {
    expect(decodeOne(one('FP32', ['0', '4'], null)).data.length).toBe(0);
  });

  it('sends FP16 to raw contents', () => {
    expectInvalid(() => decodeOne(one('FP16', ['1'], { fp32_contents: [1] })), 'input "x": FP16 has no typed contents field; send its half-precision bits in raw_input_contents');
  });

  it('carries BYTES that are not UTF-8 as a base64 data URL of their bytes', () => {
    const tensor = decodeOne(one('BYTES', ['2'], { bytes_contents: [Buffer.from([0xff]), Buffer.from('ok')] }));
    expect(tensor.data).toEqual(['data:application/octet-stream;base64,/w==', 'ok']);
  });
});

describe('raw contents', () => {
  it('decodes raw bytes per input with the raw codec (FP16 included)', () => {
    const bits = Uint16Array.from([toHalfBits(0.5), toHalfBits(-2)]);
    const t = decodeOne(one('FP16', ['2'], null, new Uint8Array(bits.buffer)));
    expect(t.data).toEqual(bits);
  });

  it('reports a raw size mismatch as the HTTP binary path does', () => {
    expectInvalid(() => decodeOne(one('FP32', ['2', '3'], null, new Uint8Array(20))), 'input "x": shape [2,3] of FP32 needs 24 bytes, got 20');
  });

  it('needs raw contents for every input or none', () => {
    const message: GrpcModelInferRequest = {
      inputs: [{ name: 'a', datatype: 'FP32', shape: ['1'] }, { name: 'b', datatype: 'FP32', shape: ['1'] }],
      raw_input_contents: [new Uint8Array(4)],
    };
    expectInvalid(
      () => decodeModelInferRequest(message),
      'ModelInferRequest: raw_input_contents has 1 entries for 2 inputs; send raw contents for every input, in input order, or for none',
    );
  });

  it('rejects an input with both typed and raw contents', () => {
    expectInvalid(
      () => decodeOne(one('FP32', ['1'], { fp32_contents: [1] }, new Uint8Array(4))),
      'input "x": has both contents.fp32_contents and raw_input_contents; send its data one way only',
    );
  });
});

describe('request structure', () => {
  it('checks names, datatypes and shapes with the JSON form\'s messages', () => {
    expectInvalid(() => decodeModelInferRequest({ inputs: [] }), 'ModelInferRequest: expected at least one input in "inputs"');
    expectInvalid(() => decodeModelInferRequest({ inputs: [{ name: '', datatype: 'FP32', shape: ['1'] }] }), 'inputs[0]: expected "name" to be a non-empty string, got ""');
    expectInvalid(
      () => decodeOne(one('FLOAT', ['1'], null)),
      'input "x": expected "datatype" to be one of BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES, got "FLOAT"',
    );
    expectInvalid(() => decodeOne(one('FP32', ['-1', '2'], null)), 'input "x": expected "shape" to hold non-negative integers, got [-1,2]');
  });

  it('keeps id, parameters and requested outputs; leaves out what is empty', () => {
    const request = decodeModelInferRequest({
      ...one('FP32', ['1'], { fp32_contents: [1] }),
      id: 'r-1',
      parameters: { timeout: { int64_param: '5000', parameter_choice: 'int64_param' }, tag: { string_param: 'a' }, none: {} },
      outputs: [{ name: 'y', parameters: { binary_data: { bool_param: true } } }, { name: 'z', parameters: {} }],
    });
    expect(request.id).toBe('r-1');
    expect(request.parameters).toEqual({ timeout: 5000, tag: 'a' });
    expect(request.outputs).toEqual([{ name: 'y', parameters: { binary_data: true } }, { name: 'z' }]);
    const bare = decodeModelInferRequest({ ...one('FP32', ['1'], { fp32_contents: [1] }), id: '', outputs: [] });
    expect(Object.keys(bare)).toEqual(['inputs']);
  });

  it('refuses 64-bit parameters it cannot keep exactly', () => {
    expectInvalid(
      () => parseGrpcParameters({ big: { uint64_param: '18446744073709551615' } }, 'request'),
      'request: parameter "big" is 18446744073709551615, beyond the integers Slipway keeps exactly (±9007199254740991)',
    );
  });
});

describe('encodeModelInferResponse', () => {
  it('answers every output in raw form, in order, with parameters typed', () => {
    const response: InferResponse = {
      modelName: 'm',
      modelVersion: '3',
      outputs: [
        { name: 'p', datatype: 'FP32', shape: [1, 2], data: Float32Array.from([0.25, 0.75]) },
        { name: 's', datatype: 'BYTES', shape: [1], data: ['a'] },
      ],
      parameters: { variant: 'primary', n: 2, ratio: 0.5, shadow: false },
    };
    const message = encodeModelInferResponse(response);
    expect(message).toMatchObject({ model_name: 'm', model_version: '3', id: '' });
    expect(message.outputs).toEqual([
      { name: 'p', datatype: 'FP32', shape: [1, 2], parameters: {} },
      { name: 's', datatype: 'BYTES', shape: [1], parameters: {} },
    ]);
    expect(Array.from(message.raw_output_contents[0]!)).toEqual(Array.from(new Uint8Array(Float32Array.from([0.25, 0.75]).buffer)));
    expect(Array.from(message.raw_output_contents[1]!)).toEqual([1, 0, 0, 0, 0x61]);
    expect(message.parameters).toEqual(toGrpcParameters(response.parameters));
    expect(message.parameters).toEqual({
      variant: { string_param: 'primary' },
      n: { int64_param: 2 },
      ratio: { double_param: 0.5 },
      shadow: { bool_param: false },
    });
  });
});

describe('peekModelInferTarget', () => {
  /** One length-delimited field: key, length, bytes. */
  const field = (n: number, bytes: Uint8Array | string): Buffer => {
    const body = typeof bytes === 'string' ? Buffer.from(bytes) : Buffer.from(bytes);
    return Buffer.concat([Buffer.from([(n << 3) | 2, body.length]), body]);
  };

  it('reads model_name and model_version, stepping over every other field, the last occurrence winning', () => {
    const message = Buffer.concat([
      field(3, 'request-id'), field(1, 'first'), field(5, new Uint8Array([0xff, 0xff, 0xff])), // inputs: never read
      Buffer.from([0x48, 0x96, 0x01]), // an unknown varint field 9 = 150
      field(2, '3'), field(1, 'échos'), field(7, new Uint8Array(100)),
    ]);
    expect(peekModelInferTarget(message)).toEqual({ name: 'échos', version: '3' });
    expect(peekModelInferTarget(new Uint8Array(0))).toEqual({ name: '', version: '' });
  });

  it('says undefined when the top-level framing is broken', () => {
    expect(peekModelInferTarget(Buffer.from([0x0a, 10, 0x61]))).toBeUndefined(); // a length past the end
    expect(peekModelInferTarget(Buffer.from([0x0a]))).toBeUndefined(); // a key without its length
    expect(peekModelInferTarget(Buffer.from([0x0b, 0x00]))).toBeUndefined(); // wire type 3 (groups): not in this message
    expect(peekModelInferTarget(Buffer.from([0x02, 0x00]))).toBeUndefined(); // field 0
  });
});
