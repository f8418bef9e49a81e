// One column of the row group being buffered by the Parquet writer: its PLAIN-encoded values, definition levels, statistics and page split.

import type { ParquetColumn, ParquetValue } from './parquet-writer.js';

/** Target size of a data page's values; readers are happiest with pages of about 1 MiB. */
const PAGE_VALUE_BYTES = 1 << 20;
/** Longer string minima/maxima are left out of the statistics rather than bloating the footer. */
const MAX_STRING_STATISTIC_BYTES = 1024;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const TWO_32 = 2 ** 32;
// Strings up to this many code units are encoded and compared in JavaScript: a call into Buffer costs more than that.
const SHORT_STRING = 64;

/** Rows `[rowStart, rowEnd)` of one data page, whose values are units `[unitStart, unitEnd)` of the value buffer. */
export interface PageRange {
  rowStart: number;
  rowEnd: number;
  /** Bytes for most types, bits for booleans. */
  unitStart: number;
  unitEnd: number;
}

/** PLAIN-encoded minimum and maximum (byte arrays without their length prefix), as Statistics.min_value/max_value. */
export interface ColumnRange {
  min: Uint8Array;
  max: Uint8Array;
}

/** A growable byte buffer with a little-endian view over it, reused from one row group to the next. */
class ByteBuffer {
  bytes: Buffer;
  data: DataView;
  length = 0;

  constructor(capacity: number) {
    this.bytes = Buffer.allocUnsafeSlow(Math.max(capacity, 64));
    this.data = new DataView(this.bytes.buffer, this.bytes.byteOffset, this.bytes.byteLength);
  }

  reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.byteLength) return;
    let capacity = this.bytes.byteLength * 2;
    while (capacity < needed) capacity *= 2;
    const grown = Buffer.allocUnsafeSlow(capacity);
    this.bytes.copy(grown, 0, 0, this.length);
    this.bytes = grown;
    this.data = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  /**
   * Bytes `[start, end)` as a plain Uint8Array, not a Buffer: on a Buffer `slice()` is another view, and a sink that
   * keeps chunks is told to copy them with `slice()`.
   */
  region(start: number, end: number): Uint8Array {
    return new Uint8Array(this.bytes.buffer, this.bytes.byteOffset + start, end - start);
  }
}

/**
 * Buffers one column of a row group. `accepts` is checked for a whole row before any `push`, so a bad row changes
 * nothing. After the row group is written, `reset` empties it for the next one, keeping the memory it grew to: a
 * steady stream of row groups then allocates nothing, and garbage the collector would be slow to notice (large
 * array buffers) never piles up.
 */
export abstract class ColumnBuffer {
  rows = 0;
  nullCount = 0;
  /** One byte per row, 1 = value present, 0 = null; only for nullable columns. */
  levels: Uint8Array | null;
  protected readonly values: ByteBuffer;
  /** A human description of what a value of this column must be, for error messages. */
  abstract readonly expected: string;

  constructor(
    readonly column: ParquetColumn,
    rowCapacity: number,
    valueCapacity: number,
    /** Most value units in a page: bytes, or bits for booleans. */
    private readonly pageUnits: number,
  ) {
    this.levels = column.nullable ? new Uint8Array(Math.max(rowCapacity, 64)) : null;
    this.values = new ByteBuffer(valueCapacity);
  }

  /** Whether `value` (not null) is a valid value of this column. */
  abstract accepts(value: unknown): boolean;
  /** Appends one non-null value already checked by `accepts`. */
  protected abstract pushValue(value: ParquetValue): void;
  /** Size in units of the value that starts at `unit`. */
  protected abstract sizeAt(unit: number): number;
  /** Statistics range of the values pushed, or null when there is none (no values, all NaN, too long). */
  abstract range(): ColumnRange | null;
  /** Forgets what this type tracks about the values pushed: statistics, and for booleans the bit position. */
  protected abstract resetValueState(): void;

  push(value: ParquetValue): void {
    let levels = this.levels;
    if (levels !== null) {
      if (this.rows === levels.length) levels = this.levels = growLevels(levels);
      levels[this.rows] = value === null ? 0 : 1;
    }
    this.rows++;
    if (value === null) this.nullCount++;
    else this.pushValue(value);
  }

  /** Splits the buffered rows into pages whose values stay within the page size (a page holds at least one row). */
  pages(): PageRange[] {
    const pages: PageRange[] = [];
    const levels = this.levels;
    let rowStart = 0;
    let unitStart = 0;
    let unit = 0;
    for (let row = 0; row < this.rows; row++) {
      const size = levels === null || levels[row] === 1 ? this.sizeAt(unit) : 0;
      if (row > rowStart && unit - unitStart + size > this.pageUnits) {
        pages.push({ rowStart, rowEnd: row, unitStart, unitEnd: unit });
        rowStart = row;
        unitStart = unit;
      }
      unit += size;
    }
    if (this.rows > rowStart) pages.push({ rowStart, rowEnd: this.rows, unitStart, unitEnd: unit });
    return pages;
  }

