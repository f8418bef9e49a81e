// A batch of captured requests packed into one growing byte buffer as they finish: each record is written there at
// once (its tensors encoded in place), so nothing per request outlives it on the serving path, and a flush hands the
// whole buffer to the store (to the SQLite writer thread as shared memory: no copy, no per-record clone).

import { encodedSize, writeTensors } from './capture-codec.js';
import type { CaptureRecord, CaptureStatus } from './capture-config.js';
import { InvalidInputError } from './errors.js';
import type { Tensor } from './tensor.js';

/**
 * A finished request as capture takes it: its tensors still as tensors (the serving path's tap), encoded straight into
 * the batch, or encoded already (a stored-form CaptureRecord).
 */
export interface FinishedCapture extends Omit<CaptureRecord, 'id' | 'inputs' | 'outputs'> {
  inputs: Uint8Array | readonly Tensor[] | null;
  outputs: Uint8Array | readonly Tensor[] | null;
}

/** The batch's bytes as they travel (to a worker thread, say): `count` records in `bytes`. */
export interface SealedCaptures {
  count: number;
  bytes: Uint8Array;
}

const STATUSES: readonly CaptureStatus[] = ['ok', 'invalid', 'error', 'overloaded', 'deadline', 'cancelled'];
const STATUS_INDEX = new Map(STATUSES.map((s, i) => [s, i]));
const NONE = 0xffffffff;
const FIXED_BYTES = 8 + 8 + 4 + 4 + 1 + 1; // time, latency, version, rows, status, truncated
const INITIAL_BYTES = 64 * 1024;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Encoded size of a record's tensors (inputs or outputs), or 0 when left out. */
export function tensorBytes(part: Uint8Array | readonly Tensor[] | null): number {
  if (part === null) return 0;
  return part instanceof Uint8Array ? part.byteLength : encodedSize(part);
}

/**
 * Layout per record: time f64, latencyMs f64, version u32, rows u32, status u8, truncated u8; then endpoint, request id,
 * variant, model and error as u32 length + UTF-8 (error 0xffffffff: none); then inputs and outputs as u32 length
 * (0xffffffff: none) + their capture-codec bytes. Little-endian.
 */
export class CaptureBatch {
  /**
   * Shared memory, so the writer thread reads it where it is and the capture pipeline reuses it (reset) once the batch
   * is stored: fresh memory costs a page fault per page first written, measured at several µs per record here.
   */
  private bytes = new Uint8Array(new SharedArrayBuffer(INITIAL_BYTES));
  private view = new DataView(this.bytes.buffer);
  private used = 0;
  private records = 0;
  /** Bytes of tensors (inputs and outputs) held, what the capture buffer's byte bound counts. */
  tensorBytes = 0;
  /** Records per endpoint in this batch. */
  readonly endpoints = new Map<string, number>();

  /** A batch of stored-form records (their tensors already encoded). */
  static of(records: readonly CaptureRecord[]): CaptureBatch {
    const batch = new CaptureBatch();
    for (const r of records) batch.append(r);
    return batch;
  }

  get count(): number {
    return this.records;
  }

  /** Bytes of memory the batch holds (what it grew to), whatever it holds now. */
  get capacity(): number {
    return this.bytes.byteLength;
  }

  /**
   * Appends one record. `inputBytes`/`outputBytes` are the parts' encoded sizes when the caller computed them already
   * (tensorBytes); the parts must be what was measured. A record that fails to encode throws and leaves the batch as
   * it was.
   */
  append(r: FinishedCapture, inputBytes = tensorBytes(r.inputs), outputBytes = tensorBytes(r.outputs)): void {
    const strings = r.endpoint.length + r.requestId.length + r.variant.length + r.model.length + (r.error?.length ?? 0);
    // UTF-8 takes at most 3 bytes per UTF-16 unit; 5 length prefixes and 2 part lengths.
    this.reserve(FIXED_BYTES + 3 * strings + 28 + inputBytes + outputBytes);
    const v = this.view;
    let at = this.used;
    v.setFloat64(at, r.time, true);
    v.setFloat64(at + 8, r.latencyMs, true);
    v.setUint32(at + 16, r.version, true);
    v.setUint32(at + 20, r.rows, true);
    this.bytes[at + 24] = STATUS_INDEX.get(r.status)!;
    this.bytes[at + 25] = r.truncated ? 1 : 0;
    at = this.writeString(r.endpoint, at + FIXED_BYTES);
    at = this.writeString(r.requestId, at);
    at = this.writeString(r.variant, at);
    at = this.writeString(r.model, at);
    if (r.error === null) {
      v.setUint32(at, NONE, true);
      at += 4;
    } else at = this.writeString(r.error, at);
    at = this.writePart(r.inputs, inputBytes, at);
    this.used = this.writePart(r.outputs, outputBytes, at);
    this.records++;
    this.tensorBytes += inputBytes + outputBytes;
    this.endpoints.set(r.endpoint, (this.endpoints.get(r.endpoint) ?? 0) + 1);
  }

