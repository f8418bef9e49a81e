// The wire between a runner and its Python worker process: [u32 header length][u32 payload length][JSON header][raw
// little-endian tensor bytes]. Numeric tensors go as views of their own memory and come back as views of one payload.

import { arrayConstructor, elementSize, type DataType, type TensorData } from '../core/datatype.js';
import { InternalError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';

/** Where one tensor lies in a frame's payload. */
export interface TensorEntry {
  name: string;
  datatype: DataType;
  shape: number[];
  offset: number;
  bytes: number;
}

export interface FrameHeader {
  op: string;
  id: number;
  tensors?: TensorEntry[];
  [field: string]: unknown;
}

export interface Frame {
  header: FrameHeader;
  payload: Uint8Array;
}

/** BYTES elements as the v2 binary extension lays them out: u32 length, then the UTF-8 bytes, per element. */
function encodeStrings(items: readonly string[]): Buffer {
  const encoded = items.map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.allocUnsafe(encoded.reduce((n, b) => n + 4 + b.length, 0));
  let at = 0;
  for (const b of encoded) {
    out.writeUInt32LE(b.length, at);
    b.copy(out, at + 4);
    at += 4 + b.length;
  }
  return out;
}

function decodeStrings(bytes: Uint8Array, name: string): string[] {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const items: string[] = [];
  for (let at = 0; at < buf.length;) {
    if (at + 4 > buf.length) throw new InternalError(`output "${name}": BYTES element cut short`);
    const n = buf.readUInt32LE(at);
    items.push(buf.toString('utf8', at + 4, at + 4 + n));
    at += 4 + n;
  }
  return items;
}

/** Tensors laid out as a payload: header entries and the buffers to write (numeric data as views, not copies). */
export function layoutTensors(tensors: readonly Tensor[]): { entries: TensorEntry[]; parts: Buffer[]; bytes: number } {
  const parts: Buffer[] = [];
  const entries: TensorEntry[] = [];
  let offset = 0;
  for (const t of tensors) {
    const bytes = Array.isArray(t.data) ? encodeStrings(t.data) : Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    // Each tensor starts at an 8-byte boundary of the payload, so numpy's views on it are aligned.
    const pad = (8 - (offset % 8)) % 8;
    if (pad > 0) {
      parts.push(Buffer.alloc(pad));
      offset += pad;
    }
    entries.push({ name: t.name, datatype: t.datatype, shape: t.shape, offset, bytes: bytes.length });
    parts.push(bytes);
    offset += bytes.length;
  }
  return { entries, parts, bytes: offset };
}

/** The buffers to write for one frame: numeric tensor data is not copied (a view on its memory is written). */
export function encodeFrame(header: FrameHeader, tensors: readonly Tensor[] = []): Buffer[] {
  const { entries, parts, bytes } = layoutTensors(tensors);
  return [...framePrefix(tensors.length > 0 ? { ...header, tensors: entries } : header, bytes), ...parts];
}

/** A frame's length prefix and JSON header, for a payload of `payloadBytes` that follows on the pipe (0: none does). */
export function framePrefix(header: FrameHeader, payloadBytes: number): Buffer[] {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const prefix = Buffer.allocUnsafe(8);
  prefix.writeUInt32LE(json.length, 0);
  prefix.writeUInt32LE(payloadBytes, 4);
  return [prefix, json];
}

/** A frame's tensors: numeric ones view the payload in place (each starts at an 8-byte boundary). */
export function decodeTensors(frame: Frame): Tensor[] {
  return (frame.header.tensors ?? []).map((e) => {
    const bytes = frame.payload.subarray(e.offset, e.offset + e.bytes);
    let data: TensorData;
    if (e.datatype === 'BYTES') data = decodeStrings(bytes, e.name);
    else {
      const size = elementSize(e.datatype);
      // The worker aligns every tensor; a misaligned one (never expected) is copied rather than misread.
      const aligned = bytes.byteOffset % size === 0 ? bytes : bytes.slice();
      data = new (arrayConstructor(e.datatype))(aligned.buffer, aligned.byteOffset, aligned.byteLength / size);
    }
    return { name: e.name, datatype: e.datatype, shape: e.shape, data };
  });
}

/** Cuts a byte stream into frames; each payload gets its own buffer (aligned at 0), each byte copied into it once. */
export class FrameReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private header: FrameHeader | undefined;
  private payloadBytes = 0;

  constructor(private readonly onFrame: (frame: Frame) => void) {}

  push(chunk: Buffer): void {
    this.pending.push(chunk);
    this.pendingBytes += chunk.length;
    for (;;) {
      if (!this.header) {
        if (this.pendingBytes < 8) return;
        const head = Buffer.concat(this.pending, 8); // copies 8 bytes, however the stream was cut
        const jsonBytes = head.readUInt32LE(0);
        if (this.pendingBytes < 8 + jsonBytes) return;
        this.payloadBytes = head.readUInt32LE(4);
        this.header = JSON.parse(this.take(8 + jsonBytes).toString('utf8', 8)) as FrameHeader;
      }
      if (this.pendingBytes < this.payloadBytes) return;
      const payload = new Uint8Array(new ArrayBuffer(this.payloadBytes));
      this.takeInto(payload);
      const header = this.header;
      this.header = undefined;
      this.onFrame({ header, payload });
    }
  }

  /** Fills `target` from the front of the pending chunks: one copy of each byte, however many chunks it came in. */
  private takeInto(target: Uint8Array): void {
    let at = 0;
    while (at < target.length) {
      const chunk = this.pending[0]!;
      const n = Math.min(chunk.length, target.length - at);
      target.set(chunk.subarray(0, n), at);
      at += n;
      if (n === chunk.length) this.pending.shift();
      else this.pending[0] = chunk.subarray(n);
    }
    this.pendingBytes -= target.length;
  }

  private take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    this.takeInto(out);
    return out;
  }
}
