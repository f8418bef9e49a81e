// Capture of served traffic end to end: nothing lost under concurrent load while the buffer has room, every drop counted
// when it is full (and serving unaffected), sampling, what is kept, the payload limit, invalid requests, durability
// across a clean stop and a SIGKILL, and retention by record count.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import type { LoopServer } from './loop-harness.js';
import { concurrently, deploy, DIGITS, exportJsonl, golden, inferRows, loopStatus, push, setLoop, startLoopServer } from './loop-harness.js';
import { scrape } from './metrics.js';
import { removeHome, startServer as startProcess, tempHome, type ServerProcess } from './server-process.js';

const digits = golden(DIGITS, 'label');
const rowOf = (i: number): number[] => digits.rows[i % digits.rows.length]!;
let loop: LoopServer;

beforeAll(async () => {
  loop = await startLoopServer();
  await push(loop.url, DIGITS);
});

afterAll(async () => {
  await loop?.close();
});

/** A digits endpoint of its own with capture on (each test gets one so counts do not mix). */
async function captured(endpoint: string, capture: object, runtime?: object): Promise<void> {
  await deploy(loop.url, endpoint, 'digits:1', runtime);
  await setLoop(loop.url, endpoint, 'capture', { enabled: true, ...capture });
}

describe('capture under load', () => {
  it('stores every request exactly once when the buffer is not full (16 concurrent clients)', async () => {
    await captured('load', { sampleRate: 1 }, { instances: 2, maxQueueSize: 256 });
    const total = 16 * 40;
    const started = Date.now();
    const replies = await concurrently(total, 16, (i) => inferRows(loop.url, 'load', [rowOf(i)], 'label'));
    const elapsed = Date.now() - started;
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const ids = replies.map((r) => r.id);
    expect(ids.every((id) => typeof id === 'string' && id.length > 0)).toBe(true);
    expect(new Set(ids).size).toBe(total);

    const status = await loopStatus(loop.url, 'load');
    expect(status.capture.stats.records).toBe(total);
    expect(status.capture.stats.rows).toBe(total);
    expect(status.capture.buffered).toBe(0);
    // Each response id appears exactly once among the stored captures.
    const rows = await exportJsonl(loop.url, 'load');
    expect(rows).toHaveLength(total);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.request_id as string, (counts.get(r.request_id as string) ?? 0) + 1);
    expect(counts.size).toBe(total);
    for (const id of ids) expect(counts.get(id!), `request ${id}`).toBe(1);
    // … with the prediction the client was answered.
    const predicted = new Map(replies.map((r) => [r.id!, String(r.prediction[0])]));
    for (const r of rows) expect(r.prediction).toBe(predicted.get(r.request_id as string));

    const metric = await scrape(loop.url);
    expect(metric('slipway_capture_dropped_total', { endpoint: 'load' })).toBe(0);
    expect(metric('slipway_capture_records_total', { endpoint: 'load' })).toBe(total);
    console.log(`capture under load: ${total} requests from 16 clients in ${elapsed} ms, ${total} stored, 0 dropped`);
  });

  // The tap holds a request's tensors until it ends and encodes them then, so its run must borrow them: a run that moved
  // them to a worker, or gave them back for a later batch to reuse, would leave another request's numbers in the record.
  it.each([
    ['on the event loop, batching', { onEventLoop: true, maxBatchSize: 32, maxQueueDelayMicros: 200 }],
    ['in worker threads, batching', { instances: 2, maxBatchSize: 8, maxQueueDelayMicros: 200 }],
    ['in a worker thread, one request per run', { instances: 1, maxBatchSize: 1 }],
  ])('records each request\'s own inputs and answer under concurrency (%s)', async (name, runtime) => {
    const endpoint = `own-${name.replace(/[^a-z]+/g, '-')}`.replace(/-+$/, '');
    await captured(endpoint, { sampleRate: 1 }, { ...runtime, maxQueueSize: 256 });
    const total = 16 * 20;
    const replies = await concurrently(total, 16, (i) => inferRows(loop.url, endpoint, [rowOf(i)], 'label'));
    expect(replies.every((r) => r.status === 200)).toBe(true);
    const sentById = new Map(replies.map((r, i) => [r.id!, { row: Array.from(Float32Array.from(rowOf(i))), prediction: String(r.prediction[0]) }]));
    await loopStatus(loop.url, endpoint);
    const rows = await exportJsonl(loop.url, endpoint);
    expect(rows).toHaveLength(total);
    for (const row of rows) {
      const sent = sentById.get(row.request_id as string);
      expect(sent, `request ${String(row.request_id)}`).toBeDefined();
      expect(digits.features.map((f) => row[f])).toEqual(sent!.row);
      expect(row.prediction).toBe(sent!.prediction);
    }
  });

  it('counts every drop when the buffer is full, and serving answers every request', async () => {
    // A 5-record buffer that never flushes on its own during the burst: everything past the fifth record is dropped.
    const tiny = await startLoopServer({ loop: { pipeline: { bufferRecords: 5, batchRecords: 1000, flushIntervalMs: 60_000 } } });
    try {
      await push(tiny.url, DIGITS);
      await deploy(tiny.url, 'burst', 'digits:1', { instances: 2, maxQueueSize: 512 });
      await setLoop(tiny.url, 'burst', 'capture', { enabled: true, sampleRate: 1 });
      const sent = 200;
      const replies = await Promise.all(Array.from({ length: sent }, (_, i) => inferRows(tiny.url, 'burst', [rowOf(i)], 'label')));
      expect(replies.filter((r) => r.status === 200)).toHaveLength(sent);
      expect(replies.every((r) => r.prediction.length === 1)).toBe(true);

      const before = await scrape(tiny.url);
      const dropped = before('slipway_capture_dropped_total', { endpoint: 'burst', reason: 'buffer_full' });
      const status = await loopStatus(tiny.url, 'burst');
      const stored = status.capture.stats.records;
      expect(stored).toBe(5);
      expect(dropped).toBeGreaterThan(0);
      expect(stored + dropped).toBe(sent);
      const after = await scrape(tiny.url);
      expect(after('slipway_capture_records_total', { endpoint: 'burst' })).toBe(stored);
      expect(after('slipway_capture_dropped_total', { endpoint: 'burst' })).toBe(dropped);
      console.log(`full buffer: ${sent} requests, ${stored} stored, ${dropped} dropped (counted), ${sent} answered 200`);
    } finally {
      await tiny.close();
    }
  });
});

