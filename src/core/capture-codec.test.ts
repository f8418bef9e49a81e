// The capture codec: every datatype round-trips exactly, pooled Buffers are read safely, damaged records are refused.
import { describe, expect, it } from 'vitest';
import type { Tensor } from './tensor.js';
import { decodeTensors, encodedSize, encodeTensors, utf8Length } from './capture-codec.js';

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

  it('writes small and large tensors alike, views at an offset and every fixed-size datatype', () => {
    // Up to 64 bytes a typed array may live in V8's heap and is copied through a scratch view; larger ones directly.
    const backing = Float64Array.from({ length: 40 }, (_, i) => i * 1.25 - 3);
    const views: Tensor[] = [
      { name: 'small-view', datatype: 'FP64', shape: [3], data: backing.subarray(5, 8) },
      { name: 'large-view', datatype: 'FP64', shape: [20], data: backing.subarray(11, 31) },
      { name: 'edge', datatype: 'FP32', shape: [16], data: Float32Array.from({ length: 16 }, (_, i) => -i) },
      { name: 'u64', datatype: 'UINT64', shape: [2], data: BigUint64Array.of(2n ** 64n - 1n, 0n) },
      { name: 'i8', datatype: 'INT8', shape: [3], data: Int8Array.of(-128, 0, 127) },
      { name: 'u16', datatype: 'UINT16', shape: [1], data: Uint16Array.of(65535) },
      { name: 'u32', datatype: 'UINT32', shape: [1], data: Uint32Array.of(4294967295) },
      { name: 'i16', datatype: 'INT16', shape: [1], data: Int16Array.of(-32768) },
      { name: 'i32', datatype: 'INT32', shape: [1], data: Int32Array.of(-2147483648) },
      { name: 'u8', datatype: 'UINT8', shape: [2], data: Buffer.from([255, 1]) },
    ];
    const back = decodeTensors(encodeTensors(views));
    back.forEach((t, i) => expect(Array.from(t.data as ArrayLike<number | bigint>), views[i]!.name).toEqual(Array.from(views[i]!.data as ArrayLike<number | bigint>)));
  });

  it('counts UTF-8 bytes as TextEncoder writes them, surrogate pairs and lone surrogates included', () => {
    for (const s of ['', 'abc', 'Zürich', '名前', '😀 x', 'a\ud800b', '\udc00', 'end\ud83d']) {
      expect(utf8Length(s), JSON.stringify(s)).toBe(new TextEncoder().encode(s).length);
    }
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
