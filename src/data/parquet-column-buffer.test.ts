// Checks the per-column buffers on their own: PLAIN bytes, page splits, statistics, and reuse after reset.

import { describe, expect, it } from 'vitest';
import { type ColumnBuffer, columnBufferFor } from './parquet-column-buffer.js';
import type { ParquetColumnType, ParquetValue } from './parquet-writer.js';

function buffer(type: ParquetColumnType, nullable: boolean, values: ParquetValue[], pageBytes?: number): ColumnBuffer {
  const column = columnBufferFor({ name: 'c', type, nullable }, 4, pageBytes);
  for (const value of values) column.push(value);
  return column;
}

const float64 = (value: number): number[] => [...new Uint8Array(new Float64Array([value]).buffer)];
const allValues = (column: ColumnBuffer): number[] => column.pages().flatMap((page) => [...column.pageValues(page)]);

describe('column buffers', () => {
  it('hold doubles and int64s as 8-byte little-endian PLAIN values, nulls only as levels', () => {
    const doubles = buffer('double', true, [1.5, null, -0]);
    expect(allValues(doubles)).toEqual([...float64(1.5), ...float64(-0)]);
    expect([...doubles.levels!.subarray(0, 3)]).toEqual([1, 0, 1]);
    expect(doubles.nullCount).toBe(1);

    const ints = buffer('int64', false, [-1, 2n ** 62n, 2 ** 40 + 3]);
    const view = new DataView(Uint8Array.from(allValues(ints)).buffer);
    expect([view.getBigInt64(0, true), view.getBigInt64(8, true), view.getBigInt64(16, true)]).toEqual([-1n, 2n ** 62n, 2n ** 40n + 3n]);
    expect(ints.levels).toBeNull();
  });

  it('holds strings as a 4-byte length then UTF-8, and booleans bit-packed LSB first', () => {
    expect(allValues(buffer('string', false, ['', 'é']))).toEqual([0, 0, 0, 0, 2, 0, 0, 0, 0xc3, 0xa9]);
    expect(allValues(buffer('boolean', false, [true, false, true, true, false, false, false, false, true]))).toEqual([0x0d, 0x01]);
  });

  it('cuts pages once the values pass the page size, never leaving a page without a row', () => {
    const doubles = buffer('double', true, [1, null, 2, 3, null, 4, 5], 16);
    expect(doubles.pages()).toEqual([
      { rowStart: 0, rowEnd: 3, unitStart: 0, unitEnd: 16 },
      { rowStart: 3, rowEnd: 6, unitStart: 16, unitEnd: 32 },
      { rowStart: 6, rowEnd: 7, unitStart: 32, unitEnd: 40 },
    ]);
    // A single string longer than a page gets a page of its own.
    const strings = buffer('string', false, ['ab', 'a much longer string', 'c'], 8);
    expect(strings.pages().map((page) => [page.rowStart, page.rowEnd])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(buffer('int64', false, []).pages()).toEqual([]);
  });

  it('cuts boolean pages at whole bytes of values, nulls or not', () => {
    const values = [true, false, true, true, false, true, false, false, true, true, false, true];
    const withNulls = [null, ...values.slice(0, 5), null, null, ...values.slice(5)];
    const column = buffer('boolean', true, withNulls, 1); // 8 values a page
    const pages = column.pages();
    expect(pages.map((page) => [page.rowStart, page.rowEnd, page.unitStart, page.unitEnd])).toEqual([
      [0, 11, 0, 8],
      [11, 15, 8, 12],
    ]);
    const decoded = pages.flatMap((page) => {
      const bytes = column.pageValues(page);
      return Array.from({ length: page.unitEnd - page.unitStart }, (_, k) => ((bytes[k >> 3]! >> (k & 7)) & 1) === 1);
    });
    expect(decoded).toEqual(values);
  });

  it('keeps min/max in the type order, writes signed zeros the spec way, and drops ranges a reader could misuse', () => {
    const range = (column: ColumnBuffer): [number[], number[]] | null => {
      const r = column.range();
      return r === null ? null : [[...r.min], [...r.max]];
    };
    expect(range(buffer('double', true, [3, null, -Infinity, 0]))).toEqual([float64(-Infinity), float64(3)]);
    expect(range(buffer('double', false, [0, -0]))).toEqual([float64(-0), float64(0)]);
    expect(range(buffer('double', false, [1, NaN]))).toBeNull();
    expect(range(buffer('double', true, [null]))).toBeNull();
    const ints = buffer('int64', false, [5, -(2n ** 63n), 7n]).range()!;
    expect(new DataView(ints.min.buffer).getBigInt64(0, true)).toBe(-(2n ** 63n));
    expect(new DataView(ints.max.buffer).getBigInt64(0, true)).toBe(7n);
    // UTF-8 byte order: U+FF5E (EF BD 9E) sorts below U+1F600 (F0 9F 98 80), though not in UTF-16 order.
    const strings = buffer('string', false, ['\u{ff5e}', '\u{1f600}', 'a']).range()!;
    expect(Buffer.from(strings.min).toString()).toBe('a');
    expect(Buffer.from(strings.max).toString()).toBe('\u{1f600}');
    const long = buffer('string', false, ['a'.repeat(100) + 'z', 'b'.repeat(100), 'a'.repeat(100), 'a'.repeat(100) + 'é']).range()!;
    expect([Buffer.from(long.min).toString(), Buffer.from(long.max).toString()]).toEqual(['a'.repeat(100), 'b'.repeat(100)]);
    const accented = buffer('string', false, ['ab', 'aé', 'a', 'az']).range()!;
    expect([Buffer.from(accented.min).toString(), Buffer.from(accented.max).toString()]).toEqual(['a', 'aé']);
    expect(buffer('string', false, ['a', 'x'.repeat(1025)]).range()).toBeNull();
    expect(range(buffer('boolean', true, [true, null, true]))).toEqual([[1], [1]]);
    expect(range(buffer('boolean', false, [true, false]))).toEqual([[0], [1]]);
  });

  it('starts over after reset, with statistics of the new values only', () => {
    const column = buffer('string', true, ['aa', null, 'zz']);
    const range = column.range()!;
    column.reset();
    expect(column.rows).toBe(0);
    expect(column.nullCount).toBe(0);
    expect(column.range()).toBeNull();
    column.push('mm');
    expect(allValues(column)).toEqual([2, 0, 0, 0, 0x6d, 0x6d]);
    expect(Buffer.from(column.range()!.min).toString()).toBe('mm');
    // The earlier range was copied out, so reusing the bytes under it did not change it.
    expect(Buffer.from(range.min).toString()).toBe('aa');
    expect(Buffer.from(range.max).toString()).toBe('zz');
    // Pages are plain Uint8Arrays, whose slice() copies (a Buffer's would not).
    const page = column.pageValues(column.pages()[0]!);
    expect(Buffer.isBuffer(page)).toBe(false);
    expect(page.slice().buffer).not.toBe(page.buffer);
  });

  it('grows past its first capacity', () => {
    const values = Array.from({ length: 5000 }, (_, i) => (i % 5 === 0 ? null : `value ${i}`));
    const column = buffer('string', true, values);
    const view = Buffer.from(allValues(column));
    const decoded: string[] = [];
    for (let at = 0; at < view.byteLength; ) {
      const length = view.readUInt32LE(at);
      decoded.push(view.toString('utf8', at + 4, at + 4 + length));
      at += 4 + length;
    }
    expect(decoded).toEqual(values.filter((v) => v !== null));
  });
});
