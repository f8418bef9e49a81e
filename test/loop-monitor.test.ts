// Monitors end to end on the diabetes regressor: windows of baseline-like data raise nothing, shifted features raise
// feature and prediction drift naming them, NaN inputs and schema violations raise data-quality findings, gauges carry
// the scores; alert webhooks are retried with backoff to a real receiver, fail for good with the error recorded, and
// a receiver that never answers does not slow serving down; time windows close too.

import { once } from 'node:events';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import type { LoopServer } from './loop-harness.js';
import { baselineStd, DIABETES, deploy, golden, inferRows, loopStatus, push, setLoop, shiftRows, startLoopServer, waitFor } from './loop-harness.js';
import { scrape } from './metrics.js';

const diabetes = golden(DIABETES, 'target');
const FEATURES = diabetes.features;
const SHIFTED = ['bmi', 'bp', 's5'];
const std = baselineStd(DIABETES);

let loop: LoopServer;
let cursor = 0;
/** The next `n` golden rows, replayed in a cycle. */
const nextRows = (n: number): number[][] => Array.from({ length: n }, () => [...diabetes.rows[cursor++ % diabetes.rows.length]!]);

interface Window {
  id: number;
  start: number;
  end: number;
  firstCapture: number;
  lastCapture: number;
  drifted: boolean;
  evaluation: { rows: number; requests: number; tests: number; findings: { kind: string; feature: string; check: string }[]; features: { feature: string; drifted: boolean }[] };
}
interface Event {
  id: number;
  windowId: number;
  kind: string;
  severity: string;
  features: string[];
  findings: { kind: string; feature: string; check: string; message: string }[];
}
interface Delivery {
  id: number;
  eventId: number | null;
  url: string;
  attempts: number;
  status: string;
  lastError: string | null;
  deliveredAt: string | null;
}

const windows = async (endpoint: string): Promise<Window[]> => (await call<Window[]>(`${loop.url}/api/v1/endpoints/${endpoint}/monitor/windows?limit=1000`)).body;
const events = async (endpoint: string): Promise<Event[]> => (await call<Event[]>(`${loop.url}/api/v1/monitor/events?endpoint=${endpoint}&limit=1000`)).body;
const deliveriesOf = async (eventId: number): Promise<Delivery[]> => (await call<Delivery[]>(`${loop.url}/api/v1/webhook-deliveries?event=${eventId}`)).body;

/** Sends rows in requests of 10 (the model has a batch dimension: each request is 10 captured rows). */
async function send(endpoint: string, rows: number[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 10) {
    const r = await inferRows(loop.url, endpoint, rows.slice(i, i + 10), 'value');
    expect(r.status).toBe(200);
  }
}

/** Waits until the endpoint has `count` evaluated windows (status flushes the buffer, which starts an evaluation). */
async function windowsReach(endpoint: string, count: number): Promise<Window[]> {
  return waitFor(`${count} windows of ${endpoint}`, async () => {
    await loopStatus(loop.url, endpoint);
    const list = await windows(endpoint);
    return list.length >= count ? list : undefined;
  });
}

/** FP32 rows as the binary tensor extension carries them: NaN can be sent, which JSON cannot express. */
async function inferBinary(endpoint: string, rows: number[][]): Promise<number> {
  const data = Buffer.alloc(rows.length * 10 * 4);
  rows.flat().forEach((v, i) => data.writeFloatLE(v, i * 4));
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 10], parameters: { binary_data_size: data.length } }] }));
  const r = await fetch(`${loop.url}/v2/models/${endpoint}/infer`, {
    method: 'POST', headers: { 'inference-header-content-length': String(header.length) }, body: new Uint8Array(Buffer.concat([header, data])),
  });
  await r.arrayBuffer();
  return r.status;
}

/** A webhook receiver on 127.0.0.1:0; `answer` decides each attempt's status (undefined: never answer). */
interface Receiver {
  url: string;
  attempts: Map<string, number>;
  bodies: unknown[];
  close(): Promise<void>;
}
async function receiver(answer: (attempt: number) => number | undefined): Promise<Receiver> {
  const attempts = new Map<string, number>();
  const bodies: unknown[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const delivery = String(req.headers['x-slipway-delivery']);
      const n = (attempts.get(delivery) ?? 0) + 1;
      attempts.set(delivery, n);
      bodies.push(JSON.parse(text));
      const status = answer(n);
      if (status !== undefined) res.writeHead(status).end(status >= 400 ? 'nope' : 'ok');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    attempts,
    bodies,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

const receivers: Receiver[] = [];

beforeAll(async () => {
  loop = await startLoopServer({ loop: { webhook: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 50, timeoutMs: 3000 } } });
  const pushed = await push(loop.url, DIABETES);
  expect(pushed).toMatchObject({ name: 'diabetes', version: 1 });
  expect((await call(`${loop.url}/api/v1/models/diabetes/versions/1/baseline`)).status).toBe(200);
  await deploy(loop.url, 'sugar', 'diabetes:1', { instances: 1 });
  await setLoop(loop.url, 'sugar', 'capture', { enabled: true });
  await setLoop(loop.url, 'sugar', 'monitor', { enabled: true, windowRows: 100 });
});

afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
  await loop?.close();
});