describe('what is captured', () => {
  it('samples about a quarter at sampleRate 0.25, and still gives every response an id', async () => {
    await captured('sampled', { sampleRate: 0.25 }, { instances: 2, maxQueueSize: 256 });
    const total = 800;
    const replies = await concurrently(total, 16, (i) => inferRows(loop.url, 'sampled', [rowOf(i)], 'label'));
    expect(replies.every((r) => r.status === 200 && typeof r.id === 'string')).toBe(true);
    const stored = (await loopStatus(loop.url, 'sampled')).capture.stats.records;
    // Binomial(800, 0.25): mean 200, sd 12.2; ±5 sd fails a correct sampler about once in 1.7 million runs.
    const sd = Math.sqrt(total * 0.25 * 0.75);
    expect(stored).toBeGreaterThan(200 - 5 * sd);
    expect(stored).toBeLessThan(200 + 5 * sd);
    // The stored ones are among those answered.
    const ids = new Set(replies.map((r) => r.id));
    const rows = await exportJsonl(loop.url, 'sampled');
    expect(rows).toHaveLength(stored);
    expect(rows.every((r) => ids.has(r.request_id as string))).toBe(true);
    console.log(`sampleRate 0.25: ${stored} of ${total} stored (expected 200 ± ${sd.toFixed(1)})`);
  });

  it('keep=inputs stores the inputs exactly and no outputs', async () => {
    await captured('inputs-only', { keep: 'inputs' });
    const sent = [0, 1, 2, 3, 4].map((i) => rowOf(i));
    const ids: string[] = [];
    for (const row of sent) {
      const r = await inferRows(loop.url, 'inputs-only', [row], 'label');
      expect(r.status).toBe(200);
      ids.push(r.id!);
    }
    await loopStatus(loop.url, 'inputs-only');
    const records = await loop.server.store.loop.captures({ endpoint: 'inputs-only', limit: 100 });
    expect(records.map((r) => r.requestId)).toEqual(ids);
    expect(records.every((r) => r.inputs !== null && r.outputs === null && !r.truncated)).toBe(true);
    const rows = await exportJsonl(loop.url, 'inputs-only');
    rows.forEach((row, i) => {
      expect(row.prediction).toBeNull();
      expect(digits.features.map((f) => row[f])).toEqual(Array.from(Float32Array.from(sent[i]!)));
    });
  });

  it('records a request over maxPayloadBytes without the tensors past the limit (truncated), and still counts it', async () => {
    // One digits row encodes to 279 bytes of inputs; its outputs (label + 10 probabilities) to 96. The limit is spent in
    // order — inputs, then outputs — so 100 bytes leaves the inputs out but keeps the prediction, and 50 keeps nothing.
    await captured('small-payload', { maxPayloadBytes: 100 });
    await captured('tiny-payload', { maxPayloadBytes: 50 });
    const predicted: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await inferRows(loop.url, 'small-payload', [rowOf(i)], 'label');
      expect(r.status).toBe(200);
      predicted.push(String(r.prediction[0]));
      expect((await inferRows(loop.url, 'tiny-payload', [rowOf(i)], 'label')).status).toBe(200);
    }
    const small = await loopStatus(loop.url, 'small-payload');
    expect(small.capture.stats.records).toBe(4);
    expect(small.capture.stats.bytes).toBe(4 * 96);
    for (const r of await loop.server.store.loop.captures({ endpoint: 'small-payload', limit: 100 })) {
      expect(r).toMatchObject({ truncated: true, inputs: null, status: 'ok', rows: 1 });
      expect(r.outputs).not.toBeNull();
    }
    const exported = await exportJsonl(loop.url, 'small-payload');
    expect(exported.map((r) => r.prediction)).toEqual(predicted);
    expect(exported.every((r) => digits.features.every((f) => r[f] === null))).toBe(true);

    const tiny = await loopStatus(loop.url, 'tiny-payload');
    expect(tiny.capture.stats.records).toBe(4);
    expect(tiny.capture.stats.bytes).toBe(0);
    const records = await loop.server.store.loop.captures({ endpoint: 'tiny-payload', limit: 100 });
    expect(records).toHaveLength(4);
    for (const r of records) expect(r).toMatchObject({ truncated: true, inputs: null, outputs: null, status: 'ok', rows: 1 });
    const metric = await scrape(loop.url);
    expect(metric('slipway_capture_records_total', { endpoint: 'tiny-payload' })).toBe(4);
    expect(metric('slipway_capture_dropped_total', { endpoint: 'tiny-payload' })).toBe(0);
  });

  it('captures invalid requests (wrong shape) with status invalid and the error', async () => {
    await captured('bad-shape', {});
    const bad = await fetch(`${loop.url}/v2/models/bad-shape/infer`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'wrong-shape-1', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 63], data: new Array(63).fill(1) }] }),
    });
    expect(bad.status).toBe(400);
    expect((await inferRows(loop.url, 'bad-shape', [rowOf(0)], 'label', 'good-1')).status).toBe(200);
    await loopStatus(loop.url, 'bad-shape');
    const invalid = await loop.server.store.loop.captures({ endpoint: 'bad-shape', statuses: ['invalid'], limit: 10 });
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatchObject({ requestId: 'wrong-shape-1', status: 'invalid', outputs: null });
    expect(invalid[0]!.error).toMatch(/shape/);
    expect(invalid[0]!.error).toMatch(/63/);
    const ok = await loop.server.store.loop.captures({ endpoint: 'bad-shape', statuses: ['ok'], limit: 10 });
    expect(ok.map((r) => r.requestId)).toEqual(['good-1']);
    // Exports hold served rows only.
    expect((await exportJsonl(loop.url, 'bad-shape')).map((r) => r.request_id)).toEqual(['good-1']);
  });
});

