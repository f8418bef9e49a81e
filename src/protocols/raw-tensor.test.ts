// Raw tensor codec: layout per datatype, zero-copy views, BOOL normalisation, BYTES framing, size errors.

import { describe, expect, it } from 'vitest';
import type { DataType, NumericArray } from '../core/datatype.js';
import { toHalfBits } from '../core/fp16.js';
import type { Tensor } from '../core/tensor.js';
import { rawToTensor, tensorToRaw } from './raw-tensor.js';
import { expectInvalid } from '../../test/support/thrown.js';

/** Little-endian bytes of `values` written one by one through a DataView: the reference layout. */
function leBytes(datatype: DataType, values: readonly (number | bigint)[]): Uint8Array {
  const size = { BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8, BYTES: 0 }[datatype];
  const out = new Uint8Array(values.length * size);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => {
    const o = i * size;
    switch (datatype) {
      case 'BOOL': case 'UINT8': view.setUint8(o, Number(v)); break;
      case 'INT8': view.setInt8(o, Number(v)); break;
      case 'UINT16': case 'FP16': view.setUint16(o, Number(v), true); break;
      case 'INT16': view.setInt16(o, Number(v), true); break;
      case 'UINT32': view.setUint32(o, Number(v), true); break;
      case 'INT32': view.setInt32(o, Number(v), true); break;
      case 'FP32': view.setFloat32(o, Number(v), true); break;
      case 'FP64': view.setFloat64(o, Number(v), true); break;
      case 'UINT64': view.setBigUint64(o, BigInt(v), true); break;
      case 'INT64': view.setBigInt64(o, BigInt(v), true); break;
      default: throw new Error('not numeric');
    }
  });
  return out;
}

const NUMERIC: [DataType, NumericArray][] = [
  ['BOOL', Uint8Array.from([1, 0, 1, 1])],
  ['UINT8', Uint8Array.from([0, 1, 128, 255])],
  ['INT8', Int8Array.from([-128, -1, 0, 127])],
  ['UINT16', Uint16Array.from([0, 1, 32768, 65535])],
  ['INT16', Int16Array.from([-32768, -1, 0, 32767])],
  ['FP16', Uint16Array.from([0.5, -2, 65504, 2 ** -24].map(toHalfBits))],
  ['UINT32', Uint32Array.from([0, 1, 2 ** 31, 2 ** 32 - 1])],
  ['INT32', Int32Array.from([-(2 ** 31), -1, 0, 2 ** 31 - 1])],
  ['FP32', Float32Array.from([0.1, -3.5, 3.4028234663852886e38, 1e-45])],
  ['UINT64', BigUint64Array.from([0n, 1n, 2n ** 63n, 2n ** 64n - 1n])],
  ['INT64', BigInt64Array.from([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n])],
  ['FP64', Float64Array.from([0.1, -3.5, 1.7976931348623157e308, 5e-324])],
];

describe('numeric datatypes', () => {
  it.each(NUMERIC)('%s: encodes little-endian, row-major, and decodes back exactly', (datatype, data) => {
    const values = Array.from(data as ArrayLike<number | bigint>);
    const tensor: Tensor = { name: 't', datatype, shape: [2, 2], data };
    const raw = tensorToRaw(tensor);
    expect(Array.from(raw)).toEqual(Array.from(leBytes(datatype, values)));
    const back = rawToTensor('t', datatype, [2, 2], raw);
    expect(back.datatype).toBe(datatype);
    expect(back.shape).toEqual([2, 2]);
    expect(back.data.constructor).toBe(data.constructor);
    expect(Array.from(back.data as ArrayLike<number | bigint>)).toEqual(values);
  });

  it('keeps FP16 as raw half bits (NaN payloads and negative zero included)', () => {
    const bits = Uint16Array.from([0x7e01, 0x8000, 0x3c00, 0xfc00]);
    const back = rawToTensor('h', 'FP16', [4], leBytes('FP16', Array.from(bits)));
    expect(back.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(back.data as Uint16Array)).toEqual(Array.from(bits));
  });

  it('keeps 64-bit integers beyond 2^53 exact', () => {
    const back = rawToTensor('i', 'INT64', [1], leBytes('INT64', [9007199254740993n]));
    expect((back.data as BigInt64Array)[0]).toBe(9007199254740993n);
  });

  it('views aligned bytes without copying', () => {
    const buffer = new ArrayBuffer(64);
    const bytes = new Uint8Array(buffer, 8, 16);
    bytes.set(leBytes('FP32', [1, 2, 3, 4]));
    const t = rawToTensor('x', 'FP32', [4], bytes);
    expect((t.data as Float32Array).buffer).toBe(buffer);
    expect((t.data as Float32Array).byteOffset).toBe(8);
    expect(Array.from(t.data as Float32Array)).toEqual([1, 2, 3, 4]);
  });

  it('copies bytes that are not aligned for the element size', () => {
    const buffer = new ArrayBuffer(64);
    const bytes = new Uint8Array(buffer, 3, 16);
    bytes.set(leBytes('INT64', [-5n, 7n]));
    const t = rawToTensor('x', 'INT64', [2], bytes);
    expect((t.data as BigInt64Array).buffer).not.toBe(buffer);
    expect(Array.from(t.data as BigInt64Array)).toEqual([-5n, 7n]);
  });

  it('decodes a scalar and an empty tensor', () => {
    expect(Array.from(rawToTensor('s', 'FP64', [], leBytes('FP64', [2.5])).data as Float64Array)).toEqual([2.5]);
    expect(rawToTensor('e', 'INT32', [0, 3], new Uint8Array(0)).data.length).toBe(0);
  });

  it('rejects a byte count that does not match the shape, naming the tensor and the sizes', () => {
    expectInvalid(() => rawToTensor('x', 'FP32', [2, 3], new Uint8Array(20)), 'input "x": shape [2,3] of FP32 needs 24 bytes, got 20');
    expectInvalid(() => rawToTensor('x', 'INT64', [1], new Uint8Array(9)), 'input "x": shape [1] of INT64 needs 8 bytes, got 9');
    expectInvalid(() => rawToTensor('b', 'BOOL', [3], new Uint8Array(2), 'output "b"'), 'output "b": shape [3] of BOOL needs 3 bytes, got 2');
  });
});