  /** The PLAIN encoding of one page's values: a view of the buffer, valid until `reset`. */
  pageValues(page: PageRange): Uint8Array {
    return this.values.region(page.unitStart, page.unitEnd);
  }

  /** Empties the buffer for the next row group; views from `pageValues` are overwritten from then on. */
  reset(): void {
    this.rows = 0;
    this.nullCount = 0;
    this.values.length = 0;
    this.resetValueState();
  }
}

function growLevels(levels: Uint8Array): Uint8Array {
  const grown = new Uint8Array(levels.length * 2);
  grown.set(levels);
  return grown;
}

export class DoubleColumnBuffer extends ColumnBuffer {
  readonly expected = 'a number';
  private min = Number.POSITIVE_INFINITY;
  private max = Number.NEGATIVE_INFINITY;
  // Readers disagree on where NaN sorts (DuckDB puts it above +Infinity and prunes row groups by min/max), so a chunk
  // holding a NaN gets no min/max at all rather than a range some reader would trust wrongly.
  private sawNaN = false;

  accepts(value: unknown): boolean {
    return typeof value === 'number';
  }

  protected pushValue(value: ParquetValue): void {
    const v = value as number;
    const values = this.values;
    values.reserve(8);
    values.data.setFloat64(values.length, v, true);
    values.length += 8;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
    if (v !== v) this.sawNaN = true;
  }

  protected sizeAt(): number {
    return 8;
  }

  range(): ColumnRange | null {
    if (this.sawNaN || this.rows === this.nullCount) return null;
    // Spec: a zero minimum is written as -0 and a zero maximum as +0, so readers comparing signed zeros keep both.
    return { min: float64Bytes(this.min === 0 ? -0 : this.min), max: float64Bytes(this.max === 0 ? 0 : this.max) };
  }

  protected resetValueState(): void {
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
    this.sawNaN = false;
  }
}

export class Int64ColumnBuffer extends ColumnBuffer {
  readonly expected = 'an integer: a bigint, or a number within ±(2^53 - 1) (pass a bigint beyond that)';
  // number and bigint compare exactly with each other, so values of either kind are tracked without conversion.
  private min: number | bigint = Number.POSITIVE_INFINITY;
  private max: number | bigint = Number.NEGATIVE_INFINITY;

  accepts(value: unknown): boolean {
    if (typeof value === 'number') return Number.isSafeInteger(value);
    return typeof value === 'bigint' && value >= INT64_MIN && value <= INT64_MAX;
  }

  protected pushValue(value: ParquetValue): void {
    const v = value as number | bigint;
    const values = this.values;
    values.reserve(8);
    if (typeof v === 'number') {
      // Two 32-bit halves, exact for safe integers, and no bigint allocated per value.
      const high = Math.floor(v / TWO_32);
      values.data.setUint32(values.length, v - high * TWO_32, true);
      values.data.setInt32(values.length + 4, high, true);
    } else {
      values.data.setBigInt64(values.length, v, true);
    }
    values.length += 8;
    if (v < this.min) this.min = v;
    if (v > this.max) this.max = v;
  }

  protected sizeAt(): number {
    return 8;
  }

  range(): ColumnRange | null {
    if (this.rows === this.nullCount) return null;
    return { min: int64Bytes(BigInt(this.min)), max: int64Bytes(BigInt(this.max)) };
  }

  protected resetValueState(): void {
    this.min = Number.POSITIVE_INFINITY;
    this.max = Number.NEGATIVE_INFINITY;
  }
}

export class StringColumnBuffer extends ColumnBuffer {
  readonly expected = 'a string';
  // Statistics compare UTF-8 bytes (unsigned), which is not JavaScript's UTF-16 order, so they point into the buffer.
  private minStart = -1;
  private minEnd = -1;
  private maxStart = -1;
  private maxEnd = -1;

  accepts(value: unknown): boolean {
    return typeof value === 'string';
  }

