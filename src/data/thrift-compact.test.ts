// Byte-exact checks of the Thrift compact encoder against the protocol spec, plus one decode by hyparquet's reader.

import { deserializeTCompactProtocol } from 'hyparquet/src/thrift.js';
import { describe, expect, it } from 'vitest';
import { ThriftCompactWriter, ThriftType } from './thrift-compact.js';

const bytes = (w: ThriftCompactWriter): number[] => [...w.finish()];

describe('ThriftCompactWriter', () => {
  it('writes short field headers (delta 1..15) with zigzag varint i32s', () => {
    expect(bytes(new ThriftCompactWriter().i32Field(1, 0))).toEqual([0x15, 0x00, 0x00]);
    expect(bytes(new ThriftCompactWriter().i32Field(1, -1).i32Field(3, 64))).toEqual([0x15, 0x01, 0x25, 0x80, 0x01, 0x00]);
    expect(bytes(new ThriftCompactWriter().i32Field(1, 2 ** 31 - 1))).toEqual([0x15, 0xfe, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    expect(bytes(new ThriftCompactWriter().i32Field(1, -(2 ** 31)))).toEqual([0x15, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
  });

  it('writes the long header form when the id jumps more than 15 or goes back', () => {
    // Type byte alone, then the id as a zigzag varint (20 -> 40, 3 -> 6).
    expect(bytes(new ThriftCompactWriter().i32Field(20, 1).i32Field(3, 1))).toEqual([0x05, 0x28, 0x02, 0x05, 0x06, 0x02, 0x00]);
  });

  it('writes i64 from numbers and bigints, up to both ends of the range', () => {
    expect(bytes(new ThriftCompactWriter().i64Field(1, 300))).toEqual([0x16, 0xd8, 0x04, 0x00]);
    expect(bytes(new ThriftCompactWriter().i64Field(1, 2n ** 63n - 1n))).toEqual([
      0x16, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00,
    ]);
    expect(bytes(new ThriftCompactWriter().i64Field(1, -(2n ** 63n)))).toEqual([
      0x16, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, 0x00,
    ]);
    // Past 2^52 a number takes the bigint path; it must encode exactly like the bigint.
    expect(bytes(new ThriftCompactWriter().i64Field(1, 2 ** 53 + 2))).toEqual(bytes(new ThriftCompactWriter().i64Field(1, 2n ** 53n + 2n)));
    expect(bytes(new ThriftCompactWriter().i64Field(1, -(2 ** 53)))).toEqual(bytes(new ThriftCompactWriter().i64Field(1, -(2n ** 53n))));
  });

  it('writes strings as length-prefixed UTF-8', () => {
    expect(bytes(new ThriftCompactWriter().stringField(1, 'hé'))).toEqual([0x18, 0x03, 0x68, 0xc3, 0xa9, 0x00]);
  });

  it('writes list headers in the short form below 15 elements and the long form from 15', () => {
    const short = new ThriftCompactWriter().listField(1, ThriftType.I32, 3).i32(1).i32(2).i32(3);
    expect(bytes(short)).toEqual([0x19, 0x35, 0x02, 0x04, 0x06, 0x00]);
    const long = new ThriftCompactWriter().listField(1, ThriftType.I32, 15);
    for (let i = 0; i < 15; i++) long.i32(0);
    expect(bytes(long)).toEqual([0x19, 0xf5, 0x0f, ...new Array<number>(15).fill(0), 0x00]);
  });

  it('restores the enclosing field id after a nested struct', () => {
    const w = new ThriftCompactWriter().structField(1).i32Field(1, 5).endStruct().i32Field(2, 7);
    expect(bytes(w)).toEqual([0x1c, 0x15, 0x0a, 0x00, 0x15, 0x0e, 0x00]);
  });

  it('refuses unbalanced structs and out-of-range values', () => {
    expect(() => new ThriftCompactWriter().endStruct()).toThrow(/without an open nested struct/);
    expect(() => new ThriftCompactWriter().structField(1).finish()).toThrow(/still open/);
    expect(() => new ThriftCompactWriter().i32Field(1, 2 ** 31)).toThrow(RangeError);
    expect(() => new ThriftCompactWriter().i64Field(1, 2n ** 63n)).toThrow(RangeError);
    expect(() => new ThriftCompactWriter().i32Field(0, 1)).toThrow(RangeError);
  });

  it('is read back field for field by an independent decoder (hyparquet)', () => {
    const w = new ThriftCompactWriter()
      .i32Field(1, -7)
      .listField(2, ThriftType.STRUCT, 2)
      .struct()
      .stringField(4, 'schema')
      .endStruct()
      .struct()
      .i32Field(1, 6)
      .i32Field(2, 0)
      .endStruct()
      .i64Field(3, 2n ** 40n)
      .listField(4, ThriftType.BINARY, 1)
      .string('日本')
      .structField(30)
      .structField(1)
      .endStruct()
      .endStruct()
      .i64Field(31, -1);
    const encoded = w.finish();
    const decoded = deserializeTCompactProtocol({ view: new DataView(encoded.buffer), offset: 0 });
    expect(decoded.field_1).toBe(-7);
    expect(decoded.field_2).toHaveLength(2);
    expect(new TextDecoder().decode(decoded.field_2[0].field_4)).toBe('schema');
    expect(decoded.field_2[1]).toEqual({ field_1: 6, field_2: 0 });
    expect(decoded.field_3).toBe(2n ** 40n);
    expect(new TextDecoder().decode(decoded.field_4[0])).toBe('日本');
    expect(decoded.field_30).toEqual({ field_1: {} });
    expect(decoded.field_31).toBe(-1n);
  });
});
