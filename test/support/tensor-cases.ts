// Random valid tensors for the fuzz tests: a datatype, a shape, values a client can write in JSON, and what each
// wire format must decode them to.

import fc from 'fast-check';
import { expect } from 'vitest';
import type { DataType } from '../../src/core/datatype.js';
import { arrayConstructor } from '../../src/core/datatype.js';
import { toHalfBits } from '../../src/core/fp16.js';

/** One input as a client writes it, and the flat values JSON.parse reads back from it. */
export interface TensorCase {
  datatype: DataType;
  shape: number[];
  values: (number | boolean | string)[];
  nested: boolean;
}

const INTEGER_RANGES: Partial<Record<DataType, [number, number]>> = {
  UINT8: [0, 255], INT8: [-128, 127], INT16: [-32768, 32767], UINT16: [0, 65535], INT32: [-(2 ** 31), 2 ** 31 - 1],
  UINT32: [0, 2 ** 32 - 1], INT64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER], UINT64: [0, Number.MAX_SAFE_INTEGER],
};

function valueOf(datatype: DataType): fc.Arbitrary<number | boolean | string> {
  if (datatype === 'BOOL') return fc.boolean();
  if (datatype === 'BYTES') return fc.string({ maxLength: 12 });
  const range = INTEGER_RANGES[datatype];
  if (range) return fc.integer({ min: Math.max(range[0], Number.MIN_SAFE_INTEGER), max: Math.min(range[1], Number.MAX_SAFE_INTEGER) });
  // JSON has no -0, NaN or infinities: what a client can send.
  return fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d));
}

export const tensorCase: fc.Arbitrary<TensorCase> = fc
  .record({
    datatype: fc.constantFrom<DataType>('BOOL', 'UINT8', 'INT8', 'INT16', 'UINT16', 'INT32', 'UINT32', 'INT64', 'UINT64', 'FP16', 'FP32', 'FP64', 'BYTES'),
    shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
    nested: fc.boolean(),
  })
  .chain(({ datatype, shape, nested }) => {
    const count = shape.reduce((a, b) => a * b, 1);
    return fc.array(valueOf(datatype), { minLength: count, maxLength: count }).map((values) => ({ datatype, shape, values, nested }));
  });

/** Values nested row by row as the shape says (what most clients send), or flat. */
export function dataOf(c: TensorCase): unknown {
  if (!c.nested || c.shape.length < 2) return c.values;
  let rows: unknown[] = c.values;
  for (let d = c.shape.length - 1; d >= 1; d--) {
    const size = c.shape[d]!;
    const grouped: unknown[] = [];
    for (let i = 0; i < rows.length; i += size) grouped.push(rows.slice(i, i + size));
    if (size === 0) return c.values; // nothing to group: send it flat
    rows = grouped;
  }
  return rows;
}

/** What the schema says the decoded data is, from the values JSON.parse reads. */
export function expected(c: TensorCase): unknown {
  switch (c.datatype) {
    case 'BYTES': return c.values;
    case 'BOOL': return Uint8Array.from(c.values as boolean[], (b) => (b ? 1 : 0));
    case 'FP16': return Uint16Array.from(c.values as number[], toHalfBits);
    case 'INT64': return BigInt64Array.from(c.values as number[], (v) => BigInt(v));
    case 'UINT64': return BigUint64Array.from(c.values as number[], (v) => BigInt(v));
    default: return (arrayConstructor(c.datatype) as unknown as { from(v: number[]): unknown }).from(c.values as number[]);
  }
}

/**
 * Decoded data equals what was sent: element by element, in an array of the same element size. A view may be a
 * Buffer (a view on the body) or a signed 64-bit array for unsigned data; neither changes what a model receives.
 */
export function sameTensorData(actual: unknown, want: unknown): void {
  if (ArrayBuffer.isView(actual) && ArrayBuffer.isView(want)) {
    const a = actual as unknown as ArrayLike<number | bigint> & { BYTES_PER_ELEMENT: number };
    const w = want as unknown as ArrayLike<number | bigint> & { BYTES_PER_ELEMENT: number };
    expect(a.BYTES_PER_ELEMENT).toBe(w.BYTES_PER_ELEMENT);
    expect(Array.from(a)).toEqual(Array.from(w));
  } else expect(actual).toEqual(want);
}
