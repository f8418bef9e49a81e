// The Open Inference Protocol v2 datatypes and the typed-array representation each one uses in memory.

export const DATATYPES = [
  'BOOL', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'INT8', 'INT16', 'INT32', 'INT64', 'FP16', 'FP32', 'FP64', 'BYTES',
] as const;

export type DataType = (typeof DATATYPES)[number];

export type NumericArray =
  | Uint8Array | Uint16Array | Uint32Array | BigUint64Array
  | Int8Array | Int16Array | Int32Array | BigInt64Array
  | Float32Array | Float64Array;

/** BOOL is a Uint8Array of 0/1, FP16 a Uint16Array of IEEE half bits, BYTES a string array. */
export type TensorData = NumericArray | string[];

export function isDataType(value: unknown): value is DataType {
  return typeof value === 'string' && (DATATYPES as readonly string[]).includes(value);
}

/** Bytes one element takes on the wire in raw (binary) form; BYTES is variable and returns 0. */
export function elementSize(datatype: DataType): number {
  switch (datatype) {
    case 'BOOL': case 'UINT8': case 'INT8': return 1;
    case 'UINT16': case 'INT16': case 'FP16': return 2;
    case 'UINT32': case 'INT32': case 'FP32': return 4;
    case 'UINT64': case 'INT64': case 'FP64': return 8;
    case 'BYTES': return 0;
  }
}

export type NumericConstructor = {
  new (buffer: ArrayBufferLike, byteOffset: number, length: number): NumericArray;
  new (length: number): NumericArray;
};

/** The typed array that holds a fixed-size datatype (BYTES has none: it is a string array). */
export function arrayConstructor(datatype: Exclude<DataType, 'BYTES'>): NumericConstructor {
  switch (datatype) {
    case 'BOOL': case 'UINT8': return Uint8Array;
    case 'UINT16': case 'FP16': return Uint16Array;
    case 'UINT32': return Uint32Array;
    case 'UINT64': return BigUint64Array;
    case 'INT8': return Int8Array;
    case 'INT16': return Int16Array;
    case 'INT32': return Int32Array;
    case 'INT64': return BigInt64Array;
    case 'FP32': return Float32Array;
    case 'FP64': return Float64Array;
  }
}

/** Allocates the in-memory array for `count` elements of a datatype. */
export function allocate(datatype: DataType, count: number): TensorData {
  return datatype === 'BYTES' ? new Array<string>(count).fill('') : new (arrayConstructor(datatype))(count);
}

/** Inclusive integer range of an integer datatype, as numbers (64-bit ranges are bounded by JSON's safe integers). */
export function integerRange(datatype: DataType): [number, number] | undefined {
  switch (datatype) {
    case 'UINT8': return [0, 0xff];
    case 'UINT16': return [0, 0xffff];
    case 'UINT32': return [0, 0xffffffff];
    case 'UINT64': return [0, Number.MAX_SAFE_INTEGER];
    case 'INT8': return [-0x80, 0x7f];
    case 'INT16': return [-0x8000, 0x7fff];
    case 'INT32': return [-0x80000000, 0x7fffffff];
    case 'INT64': return [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER];
    default: return undefined;
  }
}