  /** The bytes written so far (shared, not copied): the batch must not change until the store has them (reset). */
  seal(): SealedCaptures {
    return { count: this.records, bytes: this.bytes.subarray(0, this.used) };
  }

  /** Empties the batch for reuse, keeping its memory: only once the store is done with what seal() gave it. */
  reset(): void {
    this.used = 0;
    this.records = 0;
    this.tensorBytes = 0;
    this.endpoints.clear();
  }

  /** The records of this batch, their tensor bytes as views into it. */
  toRecords(): CaptureRecord[] {
    return readCaptures(this.seal());
  }

  private reserve(extra: number): void {
    const need = this.used + extra;
    if (need <= this.bytes.length) return;
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const grown = new Uint8Array(new SharedArrayBuffer(size));
    grown.set(this.bytes.subarray(0, this.used));
    this.bytes = grown;
    this.view = new DataView(grown.buffer);
  }

  /** u32 length + UTF-8; ASCII (names, ids) written byte by byte, which beats an encoder call for a few characters. */
  private writeString(s: string, at: number): number {
    const out = this.bytes;
    const start = at + 4;
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[start + i] = c;
    }
    const length = i === s.length ? i : encoder.encodeInto(s, out.subarray(start)).written;
    this.view.setUint32(at, length, true);
    return start + length;
  }

  private writePart(part: Uint8Array | readonly Tensor[] | null, size: number, at: number): number {
    if (part === null) {
      this.view.setUint32(at, NONE, true);
      return at + 4;
    }
    this.view.setUint32(at, size, true);
    if (part instanceof Uint8Array) this.bytes.set(part, at + 4);
    else if (writeTensors(part, this.bytes, at + 4) !== at + 4 + size) throw new InvalidInputError('capture: tensors changed size while being captured');
    return at + 4 + size;
  }
}

/** The records of sealed batch bytes; a damaged batch is an error naming where, never a wrong record. */
export function readCaptures(sealed: SealedCaptures): CaptureRecord[] {
  const { bytes, count } = sealed;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: CaptureRecord[] = new Array<CaptureRecord>(count);
  let at = 0;
  let i = 0;
  const need = (n: number): void => {
    if (at + n > bytes.length) throw new InvalidInputError(`capture batch is truncated: record ${i} needs ${n} bytes at offset ${at} of ${bytes.length}`);
  };
  /** A u32 length (0xffffffff: none) and that many bytes: a string's UTF-8 or a part's tensors. */
  const part = (): Uint8Array | null => {
    need(4);
    const length = view.getUint32(at, true);
    at += 4;
    if (length === NONE) return null;
    need(length);
    const p = bytes.subarray(at, at + length);
    at += length;
    return p;
  };
  /**
   * A string field; the text of the record before reused when its bytes are the same (endpoint, variant and model
   * repeat from record to record: a compare costs less than a decode).
   */
  const last: { utf8: Uint8Array | null; text: string | null }[] = Array.from({ length: 5 }, () => ({ utf8: null, text: null }));
  const string = (field: number): string | null => {
    const utf8 = part();
    const seen = last[field]!;
    if (utf8 === null || (seen.utf8 !== null && sameBytes(seen.utf8, utf8))) return utf8 === null ? null : seen.text;
    seen.utf8 = utf8;
    seen.text = decoder.decode(utf8);
    return seen.text;
  };
  for (; i < count; i++) {
    need(FIXED_BYTES);
    const time = view.getFloat64(at, true);
    const latencyMs = view.getFloat64(at + 8, true);
    const version = view.getUint32(at + 16, true);
    const rows = view.getUint32(at + 20, true);
    const status = STATUSES[bytes[at + 24]!];
    if (status === undefined) throw new InvalidInputError(`capture batch: record ${i} has an unknown status index ${bytes[at + 24]}`);
    const truncated = bytes[at + 25] === 1;
    at += FIXED_BYTES;
    const endpoint = string(0) ?? '';
    const requestId = string(1) ?? '';
    const variant = string(2) ?? '';
    const model = string(3) ?? '';
    const error = string(4);
    const inputs = part();
    const outputs = part();
    out[i] = { endpoint, requestId, time, variant, model, version, status, latencyMs, rows, inputs, outputs, truncated, error };
  }
  return out;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** What a store's append takes: the capture pipeline's packed batch, or records (tools, tests, migration). */
export type CaptureAppend = CaptureBatch | readonly CaptureRecord[];

export function batchOf(append: CaptureAppend): CaptureBatch {
  return append instanceof CaptureBatch ? append : CaptureBatch.of(append);
}

export function recordsOf(append: CaptureAppend): readonly CaptureRecord[] {
  return append instanceof CaptureBatch ? append.toRecords() : append;
}
