import { describe, expect, it } from 'vitest';
import { readVarint, varintLength, wireFields, writeVarint, WIRE_BYTES, WIRE_FIXED32, WIRE_FIXED64, WIRE_VARINT } from './protobuf-wire.js';

describe('protobuf wire format', () => {
  it('writes and reads varints up to 2^53 - 1, in as many bytes as varintLength says', () => {
    for (const v of [0, 1, 127, 128, 300, 16383, 16384, 2 ** 31 - 1, 2 ** 32, 2 ** 35 + 7, Number.MAX_SAFE_INTEGER]) {
      const out = new Uint8Array(12);
      const end = writeVarint(out, 1, v);
      expect(end - 1, String(v)).toBe(varintLength(v));
      expect(readVarint(out, 1)).toEqual({ value: v, next: end });
    }
    expect(readVarint(Uint8Array.from([0x80, 0x80]), 0)).toBeUndefined(); // runs off the end
    expect(readVarint(new Uint8Array(11).fill(0x80), 0)).toBeUndefined(); // longer than 10 bytes
  });

  it('lists each field with where its key, its value and its end lie', () => {
    // field 1 varint 150; field 2 "hi"; field 3 fixed64; field 4 fixed32
    const bytes = Uint8Array.from([0x08, 0x96, 0x01, 0x12, 0x02, 0x68, 0x69, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4]);
    expect(wireFields(bytes)).toEqual([
      { field: 1, wire: WIRE_VARINT, start: 0, valueStart: 1, end: 3 },
      { field: 2, wire: WIRE_BYTES, start: 3, valueStart: 5, end: 7 },
      { field: 3, wire: WIRE_FIXED64, start: 7, valueStart: 8, end: 16 },
      { field: 4, wire: WIRE_FIXED32, start: 16, valueStart: 17, end: 21 },
    ]);
    expect(wireFields(bytes, 3, 7)).toEqual([{ field: 2, wire: WIRE_BYTES, start: 3, valueStart: 5, end: 7 }]);
  });

  it('gives up on bytes that are not a well-formed run of fields', () => {
    const bad = [
      [0x12, 0x05, 0x68], // a length past the end
      [0x08], // a key with no value
      [0x08, 0x80], // a truncated varint value
      [0x1b, 0x00], // a group (wire type 3)
      [0x00, 0x01], // field number 0
      [0x25, 1, 2], // a truncated fixed32
    ];
    for (const b of bad) expect(wireFields(Uint8Array.from(b)), JSON.stringify(b)).toBeUndefined();
    // A field that fits the whole message but not the part asked about.
    expect(wireFields(Uint8Array.from([0x12, 0x02, 0x68, 0x69]), 0, 3)).toBeUndefined();
  });
});
