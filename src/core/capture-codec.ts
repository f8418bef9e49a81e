// The compact binary form of a captured request's tensors: raw element bytes with a small header, cheap to write on the
// serving path (one copy) and exact to read back (every datatype, FP16 bits and 64-bit integers included).

import type { DataType, NumericArray } from './datatype.js';
import { arrayConstructor, DATATYPES, elementSize } from './datatype.js';
import { InvalidInputError } from './errors.js';
import type { Tensor } from './tensor.js';
import { shapeSize } from './tensor.js';

const MAGIC = 0x53; // 'S': a format byte, so a later layout can be told apart
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Tensor names repeat on every request of a model: their UTF-8 bytes are encoded once (a bounded cache). */
const nameBytes = new Map<string, Uint8Array>();
const MAX_CACHED_NAMES = 4096;

function encodedName(name: string): Uint8Array {
  let bytes = nameBytes.get(name);
  if (!bytes) {
    bytes = encoder.encode(name);
    if (nameBytes.size >= MAX_CACHED_NAMES) nameBytes.clear();
    nameBytes.set(name, bytes);
  }
  return bytes;
}

/**
 * Bytes of a string's UTF-8, as TextEncoder writes it (a lone surrogate becomes U+FFFD, 3 bytes), without encoding it.
 * Pure (no Buffer): the dashboard's type-check reaches this file.
 */
export function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Bytes the encoded form of `tensors` takes (for the payload limit, before any copy is made). */
export function encodedSize(tensors: readonly Tensor[]): number {
  let size = 2;
  for (const t of tensors) {
    size += 2 + encodedName(t.name).length + 2 + 4 * t.shape.length + 4;
    if (Array.isArray(t.data)) for (const s of t.data) size += 4 + utf8Length(s);
    else size += t.data.byteLength;
  }
  return size;
}

/** Little-endian unsigned writes straight into the bytes: a DataView per record cost more than the writes. */
function u16(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
}

function u32(out: Uint8Array, at: number, v: number): void {
  out[at] = v & 0xff;
  out[at + 1] = (v >>> 8) & 0xff;
  out[at + 2] = (v >>> 16) & 0xff;
  out[at + 3] = (v >>> 24) & 0xff;
}

const DATATYPE_INDEX = new Map(DATATYPES.map((d, i) => [d, i]));

/**
 * Typed arrays of up to this many bytes live inside V8's heap, where reading `.buffer` first moves them out (~1 µs
 * each, measured): their bytes are copied through a scratch view of their own type instead.
 */
const SMALL_BYTES = 64;
const scratch = new ArrayBuffer(SMALL_BYTES);
const scratchBytes = new Uint8Array(scratch);
const scratchViews = new Map<Exclude<DataType, 'BYTES'>, NumericArray>();

function writeSmall(datatype: Exclude<DataType, 'BYTES'>, data: NumericArray, out: Uint8Array, at: number): number {
  let view = scratchViews.get(datatype);
  if (!view) {
    const Ctor = arrayConstructor(datatype);
    view = new Ctor(scratch, 0, SMALL_BYTES / elementSize(datatype));
    scratchViews.set(datatype, view);
  }
  (view as Float32Array).set(data as Float32Array);
  const n = data.byteLength;
  for (let i = 0; i < n; i++) out[at + i] = scratchBytes[i]!;
  return at + n;
}

/**
 * Layout: magic u8, count u8; per tensor: name length u16, name, datatype index u8, rank u8, dims u32 each, data length
 * u32, data. `size` is encodedSize(tensors), for a caller that already computed it (to check a payload limit).
 */
export function encodeTensors(tensors: readonly Tensor[], size = encodedSize(tensors)): Uint8Array {
  const out = new Uint8Array(size);
  writeTensors(tensors, out, 0);
  return out;
}

/**
 * Writes the encoded form of `tensors` into `out` at `at` (which must have encodedSize(tensors) bytes free there) and
 * returns where it ends: the capture batch encodes a request's tensors in place, with no buffer of their own.
 */
