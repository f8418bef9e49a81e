// Dynamic batching, backpressure, deadlines and disconnects through the real server, checked with its own metrics.

import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, infer } from './http.js';
import { scrape } from './metrics.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');
let server: ServerProcess;

async function cli(...args: string[]): Promise<void> {
  const r = await runCli(server.url, args);
  if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
}

/** Deterministic pseudo-random floats, so a failure reproduces. */
function floats(n: number, seed: number): number[] {
  let s = seed;
  return Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return Math.round((s / 2147483648) * 16 * 100) / 100;
  });
}

const slowRequest = (rows: number): object => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 256], data: new Array(rows * 256).fill(0.01) }] });

beforeAll(async () => {
  server = await startServer();
  await cli('push', join(ROOT, 'examples', 'digits'));
  await cli('deploy', 'digits-batched', '--model', 'digits:1', '--max-batch-size', '64', '--max-queue-delay-us', '3000');
  await cli('deploy', 'digits-solo', '--model', 'digits:1', '--instances', '1', '--max-batch-size', '1');
  await cli('push', join(FIXTURES, 'all_types.onnx'), '--name', 'types');
  await cli('deploy', 'types', '--model', 'types', '--max-batch-size', '32', '--max-queue-delay-us', '5000');
  await cli('push', join(FIXTURES, 'slow.onnx'), '--name', 'slow');
  // One instance, no batching (a deploy without them would pick them for the host): the tests count what runs and queues.
  await cli('deploy', 'slow', '--model', 'slow', '--instances', '1', '--max-batch-size', '1', '--max-queue-size', '4');
});

afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
});

describe('dynamic batching', () => {
  it('answers batched requests exactly as unbatched ones, and really batches them', async () => {
    const requests = Array.from({ length: 48 }, (_, i) => {
      const rows = 1 + (i % 3);
      return { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 64], data: floats(rows * 64, i + 1) }] };
    });
    const batched = await Promise.all(requests.map((r) => infer(server.url, 'digits-batched', r)));
    const solo = [];
    for (const r of requests) solo.push(await infer(server.url, 'digits-solo', r));
    for (let i = 0; i < requests.length; i++) {
      expect(batched[i]!.status).toBe(200);
      expect(batched[i]!.body.outputs).toEqual(solo[i]!.body.outputs);
    }
    const m = await scrape(server.url);
    const labels = { model: 'digits-batched', version: '1' };
    expect(m('nv_inference_request_success', labels)).toBe(48);
    expect(m('nv_inference_count', labels)).toBe(requests.reduce((n, r) => n + r.inputs[0]!.shape[0]!, 0));
    // 48 concurrent requests with a 3 ms window: far fewer executions than requests
    expect(m('nv_inference_exec_count', labels)).toBeLessThan(24);
    expect(m('slipway_batch_size_count', { endpoint: 'digits-batched' })).toBe(m('nv_inference_exec_count', labels));
    expect(m('nv_inference_exec_count', { model: 'digits-solo', version: '1' })).toBe(48);
  });

  it('never puts requests of different shapes in one batch', async () => {
    const requests = Array.from({ length: 24 }, (_, i) => {
      const cols = 1 + (i % 3);
      return { inputs: [{ name: 'int32_in', datatype: 'INT32', shape: [1, cols], data: Array.from({ length: cols }, (_, c) => i * 10 + c) }], outputs: [{ name: 'int32_out' }] };
    });
    const replies = await Promise.all(requests.map((r) => infer(server.url, 'types', { ...r, inputs: [...r.inputs, ...otherTypeInputs(r.inputs[0]!.shape)] })));
    replies.forEach((reply, i) => {
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
      expect(reply.body.outputs[0]!.shape).toEqual(requests[i]!.inputs[0]!.shape);
      expect(reply.body.outputs[0]!.data).toEqual(requests[i]!.inputs[0]!.data);
    });
  });

  it('refuses dynamic batching for a model without a dynamic first dimension', async () => {
    await cli('push', join(FIXTURES, 'static_batch.onnx'), '--name', 'static');
    const r = await runCli(server.url, ['deploy', 'static', '--model', 'static', '--max-batch-size', '8']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(
      'error: 400: model static:1 cannot use dynamic batching (maxBatchSize 8): input "x" has shape [1,3]; ' +
        'dynamic batching needs a dynamic first dimension (-1) on every input and output\n',
    );
    expect((await runCli(server.url, ['deploy', 'static', '--model', 'static'])).code).toBe(0);
  });
});

