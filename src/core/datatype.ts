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

/** Allocates the in-memory array for `count` elements of a datatype. */
export function allocate(datatype: DataType, count: number): TensorData {
  switch (datatype) {
    case 'BOOL': case 'UINT8': return new Uint8Array(count);
    case 'UINT16': case 'FP16': return new Uint16Array(count);
    case 'UINT32': return new Uint32Array(count);
    case 'UINT64': return new BigUint64Array(count);
    case 'INT8': return new Int8Array(count);
    case 'INT16': return new Int16Array(count);
    case 'INT32': return new Int32Array(count);
    case 'INT64': return new BigInt64Array(count);
    case 'FP32': return new Float32Array(count);
    case 'FP64': return new Float64Array(count);
    case 'BYTES': return new Array<string>(count).fill('');
  }
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