  protected pushValue(value: ParquetValue): void {
    const s = value as string;
    const values = this.values;
    // UTF-8 needs at most 3 bytes per UTF-16 code unit; PLAIN puts a 4-byte length before the bytes.
    values.reserve(4 + s.length * 3);
    const start = values.length + 4;
    const written = s.length <= SHORT_STRING ? writeShort(values.bytes, s, start) : values.bytes.write(s, start, 'utf8');
    values.data.setUint32(values.length, written, true);
    const end = start + written;
    values.length = end;
    if (this.minStart < 0) {
      this.minStart = this.maxStart = start;
      this.minEnd = this.maxEnd = end;
      return;
    }
    const bytes = values.bytes;
    if (compareBytes(bytes, start, end, this.minStart, this.minEnd) < 0) {
      this.minStart = start;
      this.minEnd = end;
    } else if (compareBytes(bytes, start, end, this.maxStart, this.maxEnd) > 0) {
      this.maxStart = start;
      this.maxEnd = end;
    }
  }

  protected sizeAt(unit: number): number {
    return 4 + this.values.data.getUint32(unit, true);
  }

  range(): ColumnRange | null {
    if (this.minStart < 0) return null;
    if (this.minEnd - this.minStart > MAX_STRING_STATISTIC_BYTES || this.maxEnd - this.maxStart > MAX_STRING_STATISTIC_BYTES) return null;
    // Copies (Uint8Array slice, not Buffer slice): the footer is written after the buffer has been reused.
    return { min: this.values.region(this.minStart, this.minEnd).slice(), max: this.values.region(this.maxStart, this.maxEnd).slice() };
  }

  protected resetValueState(): void {
    this.minStart = this.minEnd = this.maxStart = this.maxEnd = -1;
  }
}

export class BooleanColumnBuffer extends ColumnBuffer {
  readonly expected = 'a boolean';
  // PLAIN booleans are bit-packed, least significant bit first; the buffer is filled bit by bit.
  private bits = 0;
  private seenTrue = false;
  private seenFalse = false;

  accepts(value: unknown): boolean {
    return typeof value === 'boolean';
  }

  protected pushValue(value: ParquetValue): void {
    const values = this.values;
    const bit = this.bits & 7;
    if (bit === 0) {
      values.reserve(1);
      values.bytes[values.length++] = 0;
    }
    if (value === true) {
      values.bytes[values.length - 1]! |= 1 << bit;
      this.seenTrue = true;
    } else {
      this.seenFalse = true;
    }
    this.bits++;
  }

  protected sizeAt(): number {
    return 1;
  }

  // Every full page holds exactly pageBytes * 8 values, so a page always starts on a byte boundary of the buffer.
  override pageValues(page: PageRange): Uint8Array {
    return this.values.region(page.unitStart >>> 3, Math.ceil(page.unitEnd / 8));
  }

  range(): ColumnRange | null {
    if (!this.seenTrue && !this.seenFalse) return null;
    return { min: Uint8Array.of(this.seenFalse ? 0 : 1), max: Uint8Array.of(this.seenTrue ? 1 : 0) };
  }

  protected resetValueState(): void {
    this.bits = 0;
    this.seenTrue = this.seenFalse = false;
  }
}

/** An empty buffer for `column`, with room for `rowCapacity` rows before it first grows, cutting pages at `pageBytes` of values. */
export function columnBufferFor(column: ParquetColumn, rowCapacity: number, pageBytes = PAGE_VALUE_BYTES): ColumnBuffer {
  switch (column.type) {
    case 'double':
      return new DoubleColumnBuffer(column, rowCapacity, rowCapacity * 8, pageBytes);
    case 'int64':
      return new Int64ColumnBuffer(column, rowCapacity, rowCapacity * 8, pageBytes);
    case 'string':
      return new StringColumnBuffer(column, rowCapacity, rowCapacity * 16, pageBytes);
    case 'boolean':
      return new BooleanColumnBuffer(column, rowCapacity, Math.ceil(rowCapacity / 8), pageBytes * 8);
  }
}

function float64Bytes(value: number): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setFloat64(0, value, true);
  return bytes;
}

function int64Bytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigInt64(0, value, true);
  return bytes;
}

/** Writes `s` at `at` if it is all ASCII, else hands it to Buffer.write; returns the bytes written. */
function writeShort(bytes: Buffer, s: string, at: number): number {
  const length = s.length;
  for (let i = 0; i < length; i++) {
    const code = s.charCodeAt(i);
    if (code >= 0x80) return bytes.write(s, at, 'utf8');
    bytes[at + i] = code;
  }
  return length;
}

/** Unsigned byte order of `bytes[a, aEnd)` against `bytes[b, bEnd)`: negative, zero or positive. */
function compareBytes(bytes: Buffer, a: number, aEnd: number, b: number, bEnd: number): number {
  const length = Math.min(aEnd - a, bEnd - b);
  if (length > SHORT_STRING) return bytes.compare(bytes, b, bEnd, a, aEnd);
  for (let i = 0; i < length; i++) {
    const diff = bytes[a + i]! - bytes[b + i]!;
    if (diff !== 0) return diff;
  }
  return aEnd - a - (bEnd - b);
}