export function writeTensors(tensors: readonly Tensor[], out: Uint8Array, at: number): number {
  if (tensors.length > 255) throw new InvalidInputError(`a capture holds at most 255 tensors, got ${tensors.length}`);
  out[at++] = MAGIC;
  out[at++] = tensors.length;
  for (const t of tensors) {
    const name = encodedName(t.name);
    u16(out, at, name.length);
    out.set(name, at + 2);
    at += 2 + name.length;
    out[at++] = DATATYPE_INDEX.get(t.datatype)!;
    out[at++] = t.shape.length;
    for (const d of t.shape) {
      u32(out, at, d);
      at += 4;
    }
    const lengthAt = at;
    at += 4;
    if (Array.isArray(t.data)) {
      for (const str of t.data) {
        const bytes = encoder.encode(str);
        u32(out, at, bytes.length);
        out.set(bytes, at + 4);
        at += 4 + bytes.length;
      }
    } else if (t.datatype !== 'BYTES' && t.data.byteLength <= SMALL_BYTES) {
      at = writeSmall(t.datatype, t.data, out, at);
    } else {
      out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
      at += t.data.byteLength;
    }
    u32(out, lengthAt, at - lengthAt - 4);
  }
  return at;
}

/** The tensors of an encoded capture; a damaged record is an error naming what was wrong, never a wrong tensor. */
export function decodeTensors(bytes: Uint8Array): Tensor[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const need = (at: number, n: number): void => {
    if (at + n > bytes.length) throw new InvalidInputError(`capture payload is truncated: needed ${n} bytes at offset ${at} of ${bytes.length}`);
  };
  need(0, 2);
  if (bytes[0] !== MAGIC) throw new InvalidInputError(`capture payload has format byte ${bytes[0]}, expected ${MAGIC}`);
  const count = bytes[1]!;
  let at = 2;
  const tensors: Tensor[] = [];
  for (let i = 0; i < count; i++) {
    need(at, 2);
    const nameLength = view.getUint16(at, true);
    need(at + 2, nameLength + 2);
    const name = decoder.decode(bytes.subarray(at + 2, at + 2 + nameLength));
    at += 2 + nameLength;
    const datatype = DATATYPES[bytes[at++]!] as DataType | undefined;
    if (!datatype) throw new InvalidInputError(`capture payload: tensor "${name}" has an unknown datatype index ${bytes[at - 1]}`);
    const rank = bytes[at++]!;
    need(at, 4 * rank + 4);
    const shape: number[] = [];
    for (let d = 0; d < rank; d++, at += 4) shape.push(view.getUint32(at, true));
    const length = view.getUint32(at, true);
    at += 4;
    need(at, length);
    const count = shapeSize(shape);
    if (datatype === 'BYTES') {
      const strings: string[] = [];
      let p = at;
      for (let s = 0; s < count; s++) {
        if (p + 4 > at + length) throw new InvalidInputError(`capture payload: tensor "${name}" holds fewer strings than its shape`);
        const n = view.getUint32(p, true);
        strings.push(decoder.decode(bytes.subarray(p + 4, p + 4 + n)));
        p += 4 + n;
      }
      tensors.push({ name, datatype, shape, data: strings });
    } else {
      if (length !== count * elementSize(datatype)) {
        throw new InvalidInputError(`capture payload: tensor "${name}" has ${length} bytes, expected ${count * elementSize(datatype)} for shape [${shape.join(',')}]`);
      }
      // A copy: the typed array must be aligned to its element size, which an offset inside the record may not be.
      // Uint8Array's slice, not Buffer's: on a Buffer (what SQLite returns) slice is a view into a shared pool.
      const copy = Uint8Array.prototype.slice.call(bytes, at, at + length);
      const Ctor = arrayConstructor(datatype);
      tensors.push({ name, datatype, shape, data: new Ctor(copy.buffer, 0, count) as NumericArray });
    }
    at += length;
  }
  return tensors;
}
