// Reads an inference request's body off its socket with one copy: into one buffer sized by Content-Length, or, for the
// binary tensor extension, into the JSON header and a pooled buffer of the tensor bytes that follow it.
//
// Why not Fastify's `parseAs: 'buffer'`: it gathers the socket's chunks and joins them (a copy into a fresh buffer, whose
// pages fault in), and a binary header of odd length then leaves the tensor bytes unaligned, so decoding copied them
// again into another fresh buffer. For a 600 KB image that was most of the event loop's work per request, and the
// fresh pages cost the model's threads too (their unmapping interrupts every core the process runs on). Read here, a
// lone input's bytes own a pooled buffer whole: they move to the model's thread as they are and come back for the next
// request (scheduler: `spent`).

import type { Readable } from 'node:stream';
import { InvalidInputError, PayloadTooLargeError } from '../core/errors.js';
import type { BufferPool } from '../runtime/buffer-pool.js';

/** A binary-extension body read in two parts: the JSON header, and every byte after it in a buffer of its own. */
export interface BinaryParts {
  header: Buffer;
  /** Owns its ArrayBuffer whole (byteOffset 0), which came from the pool. */
  data: Uint8Array;
}

export type RequestBody = Buffer | BinaryParts;

export function isBinaryParts(body: unknown): body is BinaryParts {
  return typeof body === 'object' && body !== null && !Buffer.isBuffer(body) && 'header' in body && 'data' in body;
}

/**
 * Where the bytes go, decided from the headers before any arrives. `chunks`: no usable length (chunked transfer), so
 * gathered and joined; `whole`: one buffer; `split`: header and tensor bytes apart. A header length that is not a
 * number or exceeds the body is left to the decoder, which words the error (the body is then read whole).
 */
export type BodyLayout =
  | { kind: 'chunks' }
  | { kind: 'whole'; length: number }
  | { kind: 'split'; headerLength: number; dataLength: number };

export function bodyLayout(contentLength: string | undefined, headerLength: string | string[] | undefined, limit: number): BodyLayout {
  if (contentLength === undefined || !/^\d+$/.test(contentLength)) return { kind: 'chunks' };
  const length = Number(contentLength);
  if (length > limit) throw tooLarge(length, limit);
  const header = typeof headerLength === 'string' && /^\d+$/.test(headerLength) ? Number(headerLength) : undefined;
  if (header === undefined || header >= length) return { kind: 'whole', length };
  return { kind: 'split', headerLength: header, dataLength: length - header };
}

function tooLarge(length: number, limit: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `request body is ${length} bytes, over this server's limit of ${limit} bytes (maxBodyBytes; SLIPWAY_MAX_BODY_BYTES)`,
  );
}

export interface BodyReading {
  /** Bytes a body may have (413 beyond). */
  limit: number;
  /** Where a binary body's tensor bytes go. */
  pool: BufferPool;
  /** A buffer for a body read whole (default Buffer.allocUnsafe): the decoder pools those it sends to a worker. */
  wholeBuffer?: (length: number) => Buffer;
}

/**
 * Reads `payload` to its end and calls `done` once: with the body, or with a 413 (over `limit`), or a 400 (fewer
 * bytes than Content-Length said, or the stream failed).
 */
export function readRequestBody(
  headers: { 'content-length'?: string | undefined; 'inference-header-content-length'?: string | string[] | undefined },
  payload: Readable,
  reading: BodyReading,
  done: (err: Error | null, body?: RequestBody) => void,
): void {
  const { limit, pool } = reading;
  let layout: BodyLayout;
  try {
    layout = bodyLayout(headers['content-length'], headers['inference-header-content-length'], limit);
  } catch (err) {
    done(err as Error);
    return;
  }
  const chunks: Buffer[] = [];
  let whole: Buffer | undefined;
  let header: Buffer | undefined;
  let data: Uint8Array | undefined;
  if (layout.kind === 'whole') whole = reading.wholeBuffer ? reading.wholeBuffer(layout.length) : Buffer.allocUnsafe(layout.length);
  else if (layout.kind === 'split') {
    header = Buffer.allocUnsafe(layout.headerLength);
    data = new Uint8Array(pool.take(layout.dataLength));
  }
  const expected = layout.kind === 'chunks' ? undefined : layout.kind === 'whole' ? layout.length : layout.headerLength + layout.dataLength;
  let received = 0;
  let settled = false;

  const finish = (err: Error | null, body?: RequestBody): void => {
    if (settled) return;
    settled = true;
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onError);
    if (err && data) pool.give([data.buffer as ArrayBuffer]);
    done(err, body);
  };
  const onData = (chunk: Buffer | string): void => {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    const at = received;
    received += bytes.length;
    if (expected === undefined) {
      if (received > limit) finish(tooLarge(received, limit));
      else chunks.push(bytes);
      return;
    }
    if (received > expected) {
      finish(new InvalidInputError(`request body is longer than its Content-Length of ${expected} bytes`));
      return;
    }
    if (whole) {
      bytes.copy(whole, at);
      return;
    }
    // split: the first headerLength bytes are the header, the rest the tensor bytes
    const headerBytes = Math.max(0, Math.min(header!.length - at, bytes.length));
    if (headerBytes > 0) header!.set(headerBytes === bytes.length ? bytes : bytes.subarray(0, headerBytes), at);
    if (headerBytes < bytes.length) data!.set(headerBytes === 0 ? bytes : bytes.subarray(headerBytes), at + headerBytes - header!.length);
  };
  const onEnd = (): void => {
    if (expected !== undefined && received !== expected) {
      finish(new InvalidInputError(`request body ended after ${received} bytes, but its Content-Length says ${expected}`));
    } else if (whole) finish(null, whole);
    else if (header && data) finish(null, { header, data });
    else finish(null, Buffer.concat(chunks, received)); // a copy: a chunk is a view on the socket's read buffer
  };
  const onError = (err: Error): void => {
    finish(new InvalidInputError(`request body could not be read: ${err.message}`));
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
  payload.resume();
}