describe('drift', () => {
  it('raises nothing over windows of baseline-like data', async () => {
    await send('sugar', nextRows(400));
    const list = await windowsReach('sugar', 4);
    expect(list).toHaveLength(4);
    for (const w of list) {
      expect(w.evaluation.rows).toBe(100);
      // The windows were really tested: KS on each of the 10 features and on the prediction.
      expect(w.evaluation.tests).toBe(11);
      expect(w.drifted, JSON.stringify(w.evaluation.findings)).toBe(false);
      expect(w.evaluation.findings).toEqual([]);
    }
    expect(await events('sugar')).toEqual([]);
    const status = await loopStatus(loop.url, 'sugar');
    expect(status.monitor).toMatchObject({ problem: null, pendingRows: 0 });
    // Windows follow each other without a gap or an overlap.
    const ordered = [...list].sort((a, b) => a.id - b.id);
    for (let i = 1; i < ordered.length; i++) expect(ordered[i]!.firstCapture).toBe(ordered[i - 1]!.lastCapture + 1);
  });

  it('raises feature drift naming the shifted features, and prediction drift; webhooks retried until delivered', async () => {
    // Answers 500 to the first two attempts of each delivery, then 200.
    const flaky = await receiver((n) => (n <= 2 ? 500 : 200));
    receivers.push(flaky);
    await setLoop(loop.url, 'sugar', 'monitor', { webhook: { url: flaky.url, minSeverity: 'warning' } });
    const before = (await windows('sugar')).length;
    // +1 baseline standard deviation on three features.
    const rows = shiftRows(nextRows(200), FEATURES, SHIFTED, std);
    await send('sugar', rows);
    const list = await windowsReach('sugar', before + 2);
    const shifted = list.slice(0, 2);
    for (const w of shifted) expect(w.drifted).toBe(true);

    const raised = (await events('sugar')).filter((e) => shifted.some((w) => w.id === e.windowId));
    const drift = raised.filter((e) => e.kind === 'feature_drift');
    expect(drift).toHaveLength(2);
    for (const e of drift) {
      expect(e.features.sort()).toEqual([...SHIFTED].sort());
      expect(e.findings.every((f) => SHIFTED.includes(f.feature))).toBe(true);
    }
    expect(raised.filter((e) => e.kind === 'prediction_drift')).toHaveLength(2);
    for (const w of shifted) {
      for (const s of w.evaluation.features) expect(s.drifted, s.feature).toBe(SHIFTED.includes(s.feature));
    }

    // Gauges of the latest window, labelled by feature.
    const metric = await scrape(loop.url);
    for (const f of FEATURES) {
      expect(metric('slipway_drift_detected', { endpoint: 'sugar', feature: f }), f).toBe(SHIFTED.includes(f) ? 1 : 0);
      expect(metric('slipway_drift_score', { endpoint: 'sugar', feature: f, statistic: 'ks' }), f).toBeGreaterThan(0);
    }
    expect(metric('slipway_drift_score', { endpoint: 'sugar', feature: 'bmi', statistic: 'wasserstein_std' })).toBeGreaterThan(0.5);
    expect(metric('slipway_drift_detected', { endpoint: 'sugar', feature: 'prediction' })).toBe(1);
    expect(metric('slipway_monitor_alerts_total', { endpoint: 'sugar', kind: 'feature_drift' })).toBe(2);

    // Each event was delivered on the third attempt.
    for (const e of raised) {
      const [d] = await waitFor(`delivery of event ${e.id}`, async () => {
        const list = await deliveriesOf(e.id);
        return list.length === 1 && list[0]!.status === 'delivered' ? list : undefined;
      });
      expect(d).toMatchObject({ eventId: e.id, url: flaky.url, attempts: 3, status: 'delivered', lastError: null });
      expect(d!.deliveredAt).not.toBeNull();
      expect(flaky.attempts.get(String(d!.id))).toBe(3);
    }
    const payload = flaky.bodies.find((b) => (b as { event: { kind: string } }).event.kind === 'feature_drift') as { type: string; event: Event; window: { rows: number } };
    expect(payload.type).toBe('drift_alert');
    expect(payload.window.rows).toBe(100);
  });
});