/** all_types needs every input; the others ride along at the same shape. */
function otherTypeInputs(shape: number[]): object[] {
  const n = shape[0]! * shape[1]!;
  const zeros = new Array(n).fill(0);
  return [
    { name: 'bool_in', datatype: 'BOOL', shape, data: new Array(n).fill(false) },
    ...['int8', 'int16', 'int64', 'uint8', 'uint16', 'uint32', 'uint64'].map((t) => ({ name: `${t}_in`, datatype: t.toUpperCase(), shape, data: zeros })),
    { name: 'float16_in', datatype: 'FP16', shape, data: zeros },
    { name: 'float_in', datatype: 'FP32', shape, data: zeros },
    { name: 'double_in', datatype: 'FP64', shape, data: zeros },
    { name: 'string_in', datatype: 'BYTES', shape, data: new Array(n).fill('s') },
  ];
}

describe('backpressure, deadlines, disconnects', () => {
  it('refuses at once with 429 and Retry-After when the queue is full; accepted requests all succeed', async () => {
    const replies = await Promise.all(Array.from({ length: 24 }, () => infer(server.url, 'slow', slowRequest(16))));
    const ok = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 429);
    expect(ok.length + refused.length).toBe(24);
    expect(ok.length).toBeGreaterThanOrEqual(5); // one running + four queued
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.headers.get('retry-after')).toBe('1');
    for (const r of refused) {
      // refused either at the headers (every queue full) or by the queue itself
      expect(r.body as unknown as { error: string; code: string }).toMatchObject({
        code: 'overloaded', error: expect.stringMatching(/(model slow:1 has 4 requests waiting \(its maxQueueSize\)|endpoint "slow" has every variant's queue full); retry shortly$/),
      });
    }
    const m = await scrape(server.url);
    expect(m('nv_inference_request_failure', { model: 'slow', reason: 'overloaded' })).toBe(refused.length);
  });

  it('refuses a saturated endpoint at the headers, before the client has sent its body', async () => {
    // One instance, no batching (a deploy without them would pick them for the host): one runs, one queues.
    await cli('deploy', 'slow-tight', '--model', 'slow', '--instances', '1', '--max-batch-size', '1', '--max-queue-size', '1');
    // one request runs, one waits (the limit) for tens of milliseconds: the endpoint is saturated meanwhile
    const busy = Promise.all(Array.from({ length: 2 }, () => infer(server.url, 'slow-tight', slowRequest(64))));
    await new Promise((r) => setTimeout(r, 15));
    const status = await new Promise<number | string>((resolve) => {
      const req = httpRequest(`${server.url}/v2/models/slow-tight/infer`, { method: 'POST', headers: { 'content-length': String(1024 * 1024) } });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
        req.destroy();
      });
      req.on('error', (err) => resolve(err.message));
      req.flushHeaders(); // headers only: the body never comes
      setTimeout(() => {
        resolve('no answer without the body');
        req.destroy();
      }, 5000);
    });
    expect(status).toBe(429);
    expect((await busy).map((r) => r.status)).toEqual([200, 200]);
  });

  it('answers 504 without running the model when the deadline passes before it can run', async () => {
    const before = (await scrape(server.url))('nv_inference_exec_count', { model: 'slow' });
    const busy = Promise.all(Array.from({ length: 3 }, () => infer(server.url, 'slow', slowRequest(32))));
    const late = await call<{ error: string; code: string }>(`${server.url}/v2/models/slow/infer`, 'POST', slowRequest(1), { 'x-slipway-timeout-ms': '5' });
    expect(late.status).toBe(504);
    expect(late.body.code).toBe('deadline_exceeded');
    const param = await infer(server.url, 'slow', { ...slowRequest(1), parameters: { timeout: 5000 } });
    expect(param.status).toBe(504);
    await busy;
    const m = await scrape(server.url);
    expect(m('nv_inference_exec_count', { model: 'slow' }) - before).toBe(3);
    expect(m('nv_inference_request_failure', { model: 'slow', reason: 'deadline' })).toBe(2);
  });

  it('drops a queued request whose client disconnected', async () => {
    const before = await scrape(server.url);
    const busy = Promise.all(Array.from({ length: 2 }, () => infer(server.url, 'slow', slowRequest(32))));
    await new Promise((r) => setTimeout(r, 20));
    const body = JSON.stringify(slowRequest(1));
    const req = httpRequest(`${server.url}/v2/models/slow/infer`, { method: 'POST', headers: { 'content-length': Buffer.byteLength(body) } });
    req.on('error', () => undefined);
    req.end(body);
    await new Promise((r) => setTimeout(r, 30));
    req.destroy();
    await busy;
    await new Promise((r) => setTimeout(r, 100));
    const after = await scrape(server.url);
    expect(after('nv_inference_exec_count', { model: 'slow' }) - before('nv_inference_exec_count', { model: 'slow' })).toBe(2);
    expect(after('nv_inference_request_failure', { model: 'slow', reason: 'cancelled' })).toBe(1);
    expect(after('nv_inference_pending_request_count', { model: 'slow' })).toBe(0);
  });

  it('exposes process metrics and Slipway histograms', async () => {
    const text = await (await fetch(`${server.url}/metrics`)).text();
    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes', 'slipway_request_duration_seconds_bucket', 'nv_inference_queue_duration_us', 'nv_inference_compute_infer_duration_us', 'nv_inference_request_duration_us']) {
      expect(text).toContain(name);
    }
  });
});

