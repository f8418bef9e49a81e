// Reading inference bodies off a stream: layouts from the headers, the split at every chunk boundary, and every way a
// body can be wrong (too long, too short, over the limit, a failed stream).

import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, PayloadTooLargeError } from '../core/errors.js';
import { BufferPool } from '../runtime/buffer-pool.js';
import { bodyLayout, isBinaryParts, readRequestBody, type RequestBody } from './request-body.js';

type Headers = Parameters<typeof readRequestBody>[0];

/** Feeds `chunks` into a real stream and reads it as a request body would be read. */
async function read(headers: Headers, chunks: Buffer[], opts: { limit?: number; pool?: BufferPool } = {}): Promise<RequestBody> {
  const stream = new PassThrough();
  const result = new Promise<RequestBody>((resolve, reject) => {
    readRequestBody(headers, stream, { limit: opts.limit ?? 1 << 20, pool: opts.pool ?? new BufferPool() }, (err, body) => (err ? reject(err) : resolve(body!)));
  });
  for (const c of chunks) stream.write(c);
  stream.end();
  return result;
}

function bytes(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

/** `body` cut at the given offsets. */
function cut(body: Buffer, at: number[]): Buffer[] {
  const points = [0, ...at, body.length];
  return points.slice(1).map((end, i) => body.subarray(points[i]!, end));
}

describe('bodyLayout', () => {
  it('reads a body with a length whole, and a binary one in two parts', () => {
    expect(bodyLayout('100', undefined, 1000)).toEqual({ kind: 'whole', length: 100 });
    expect(bodyLayout('100', '37', 1000)).toEqual({ kind: 'split', headerLength: 37, dataLength: 63 });
  });

  it('gathers chunks when there is no usable Content-Length (chunked transfer)', () => {
    expect(bodyLayout(undefined, '37', 1000)).toEqual({ kind: 'chunks' });
    expect(bodyLayout('', undefined, 1000)).toEqual({ kind: 'chunks' });
  });

  it('leaves a header length that is not a number, or covers the whole body, to the decoder (read whole)', () => {
    for (const header of ['abc', ' 12', '-1', '1e3', ['12', '12'], '100', '101']) {
      expect(bodyLayout('100', header, 1000)).toEqual({ kind: 'whole', length: 100 });
    }
  });

  it('refuses a Content-Length over the limit before any byte is read', () => {
    expect(() => bodyLayout('1001', undefined, 1000)).toThrow(PayloadTooLargeError);
    expect(() => bodyLayout('1001', '10', 1000)).toThrow(/1001 bytes, over this server's limit of 1000 bytes/);
  });
});

describe('readRequestBody', () => {
  it('splits header and tensor bytes wherever the chunks break, the tensor bytes in a pooled buffer of their own', async () => {
    const header = Buffer.from('{"inputs":[{"name":"x","datatype":"FP32","shape":[1,5]}]}'); // odd length on purpose
    const data = bytes(20);
    const body = Buffer.concat([header, data]);
    const headers = { 'content-length': String(body.length), 'inference-header-content-length': String(header.length) };
    for (let a = 0; a <= body.length; a += 3) {
      for (let b = a; b <= body.length; b += 7) {
        const pool = new BufferPool();
        const parts = await read(headers, cut(body, [a, b]), { pool });
        if (!isBinaryParts(parts)) throw new Error('expected two parts');
        expect(parts.header.equals(header)).toBe(true);
        expect(Buffer.from(parts.data).equals(data)).toBe(true);
        expect(parts.data.byteOffset).toBe(0);
        expect(parts.data.buffer.byteLength).toBe(data.length);
      }
    }
  });

  it('takes the tensor buffer from the pool: one handed back is used for the next body of that size', async () => {
    const pool = new BufferPool();
    const spent = new ArrayBuffer(8);
    pool.give([spent]);
    const parts = await read({ 'content-length': '10', 'inference-header-content-length': '2' }, [Buffer.from('{}'), bytes(8)], { pool });
    expect(isBinaryParts(parts) && parts.data.buffer).toBe(spent);
  });

  it('reads a plain body whole, and a chunked one (no Content-Length) joined', async () => {
    const body = bytes(1000);
    const whole = await read({ 'content-length': '1000' }, cut(body, [1, 500, 999]));
    expect(Buffer.isBuffer(whole) && whole.equals(body)).toBe(true);
    const chunked = await read({ 'inference-header-content-length': '10' }, cut(body, [100, 200]));
    expect(Buffer.isBuffer(chunked) && chunked.equals(body)).toBe(true);
  });

  it('an empty body is an empty buffer (the route words that error)', async () => {
    const body = await read({ 'content-length': '0' }, []);
    expect(Buffer.isBuffer(body) && body.length).toBe(0);
  });

  it('a body shorter than its Content-Length is the client\'s error, and the pooled buffer goes back', async () => {
    const pool = new BufferPool();
    const err = await read({ 'content-length': '100', 'inference-header-content-length': '10' }, [bytes(60)], { pool }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidInputError);
    expect((err as Error).message).toMatch(/ended after 60 bytes, but its Content-Length says 100/);
    expect(pool.pooledBytes).toBe(90);
  });

  it('more bytes than Content-Length (a stream that lies) is refused as soon as they arrive', async () => {
    await expect(read({ 'content-length': '10' }, [bytes(6), bytes(6)])).rejects.toThrow(/longer than its Content-Length of 10 bytes/);
  });

  it('a chunked body past the limit is refused (413) while it streams', async () => {
    const err = await read({}, [bytes(600), bytes(600)], { limit: 1000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect((err as Error).message).toMatch(/1200 bytes, over this server's limit of 1000/);
  });

  it('a Content-Length over the limit is refused without reading the stream', async () => {
    const stream = new PassThrough();
    const err = await new Promise<Error | null>((resolve) => readRequestBody({ 'content-length': '5000' }, stream, { limit: 1000, pool: new BufferPool() }, resolve));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(stream.listenerCount('data')).toBe(0);
  });

  it('a stream that fails (the client went away) is a 400 naming why, answered once', async () => {
    const stream = new PassThrough();
    const calls: (Error | null)[] = [];
    readRequestBody({ 'content-length': '100' }, stream, { limit: 1000, pool: new BufferPool() }, (err) => calls.push(err));
    stream.write(bytes(10));
    stream.destroy(new Error('aborted'));
    await new Promise((r) => setTimeout(r, 10));
    expect(calls).toHaveLength(1);
    expect(calls[0]).toBeInstanceOf(InvalidInputError);
    expect(calls[0]!.message).toMatch(/could not be read: aborted/);
  });
});