describe('retention', () => {
  it('retentionRows keeps the newest records and removes the oldest', async () => {
    await captured('kept', { retentionRows: 10 });
    const ids: string[] = [];
    for (let i = 0; i < 30; i++) {
      const r = await inferRows(loop.url, 'kept', [rowOf(i)], 'label');
      ids.push(r.id!);
    }
    expect((await loopStatus(loop.url, 'kept')).capture.stats.records).toBe(30);
    const removed = await loop.server.loop.pipeline.applyRetention();
    expect(removed).toBeGreaterThanOrEqual(20);
    const status = await loopStatus(loop.url, 'kept');
    expect(status.capture.stats.records).toBe(10);
    expect((await exportJsonl(loop.url, 'kept')).map((r) => r.request_id)).toEqual(ids.slice(20));
  });
});

describe('durability (server as a child process)', () => {
  const home = tempHome();
  let server: ServerProcess | undefined;

  afterAll(async () => {
    await server?.stop();
    removeHome(home);
  });

  const send = async (n: number, from: number): Promise<string[]> => {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await inferRows(server!.url, 'durable', [rowOf(from + i)], 'label', `durable-${from + i}`);
      expect(r.status).toBe(200);
      ids.push(r.id!);
    }
    return ids;
  };
  const storedIds = async (): Promise<string[]> => (await exportJsonl(server!.url, 'durable')).map((r) => r.request_id as string);

  it('keeps every record across a clean stop, and every flushed one across SIGKILL', async () => {
    server = await startProcess({ home });
    await push(server.url, DIGITS);
    await deploy(server.url, 'durable', 'digits:1');
    await setLoop(server.url, 'durable', 'capture', { enabled: true });
    // Clean stop right after the last answer: closing flushes the buffer before the database closes.
    const first = await send(50, 0);
    await server.stop('SIGTERM');
    server = await startProcess({ home });
    expect(await storedIds()).toEqual(first);
    expect((await call<{ enabled: boolean }>(`${server.url}/api/v1/endpoints/durable/capture`)).body.enabled).toBe(true);

    // SIGKILL after a flush (GET status flushes and waits for the write): all of it is on disk.
    const second = await send(30, 50);
    expect((await loopStatus(server.url, 'durable')).capture.stats.records).toBe(80);
    await server.stop('SIGKILL');
    server = await startProcess({ home });
    expect(await storedIds()).toEqual([...first, ...second]);

    // SIGKILL with no flush: what was still in the buffer is lost. The bound is the unflushed tail — at most
    // flushIntervalMs (200 ms) of traffic or batchRecords (2000) records; everything before it is kept, in order.
    const third = await send(20, 80);
    await server.stop('SIGKILL');
    server = await startProcess({ home });
    const after = await storedIds();
    expect(after.slice(0, 80)).toEqual([...first, ...second]);
    expect(after.length).toBeGreaterThanOrEqual(80);
    expect(after.length).toBeLessThanOrEqual(100);
    expect(after.slice(80)).toEqual(third.slice(0, after.length - 80));
    console.log(`SIGKILL without a flush: ${after.length - 80} of the last 20 records survived`);
    // Capture goes on after the restarts.
    await send(1, 100);
    expect((await loopStatus(server.url, 'durable')).capture.stats.records).toBe(after.length + 1);
  });
});
