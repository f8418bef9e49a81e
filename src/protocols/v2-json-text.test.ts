// responseText against the document JSON.stringify writes (encodeInferResponse): byte for byte, every datatype.

import { describe, expect, it } from 'vitest';
import type { InferResponse } from '../core/infer.js';
import { toHalfBits } from '../core/fp16.js';
import { encodeInferResponse } from './v2-json.js';
import { responseText } from './v2-json-text.js';

const response: InferResponse = {
  modelName: 'di"gits\\', modelVersion: '3', id: 'req "1"\n', parameters: { variant: 'prim\u2028ary', model: 'digits:3', n: 2, ok: true },
  outputs: [
    { name: 'p', datatype: 'FP32', shape: [1, 6], data: new Float32Array([0.1, -0, Number.NaN, Number.POSITIVE_INFINITY, 1e-30, 3.4e38]) },
    { name: 'd', datatype: 'FP64', shape: [2], data: new Float64Array([0.1 + 0.2, Number.NEGATIVE_INFINITY]) },
    { name: 'h', datatype: 'FP16', shape: [2], data: new Uint16Array([toHalfBits(0.5), toHalfBits(65504)]) },
    { name: 'label', datatype: 'INT64', shape: [3], data: new BigInt64Array([3n, -9007199254740993n, 0n]) },
    { name: 'u', datatype: 'UINT8', shape: [2], data: new Uint8Array([0, 255]) },
    { name: 'i', datatype: 'INT32', shape: [1, 1, 2], data: new Int32Array([-1, 2147483647]) },
    { name: 'b', datatype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
    { name: 's', datatype: 'BYTES', shape: [2], data: ['a "quoted"\n', ''] },
    { name: 'e', datatype: 'FP32', shape: [0, 10], data: new Float32Array(0) },
  ],
};

describe('responseText', () => {
  it('writes what JSON.stringify writes for the response document', () => {
    expect(responseText(response)).toBe(encodeInferResponse(response));
  });

  it('leaves out what the response leaves out', () => {
    const bare: InferResponse = { modelName: 'm', modelVersion: '1', outputs: [] };
    expect(responseText(bare)).toBe(encodeInferResponse(bare));
    const emptyId: InferResponse = { ...bare, id: '' };
    expect(responseText(emptyId)).toBe(encodeInferResponse(emptyId));
  });
});
