// Raw tensor bytes <-> Tensor: the binary layout shared by the HTTP binary extension and gRPC raw contents.
//
// Layout (Triton's): elements row-major, little-endian, fixed size per datatype; BOOL one byte; FP16 the IEEE half
// bits; BYTES each element a 4-byte little-endian length followed by that many bytes. Numeric typed arrays use the
// host's byte order, so the zero-copy views below are only right on a little-endian host (x86-64, arm64: every
// platform onnxruntime-node ships for). A big-endian host fails loudly instead of answering wrong numbers.

import type { DataType } from '../core/datatype.js';
import { arrayConstructor, elementSize } from '../core/datatype.js';
import { InternalError, InvalidInputError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { formatShape, shapeSize } from '../core/tensor.js';
import { BINARY_ELEMENT_PREFIX, bytesElement, elementBytes } from './bytes-element.js';

/** A BYTES element on the wire: its 4-byte little-endian length, then its bytes. */
function lengthPrefixed(bytes: Buffer): Buffer[] {
  const length = Buffer.allocUnsafe(4);
  length.writeUInt32LE(bytes.length, 0);
  return [length, bytes];
}

const LITTLE_ENDIAN = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

function checkHost(): void {
  if (!LITTLE_ENDIAN) throw new InternalError('raw tensor data is little-endian and this host is big-endian: binary tensors are not supported here');
}

/** A BOOL byte other than 0 or 1 means true; onnxruntime would pass the raw byte through, so normalise it here. */
function normaliseBool(bytes: Uint8Array): Uint8Array {
  let i = 0;
  while (i < bytes.length && bytes[i]! <= 1) i++;
  if (i === bytes.length) return bytes;
  const out = Uint8Array.from(bytes);
  for (; i < out.length; i++) if (out[i]! > 1) out[i] = 1;
  return out;
}

function decodeBytesElements(where: string, shape: readonly number[], bytes: Uint8Array): string[] {
  const expected = shapeSize(shape);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: string[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const n = out.length;
    if (n >= expected) {
      throw new InvalidInputError(
        `${where}: shape ${formatShape(shape)} of BYTES holds ${expected} elements, but the raw data goes on for ${bytes.length - offset} more bytes`,
      );
    }
    if (offset + 4 > bytes.length) {
      throw new InvalidInputError(
        `${where}: BYTES element ${n} needs a 4-byte length prefix, but only ${bytes.length - offset} bytes remain`,
      );
    }
    const length = view.getUint32(offset, true);
    offset += 4;
    if (offset + length > bytes.length) {
      throw new InvalidInputError(
        `${where}: BYTES element ${n} declares ${length} bytes, but only ${bytes.length - offset} remain`,
      );
    }
    out.push(bytesElement(bytes.subarray(offset, offset + length)));
    offset += length;
  }
  if (out.length !== expected) {
    throw new InvalidInputError(`${where}: shape ${formatShape(shape)} of BYTES holds ${expected} elements, but the raw data has ${out.length}`);
  }
  return out;
}

/**
 * Decodes one tensor's raw bytes. Numeric data is a typed-array view on `bytes` when its offset is aligned for the
 * element size (no copy), else a copy; the view shares memory, so the caller must not reuse `bytes` afterwards.
 * `where` names the tensor in messages (default: `input "<name>"`).
 */
export function rawToTensor(name: string, datatype: DataType, shape: number[], bytes: Uint8Array, where = `input "${name}"`): Tensor {
  if (datatype === 'BYTES') return { name, datatype, shape, data: decodeBytesElements(where, shape, bytes) };
  checkHost();
  const size = elementSize(datatype);
  const count = shapeSize(shape);
  if (bytes.length !== count * size) {
    throw new InvalidInputError(`${where}: shape ${formatShape(shape)} of ${datatype} needs ${count * size} bytes, got ${bytes.length}`);
  }
  if (datatype === 'BOOL') return { name, datatype, shape, data: normaliseBool(bytes) };
  const Type = arrayConstructor(datatype);
  if (bytes.byteOffset % size === 0) return { name, datatype, shape, data: new Type(bytes.buffer, bytes.byteOffset, count) };
  // Unaligned (e.g. after an odd-length JSON header): copy into a fresh, aligned buffer.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  return { name, datatype, shape, data: new Type(copy.buffer, 0, count) };
}

/** Raw bytes of a tensor: a view on its data where the layout already matches (no copy), else a new buffer. */
export function tensorToRaw(tensor: Tensor): Uint8Array {
  const data = tensor.data;
  if (tensor.datatype === 'BYTES') {
    if (!Array.isArray(data)) throw new InternalError(`tensor "${tensor.name}": BYTES data must be strings`);
    // Binary elements (bytesElement's data URLs) go back out as the bytes they stand for: an echo answers what came in.
    if (data.some((s) => s.startsWith(BINARY_ELEMENT_PREFIX))) return Buffer.concat(data.flatMap((s) => lengthPrefixed(elementBytes(s))));
    let total = 0;
    for (const s of data) total += 4 + Buffer.byteLength(s, 'utf8');
    const out = Buffer.allocUnsafe(total);
    let offset = 0;
    for (const s of data) {
      const length = out.write(s, offset + 4, 'utf8');
      out.writeUInt32LE(length, offset);
      offset += 4 + length;
    }
    return out;
  }
  if (Array.isArray(data)) throw new InternalError(`tensor "${tensor.name}": ${tensor.datatype} data must be a typed array`);
  checkHost();
  if (data.BYTES_PER_ELEMENT !== elementSize(tensor.datatype)) {
    throw new InternalError(`tensor "${tensor.name}": ${tensor.datatype} data is held in an array of ${data.BYTES_PER_ELEMENT}-byte elements`);
  }
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return tensor.datatype === 'BOOL' ? normaliseBool(bytes) : bytes;
}