describe('polling for the next request', () => {
  const row = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: floats(64, 7) }] };

  it('polls after the last request in flight by default, within 500 µs, and says what it spent', async () => {
    for (let i = 0; i < 20; i++) expect((await infer(server.url, 'digits-solo', row)).status).toBe(200);
    const after = await scrape(server.url);
    // Since the server started: the window starts at 500 µs, and this test's requests, some ms apart, shrink it.
    expect(after('slipway_idle_poll_seconds_total')).toBeGreaterThan(0);
    const window = after('slipway_idle_poll_window_seconds');
    expect(window).toBeGreaterThanOrEqual(0);
    expect(window).toBeLessThanOrEqual(0.0005);
  });

  it('polls never with --idle-poll-us 0, and answers the same', async () => {
    const off = await startServer({ args: ['--idle-poll-us', '0'] });
    try {
      const r = await runCli(off.url, ['push', join(ROOT, 'examples', 'digits')]);
      expect(r.code, r.stderr).toBe(0);
      expect((await runCli(off.url, ['deploy', 'digits', '--model', 'digits:1'])).code).toBe(0);
      const answers = [];
      for (let i = 0; i < 10; i++) answers.push(await infer(off.url, 'digits', row));
      const polled = await infer(server.url, 'digits-solo', row);
      for (const a of answers) expect(a.body.outputs).toEqual(polled.body.outputs);
      const m = await scrape(off.url);
      expect(m('slipway_idle_poll_seconds_total')).toBe(0);
      expect(m('slipway_idle_poll_window_seconds')).toBe(0);
    } finally {
      await off.stop();
      removeHome(off.home);
    }
  });

  it('refuses a poll past 10 ms at start, naming the setting', async () => {
    await expect(startServer({ args: ['--idle-poll-us', '20000'] })).rejects.toThrow(/idlePollMicros: expected an integer from 0 \(off\) to 10000 µs, got 20000/);
  });
});