describe('BOOL', () => {
  it('reads any non-zero byte as true (1), without touching the caller\'s bytes', () => {
    const bytes = Uint8Array.from([0, 1, 2, 255]);
    const t = rawToTensor('b', 'BOOL', [4], bytes);
    expect(Array.from(t.data as Uint8Array)).toEqual([0, 1, 1, 1]);
    expect(Array.from(bytes)).toEqual([0, 1, 2, 255]);
  });

  it('views 0/1 bytes without copying', () => {
    const bytes = Uint8Array.from([0, 1, 1]);
    expect(rawToTensor('b', 'BOOL', [3], bytes).data).toBe(bytes);
  });

  it('encodes non-zero bytes as 1', () => {
    expect(Array.from(tensorToRaw({ name: 'b', datatype: 'BOOL', shape: [3], data: Uint8Array.from([0, 7, 1]) }))).toEqual([0, 1, 1]);
  });
});

describe('tensorToRaw', () => {
  it('returns a view on the tensor\'s own memory for numeric data', () => {
    const data = Float64Array.from([1, 2]);
    const raw = tensorToRaw({ name: 'x', datatype: 'FP64', shape: [2], data });
    expect(raw.buffer).toBe(data.buffer);
    expect(raw.length).toBe(16);
  });
});

/** BYTES layout by hand: 4-byte little-endian length, then the bytes. */
function bytesLayout(...elements: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(elements.reduce((n, e) => n + 4 + e.length, 0));
  const view = new DataView(out.buffer);
  let o = 0;
  for (const e of elements) {
    view.setUint32(o, e.length, true);
    out.set(e, o + 4);
    o += 4 + e.length;
  }
  return out;
}

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('BYTES', () => {
  it('encodes each element as a 4-byte little-endian length and its UTF-8 bytes, and decodes back', () => {
    const strings = ['', 'hello', 'ünïcode ✓', 'a,b"c'];
    const raw = tensorToRaw({ name: 's', datatype: 'BYTES', shape: [2, 2], data: strings });
    expect(Array.from(raw)).toEqual(Array.from(bytesLayout(...strings.map(text))));
    expect(rawToTensor('s', 'BYTES', [2, 2], raw).data).toEqual(strings);
  });

  it('decodes an empty BYTES tensor from no bytes', () => {
    expect(rawToTensor('s', 'BYTES', [0], new Uint8Array(0)).data).toEqual([]);
  });

  it('reads lengths at unaligned offsets', () => {
    const raw = bytesLayout(text('abc'), text('de'));
    const padded = new Uint8Array(raw.length + 1);
    padded.set(raw, 1);
    expect(rawToTensor('s', 'BYTES', [2], padded.subarray(1)).data).toEqual(['abc', 'de']);
  });

  it('rejects fewer elements than the shape holds', () => {
    expectInvalid(
      () => rawToTensor('s', 'BYTES', [3], bytesLayout(text('a'), text('b'))),
      'input "s": shape [3] of BYTES holds 3 elements, but the raw data has 2',
    );
  });

  it('rejects bytes beyond the elements the shape holds', () => {
    expectInvalid(
      () => rawToTensor('s', 'BYTES', [1], bytesLayout(text('a'), text('b'))),
      'input "s": shape [1] of BYTES holds 1 elements, but the raw data goes on for 5 more bytes',
    );
  });

  it('rejects a length that runs past the end', () => {
    const raw = bytesLayout(text('abc'));
    new DataView(raw.buffer).setUint32(0, 10, true);
    expectInvalid(() => rawToTensor('s', 'BYTES', [1], raw), 'input "s": BYTES element 0 declares 10 bytes, but only 3 remain');
  });

  it('rejects a cut-off length prefix', () => {
    const raw = new Uint8Array([...bytesLayout(text('ab')), 1, 0]);
    expectInvalid(() => rawToTensor('s', 'BYTES', [2], raw), 'input "s": BYTES element 1 needs a 4-byte length prefix, but only 2 bytes remain');
  });

  it('carries bytes that are not UTF-8 text as a base64 data URL, and sends them back out as the same bytes', () => {
    const jpegStart = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10]);
    const raw = new Uint8Array([...bytesLayout(jpegStart), ...bytesLayout(text('héllo'))]);
    const tensor = rawToTensor('s', 'BYTES', [2], raw);
    expect(tensor.data).toEqual([`data:application/octet-stream;base64,${Buffer.from(jpegStart).toString('base64')}`, 'héllo']);
    expect([...tensorToRaw(tensor)]).toEqual([...raw]);
  });
});
