// Raw tensor bytes for integration tests, written element by element with a DataView: a reference independent of
// the server's codec, so a test compares the server's bytes with the protocol's layout, not with itself.

import { toHalfBits } from '../src/core/fp16.js';

export type Value = number | boolean | string | bigint;

const SIZE: Record<string, number> = {
  BOOL: 1, UINT8: 1, INT8: 1, UINT16: 2, INT16: 2, FP16: 2, UINT32: 4, INT32: 4, FP32: 4, UINT64: 8, INT64: 8, FP64: 8,
};

/** Little-endian, row-major bytes of `values`; FP16 values are numbers rounded to half, BYTES a length-prefixed string each. */
export function toBytes(datatype: string, values: readonly Value[]): Buffer {
  if (datatype === 'BYTES') {
    return Buffer.concat(values.map((v) => {
      const text = Buffer.from(String(v), 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(text.length);
      return Buffer.concat([length, text]);
    }));
  }
  const size = SIZE[datatype];
  if (size === undefined) throw new Error(`unknown datatype ${datatype}`);
  const out = Buffer.alloc(values.length * size);
  values.forEach((v, i) => {
    const o = i * size;
    switch (datatype) {
      case 'BOOL': out.writeUInt8(v === true || v === 1 ? 1 : 0, o); break;
      case 'UINT8': out.writeUInt8(Number(v), o); break;
      case 'INT8': out.writeInt8(Number(v), o); break;
      case 'UINT16': out.writeUInt16LE(Number(v), o); break;
      case 'INT16': out.writeInt16LE(Number(v), o); break;
      case 'FP16': out.writeUInt16LE(toHalfBits(Number(v)), o); break;
      case 'UINT32': out.writeUInt32LE(Number(v), o); break;
      case 'INT32': out.writeInt32LE(Number(v), o); break;
      case 'FP32': out.writeFloatLE(Number(v), o); break;
      case 'FP64': out.writeDoubleLE(Number(v), o); break;
      case 'UINT64': out.writeBigUInt64LE(BigInt(v), o); break;
      case 'INT64': out.writeBigInt64LE(BigInt(v), o); break;
    }
  });
  return out;
}

/** The all_types fixture's inputs with values JSON carries exactly (the same set the JSON round-trip test uses). */
export const ALL_TYPES: { name: string; datatype: string; data: Value[] }[] = [
  { name: 'bool_in', datatype: 'BOOL', data: [true, false, true, true] },
  { name: 'int8_in', datatype: 'INT8', data: [-128, -1, 0, 127] },
  { name: 'int16_in', datatype: 'INT16', data: [-32768, -1, 0, 32767] },
  { name: 'int32_in', datatype: 'INT32', data: [-2147483648, -1, 0, 2147483647] },
  { name: 'int64_in', datatype: 'INT64', data: [-9007199254740991, -1, 0, 9007199254740991] },
  { name: 'uint8_in', datatype: 'UINT8', data: [0, 1, 128, 255] },
  { name: 'uint16_in', datatype: 'UINT16', data: [0, 1, 32768, 65535] },
  { name: 'uint32_in', datatype: 'UINT32', data: [0, 1, 2147483648, 4294967295] },
  { name: 'uint64_in', datatype: 'UINT64', data: [0, 1, 4294967296, 9007199254740991] },
  { name: 'float16_in', datatype: 'FP16', data: [0.5, -2, 65504, 0.000060975551605224609375] },
  { name: 'float_in', datatype: 'FP32', data: [0.1, -3.5, 3.4028234663852886e38, 1e-45] },
  { name: 'double_in', datatype: 'FP64', data: [0.1, -3.5, 1.7976931348623157e308, 5e-324] },
  { name: 'string_in', datatype: 'BYTES', data: ['', 'hello', 'ünïcode ✓', 'a,b"c'] },
];

export const outputName = (inputName: string): string => inputName.replace(/_in$/, '_out');