describe('data quality', () => {
  it('raises a missing_rate finding for NaN inputs, and the delivery fails for good after maxAttempts with the error', async () => {
    const broken = await receiver(() => 503);
    receivers.push(broken);
    await setLoop(loop.url, 'sugar', 'monitor', { webhook: { url: broken.url, minSeverity: 'warning' } });
    const before = (await windows('sugar')).length;
    // 20 of 100 rows have no age (NaN), sent over the binary extension.
    const rows = nextRows(100).map((r, i) => (i % 5 === 0 ? [Number.NaN, ...r.slice(1)] : r));
    for (let i = 0; i < 100; i += 10) expect(await inferBinary('sugar', rows.slice(i, i + 10))).toBe(200);
    const [w] = await windowsReach('sugar', before + 1);
    const missing = w!.evaluation.findings.filter((f) => f.check === 'missing_rate');
    expect(missing.map((f) => f.feature)).toContain('age');
    expect(missing.find((f) => f.feature === 'age')!.kind).toBe('data_quality');
    const quality = (await events('sugar')).find((e) => e.windowId === w!.id && e.kind === 'data_quality');
    expect(quality?.features).toContain('age');

    const d = await waitFor('the failed delivery', async () => {
      const [one] = await deliveriesOf(quality!.id);
      return one?.status === 'failed' ? one : undefined;
    });
    // DEFAULT_WEBHOOK.maxAttempts: 6.
    expect(d).toMatchObject({ attempts: 6, status: 'failed', deliveredAt: null });
    expect(d.lastError).toMatch(/503/);
    expect(broken.attempts.get(String(d.id))).toBe(6);
  });

  it('raises a schema finding for requests of the wrong shape; a receiver that never answers does not slow serving', async () => {
    const hanging = await receiver(() => undefined);
    receivers.push(hanging);
    await setLoop(loop.url, 'sugar', 'monitor', { webhook: { url: hanging.url, minSeverity: 'warning' } });
    const before = (await windows('sugar')).length;
    for (let i = 0; i < 5; i++) {
      const bad = await fetch(`${loop.url}/v2/models/sugar/infer`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 9], data: new Array(9).fill(0) }] }),
      });
      expect(bad.status).toBe(400);
    }
    await send('sugar', nextRows(100));
    const [w] = await windowsReach('sugar', before + 1);
    const schema = w!.evaluation.findings.find((f) => f.check === 'schema');
    expect(schema).toMatchObject({ kind: 'data_quality', feature: '(request)' });
    expect(w!.evaluation.requests).toBe(15);
    // The alert went out and the receiver holds it without answering.
    await waitFor('the hanging receiver to be called', async () => hanging.bodies.length > 0);

    // Serving meanwhile, on the same endpoint whose alert is stuck: answers come as quickly as ever.
    const latencies: number[] = [];
    for (let i = 0; i < 100; i++) {
      const r = await inferRows(loop.url, 'sugar', nextRows(1), 'value');
      expect(r.status).toBe(200);
      latencies.push(r.ms);
    }
    latencies.sort((a, b) => a - b);
    const p50 = latencies[49]!;
    const p99 = latencies[98]!;
    console.log(`serving while the webhook receiver hangs: p50 ${p50.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies[99]!.toFixed(1)} ms`);
    // Blocking on the receiver would cost its whole 3 s timeout; a second is far above any healthy answer here.
    expect(p99).toBeLessThan(1000);
    const [pending] = (await deliveriesOf((await events('sugar')).find((e) => e.windowId === w!.id)!.id));
    expect(pending!.status).toBe('pending');
  });
});

describe('time windows', () => {
  it('closes windows of 2 s aligned to their width', async () => {
    await deploy(loop.url, 'sugar-time', 'diabetes:1');
    await setLoop(loop.url, 'sugar-time', 'capture', { enabled: true });
    await setLoop(loop.url, 'sugar-time', 'monitor', { enabled: true, window: '2s' });
    const started = Date.now();
    for (let i = 0; i < 6; i++) {
      const r = await inferRows(loop.url, 'sugar-time', nextRows(10), 'value');
      expect(r.status).toBe(200);
    }
    // The 60 rows were sent within a few hundred ms: one or two windows hold them all once both have closed.
    const all = await waitFor('all 60 rows in windows', async () => {
      await loopStatus(loop.url, 'sugar-time');
      const l = await windows('sugar-time');
      return l.reduce((n, x) => n + x.evaluation.rows, 0) === 60 ? l : undefined;
    }, 15_000);
    expect(all.length).toBeLessThanOrEqual(2);
    for (const w of all) {
      expect(w.end - w.start).toBe(2000);
      expect(w.start % 2000).toBe(0);
      expect(w.end).toBeGreaterThan(started);
      expect(w.evaluation.rows).toBeGreaterThan(0);
    }
  });
});
