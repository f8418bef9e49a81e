// Thrift Compact Protocol encoder: just the parts Parquet's page headers and footer need (structs, lists, i32, i64, binary).

/** Compact-protocol type nibbles (thrift/doc/specs/thrift-compact-protocol.md). */
export const ThriftType = {
  I32: 5,
  I64: 6,
  BINARY: 8,
  LIST: 9,
  STRUCT: 12,
} as const;

/** Element types a list may hold here. */
export type ThriftListElementType = typeof ThriftType.I32 | typeof ThriftType.I64 | typeof ThriftType.BINARY | typeof ThriftType.STRUCT;

const STOP = 0;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
// Above this magnitude, 2n+1 is no longer exact in a double, so zigzag goes through bigint.
const EXACT_ZIGZAG_LIMIT = 2 ** 52;
const utf8 = new TextEncoder();

/**
 * Writes one top-level struct, field by field, in the order called. Nested structs (`structField`, or `struct` as a
 * list element) are closed with `endStruct`; `finish` closes the top-level struct and returns its bytes.
 * Field ids may come in any order: the short header form is used when the id is 1..15 above the previous one.
 */
export class ThriftCompactWriter {
  private bytes = new Uint8Array(256);
  private length = 0;
  private lastFieldId = 0;
  // Field ids of the enclosing structs: each struct counts its field-id deltas from its own start.
  private readonly enclosing: number[] = [];

  i32Field(id: number, value: number): this {
    this.fieldHeader(id, ThriftType.I32);
    return this.i32(value);
  }

  i64Field(id: number, value: number | bigint): this {
    this.fieldHeader(id, ThriftType.I64);
    return this.i64(value);
  }

  binaryField(id: number, value: Uint8Array): this {
    this.fieldHeader(id, ThriftType.BINARY);
    return this.binary(value);
  }

  stringField(id: number, value: string): this {
    return this.binaryField(id, utf8.encode(value));
  }

  /** Begins a struct-valued field; close it with `endStruct`. */
  structField(id: number): this {
    this.fieldHeader(id, ThriftType.STRUCT);
    return this.struct();
  }

  /** Begins a list-valued field; then write exactly `size` elements of `elementType` (for structs: `struct()` … `endStruct()`). */
  listField(id: number, elementType: ThriftListElementType, size: number): this {
    this.fieldHeader(id, ThriftType.LIST);
    if (!Number.isInteger(size) || size < 0) throw new RangeError(`thrift list size must be a non-negative integer, got ${size}`);
    if (size < 15) {
      this.byte((size << 4) | elementType);
    } else {
      this.byte(0xf0 | elementType);
      this.varint(size);
    }
    return this;
  }

  /** Begins a struct as a list element; close it with `endStruct`. */
  struct(): this {
    this.enclosing.push(this.lastFieldId);
    this.lastFieldId = 0;
    return this;
  }

  endStruct(): this {
    const outer = this.enclosing.pop();
    if (outer === undefined) throw new Error('thrift endStruct without an open nested struct');
    this.byte(STOP);
    this.lastFieldId = outer;
    return this;
  }

  /** A bare i32 (a list element). */
  i32(value: number): this {
    if (!Number.isInteger(value) || value < INT32_MIN || value > INT32_MAX) throw new RangeError(`thrift i32 out of range: ${value}`);
    this.varint(((value << 1) ^ (value >> 31)) >>> 0);
    return this;
  }

  /** A bare i64 (a list element). */
  i64(value: number | bigint): this {
    if (typeof value === 'number') {
      if (!Number.isInteger(value)) throw new RangeError(`thrift i64 must be an integer, got ${value}`);
      if (Math.abs(value) < EXACT_ZIGZAG_LIMIT) {
        this.varint(value >= 0 ? value * 2 : -value * 2 - 1);
        return this;
      }
      value = BigInt(value);
    }
    if (value < INT64_MIN || value > INT64_MAX) throw new RangeError(`thrift i64 out of range: ${value}`);
    let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
    while (zigzag >= 0x80n) {
      this.byte(Number(zigzag & 0x7fn) | 0x80);
      zigzag >>= 7n;
    }
    this.byte(Number(zigzag));
    return this;
  }

  /** A bare binary (a list element): varint length, then the bytes. */
  binary(value: Uint8Array): this {
    this.varint(value.byteLength);
    this.reserve(value.byteLength);
    this.bytes.set(value, this.length);
    this.length += value.byteLength;
    return this;
  }

  /** A bare string (a list element), as UTF-8 binary. */
  string(value: string): this {
    return this.binary(utf8.encode(value));
  }

  /** Closes the top-level struct and returns its encoding (a copy the caller owns). */
  finish(): Uint8Array {
    if (this.enclosing.length > 0) throw new Error(`thrift finish with ${this.enclosing.length} nested struct(s) still open`);
    this.byte(STOP);
    return this.bytes.slice(0, this.length);
  }

  private fieldHeader(id: number, type: number): void {
    if (!Number.isInteger(id) || id < 1 || id > 32767) throw new RangeError(`thrift field id must be 1..32767, got ${id}`);
    const delta = id - this.lastFieldId;
    if (delta > 0 && delta <= 15) {
      this.byte((delta << 4) | type);
    } else {
      // Long form: the type alone, then the field id as a zigzag i16.
      this.byte(type);
      this.varint(((id << 1) ^ (id >> 15)) & 0xffff);
    }
    this.lastFieldId = id;
  }

  /** Unsigned LEB128 of a non-negative integer below 2^53 (arithmetic, not bit operators, past 32 bits). */
  private varint(value: number): void {
    while (value >= 0x80) {
      this.byte((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.byte(value);
  }

  private byte(value: number): void {
    this.reserve(1);
    this.bytes[this.length++] = value;
  }

  private reserve(extra: number): void {
    const needed = this.length + extra;
    if (needed <= this.bytes.byteLength) return;
    let capacity = this.bytes.byteLength * 2;
    while (capacity < needed) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }
}
