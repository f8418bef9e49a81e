// The capture codec: every datatype round-trips exactly, pooled Buffers are read safely, damaged records are refused.
import { describe, expect, it } from 'vitest';
import type { Tensor } from './tensor.js';
import { decodeTensors, encodedSize, encodeTensors } from './capture-codec.js';

const tensors: Tensor[] = [
  { name: 'x', datatype: 'FP32', shape: [2, 3], data: Float32Array.from([1.5, -2, 3.25, Number.NaN, 0, 1e-30]) },
  { name: 'ids', datatype: 'INT64', shape: [2], data: BigInt64Array.from([-(2n ** 62n), 7n]) },
  { name: 'half', datatype: 'FP16', shape: [1], data: Uint16Array.from([0x3c00]) },
  { name: 'flags', datatype: 'BOOL', shape: [3], data: Uint8Array.from([1, 0, 1]) },
  { name: 'städte', datatype: 'BYTES', shape: [2], data: ['Zürich', ''] },
];

describe('capture codec', () => {
  it('round-trips every kind of tensor exactly', () => {
    const bytes = encodeTensors(tensors);
    expect(bytes.length).toBe(encodedSize(tensors));
    const back = decodeTensors(bytes);
    expect(back.map((t) => [t.name, t.datatype, t.shape])).toEqual(tensors.map((t) => [t.name, t.datatype, t.shape]));
    expect(Array.from(back[0]!.data as Float32Array)).toEqual(Array.from(tensors[0]!.data as Float32Array));
    expect(back[1]!.data).toEqual(tensors[1]!.data);
    expect(back[4]!.data).toEqual(['Zürich', '']);
  });

  it('reads a sub-array view of a larger buffer (a typed array at an odd offset)', () => {
    const inner = encodeTensors([tensors[1]!]);
    const outer = new Uint8Array(inner.length + 3);
    outer.set(inner, 3);
    expect(decodeTensors(outer.subarray(3))[0]!.data).toEqual(tensors[1]!.data);
  });

  it('reads a Node Buffer (as the database returns it) without reading its neighbours in the pool', () => {
    const bytes = encodeTensors([tensors[0]!]);
    const pooled = Buffer.from(bytes); // small Buffers share one pool: byteOffset is not 0
    const back = decodeTensors(pooled)[0]!;
    expect(Array.from(back.data as Float32Array)).toEqual(Array.from(tensors[0]!.data as Float32Array));
  });

  it('refuses damaged records with a reason', () => {
    const bytes = encodeTensors(tensors);
    expect(() => decodeTensors(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    const wrong = bytes.slice();
    wrong[0] = 0;
    expect(() => decodeTensors(wrong)).toThrow(/format byte/);
  });
});
