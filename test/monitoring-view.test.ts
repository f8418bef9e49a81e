// The Monitoring page's data over real HTTP on the diabetes regressor: shifted traffic shows in the drift heatmap's new
// window on the shifted features only; a cell answers the baseline's and the window's histograms on the same bins;
// findings per window; alerts carry their webhook deliveries with every attempt; the baseline's histograms; the
// OpenAPI document describes the routes; unknown names and ids are 404, and the admin token guards them.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import type { LoopServer } from './loop-harness.js';
import { baselineStd, DIABETES, deploy, golden, inferRows, loopStatus, push, setLoop, shiftRows, startLoopServer, waitFor } from './loop-harness.js';

const diabetes = golden(DIABETES, 'target');
const FEATURES = diabetes.features;
const SHIFTED = ['bmi', 'bp', 's5'];
const std = baselineStd(DIABETES);

interface Cell { pValue: number | null; psi: number | null; drifted: boolean; test: string | null }
interface Heatmap {
  endpoint: string;
  threshold: { metric: string; value: number; psiWarning: number | null };
  features: string[];
  outputs: string[];
  windows: { id: number; rows: number; drifted: boolean; alphaPerTest: number; findings: Record<string, number> }[];
  cells: (Cell | null)[][];
  outputCells: (Cell | null)[][];
}
interface Counts { counts: number[]; total: number; missing: number; below: number; above: number }
interface WindowFeature {
  windowId: number;
  feature: string;
  output: boolean;
  kind: string;
  edges: number[];
  baseline: Counts;
  window: Counts;
  score: { drifted: boolean; ks?: { pValue: number } } | null;
  findings: { feature: string; check: string }[];
}
interface Alert {
  id: number;
  kind: string;
  features: string[];
  deliveries: { status: string; attempts: number; attemptLog: { time: number; statusCode: number | null; error: string | null; nextAttemptAt: number | null }[] }[];
}

let loop: LoopServer;
let hook: Server;
let hookUrl = '';
const hookAttempts = new Map<string, number>();
let cursor = 0;
const nextRows = (n: number): number[][] => Array.from({ length: n }, () => [...diabetes.rows[cursor++ % diabetes.rows.length]!]);

async function send(rows: number[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 10) expect((await inferRows(loop.url, 'sugar', rows.slice(i, i + 10), 'value')).status).toBe(200);
}

async function heatmapWith(windows: number): Promise<Heatmap> {
  return waitFor(`${windows} windows in the heatmap`, async () => {
    await loopStatus(loop.url, 'sugar');
    const r = await call<Heatmap>(`${loop.url}/api/v1/endpoints/sugar/monitor/heatmap?windows=10`);
    expect(r.status).toBe(200);
    return r.body.windows.length >= windows ? r.body : undefined;
  });
}

/** Mean bin index of counts: where the mass of a histogram sits. */
const centre = (counts: number[]): number => counts.reduce((a, c, i) => a + c * i, 0) / counts.reduce((a, c) => a + c, 0);

beforeAll(async () => {
  // Answers 500 to each delivery's first attempt, then 200.
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const id = String(req.headers['x-slipway-delivery']);
      const n = (hookAttempts.get(id) ?? 0) + 1;
      hookAttempts.set(id, n);
      res.writeHead(n === 1 ? 500 : 200).end();
    });
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
  hookUrl = `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`;
  loop = await startLoopServer({ loop: { webhook: { baseDelayMs: 50, maxDelayMs: 200, pollMs: 50, timeoutMs: 3000 } } });
  await push(loop.url, DIABETES);
  await deploy(loop.url, 'sugar', 'diabetes:1', { instances: 1 });
  await setLoop(loop.url, 'sugar', 'capture', { enabled: true });
  await setLoop(loop.url, 'sugar', 'monitor', { enabled: true, windowRows: 100, webhook: { url: hookUrl, minSeverity: 'warning' } });
});

afterAll(async () => {
  await loop?.close();
  if (hook) {
    hook.closeAllConnections();
    hook.close();
  }
});

describe('monitoring views', () => {
  it('marks the shifted features in the new window of the heatmap, and only them', async () => {
    await send(nextRows(100));
    await heatmapWith(1);
    await send(shiftRows(nextRows(100), FEATURES, SHIFTED, std));
    const h = await heatmapWith(2);
    expect(h.endpoint).toBe('sugar');
    expect(h.threshold).toMatchObject({ metric: 'pValue', value: 0.01, psiWarning: 0.1 });
    expect([...h.features].sort()).toEqual([...FEATURES].sort());
    expect(h.windows.map((w) => w.rows)).toEqual([100, 100]);
    const [before, after] = h.windows;
    expect(before!.id).toBeLessThan(after!.id);
    expect(before!.drifted).toBe(false);
    expect(after!.drifted).toBe(true);
    expect(after!.findings.feature_drift).toBeGreaterThanOrEqual(SHIFTED.length);
    h.features.forEach((feature, row) => {
      const [old, now] = h.cells[row]!;
      expect(old!.drifted, feature).toBe(false);
      expect(now!.drifted, feature).toBe(SHIFTED.includes(feature));
      expect(now!.test).toBe('ks');
      if (SHIFTED.includes(feature)) expect(now!.pValue!).toBeLessThan(after!.alphaPerTest);
    });
    // The prediction moved with its inputs.
    expect(h.outputs).toHaveLength(1);
    expect(h.outputCells[0]![1]!.drifted).toBe(true);
  });

  it('answers a cell with the baseline\'s and the window\'s histograms on the same bins, the window\'s mass moved', async () => {
    const h = await heatmapWith(2);
    const newest = h.windows[1]!.id;
    const r = await call<WindowFeature>(`${loop.url}/api/v1/endpoints/sugar/monitor/windows/${newest}/features/bmi`);
    expect(r.status).toBe(200);
    const cell = r.body;
    expect(cell).toMatchObject({ windowId: newest, feature: 'bmi', output: false, kind: 'numeric' });
    expect(cell.edges).toHaveLength(21);
    expect(cell.baseline.counts).toHaveLength(20);
    expect(cell.window.counts).toHaveLength(20);
    expect(cell.window.total + cell.window.below + cell.window.above + cell.window.missing).toBe(100);
    expect(cell.baseline.total).toBeGreaterThan(100);
    expect(centre(cell.window.counts)).toBeGreaterThan(centre(cell.baseline.counts));
    expect(cell.score!.drifted).toBe(true);
    expect(cell.findings.some((f) => f.feature === 'bmi' && f.check === 'ks')).toBe(true);

    // An unshifted feature in the same window: no finding; the older window: the same shape for bmi.
    const calm = await call<WindowFeature>(`${loop.url}/api/v1/endpoints/sugar/monitor/windows/${newest}/features/age`);
    expect(calm.body.score!.drifted).toBe(false);
    expect(calm.body.findings).toEqual([]);
    const older = await call<WindowFeature>(`${loop.url}/api/v1/endpoints/sugar/monitor/windows/${h.windows[0]!.id}/features/bmi`);
    expect(Math.abs(centre(older.body.window.counts) - centre(older.body.baseline.counts))).toBeLessThan(Math.abs(centre(cell.window.counts) - centre(cell.baseline.counts)));
    // The model's output is a cell too.
    const output = await call<WindowFeature>(`${loop.url}/api/v1/endpoints/sugar/monitor/windows/${newest}/features/${encodeURIComponent(h.outputs[0]!)}`);
    expect(output.body).toMatchObject({ output: true, kind: 'numeric' });
  });

  it('lists findings per window, of one kind', async () => {
    const r = await call<{ windowId: number; findings: { kind: string; feature: string }[] }[]>(`${loop.url}/api/v1/endpoints/sugar/monitor/findings?kind=feature_drift`);
    expect(r.status).toBe(200);
    expect(r.body).toHaveLength(1);
    expect(r.body[0]!.findings.every((f) => f.kind === 'feature_drift' && SHIFTED.includes(f.feature))).toBe(true);
    expect((await call(`${loop.url}/api/v1/endpoints/sugar/monitor/findings?kind=nonsense`)).status).toBe(400);
  });

  it('shows each alert with its webhook delivery and every attempt: the failed one with its retry, then the success', async () => {
    const alerts = await waitFor('delivered alerts', async () => {
      const r = await call<Alert[]>(`${loop.url}/api/v1/endpoints/sugar/monitor/alerts`);
      return r.body.length > 0 && r.body.every((a) => a.deliveries[0]?.status === 'delivered') ? r.body : undefined;
    });
    // The shift also pushes values past the baseline's range: a data-quality alert may come with the drift ones.
    expect(alerts.map((a) => a.kind)).toEqual(expect.arrayContaining(['feature_drift', 'prediction_drift']));
    for (const alert of alerts) {
      const [d] = alert.deliveries;
      expect(d!.attempts).toBe(2);
      expect(d!.attemptLog).toHaveLength(2);
      const [failed, ok] = d!.attemptLog;
      expect(failed).toMatchObject({ statusCode: 500, error: expect.stringContaining('500') });
      expect(failed!.nextAttemptAt!).toBeGreaterThan(failed!.time);
      expect(ok).toMatchObject({ statusCode: 200, error: null, nextAttemptAt: null });
      expect(ok!.time).toBeGreaterThanOrEqual(failed!.time);
      // Headers (which may carry credentials) and the payload are not part of the alert view.
      expect(Object.keys(d!)).not.toContain('headers');
    }
  });

  it('answers the baseline\'s per-feature histograms', async () => {
    const r = await call<{ model: string; rows: number; features: { name: string; kind: string; edges: number[]; counts: number[]; quantiles: unknown[] }[]; outputs: unknown[] }>(
      `${loop.url}/api/v1/models/diabetes/versions/1/baseline/histograms`,
    );
    expect(r.status).toBe(200);
    expect(r.body.model).toBe('diabetes:1');
    expect(r.body.features.map((f) => f.name)).toEqual(FEATURES);
    for (const f of r.body.features) {
      expect(f.kind).toBe('numeric');
      expect(f.edges).toHaveLength(f.counts.length + 1);
      expect(f.quantiles.length).toBeGreaterThan(0);
    }
    expect(r.body.outputs).toHaveLength(1);
  });

  it('says 404 for unknown endpoints, windows, features and versions, and describes every route in the OpenAPI document', async () => {
    const h = await heatmapWith(2);
    const id = h.windows[1]!.id;
    const notFound = async (path: string, words: string): Promise<void> => {
      const r = await call<{ error: string; code: string }>(`${loop.url}${path}`);
      expect(r.status, path).toBe(404);
      expect(r.body.code).toBe('not_found');
      expect(r.body.error).toContain(words);
    };
    await notFound('/api/v1/endpoints/nope/monitor/heatmap', 'nope');
    await notFound(`/api/v1/endpoints/sugar/monitor/windows/${id + 1000}/features/bmi`, `${id + 1000}`);
    await notFound(`/api/v1/endpoints/sugar/monitor/windows/${id}/features/height`, 'height');
    await notFound('/api/v1/endpoints/nope/monitor/alerts', 'nope');
    await notFound('/api/v1/models/diabetes/versions/9/baseline/histograms', 'diabetes');
    expect((await call(`${loop.url}/api/v1/endpoints/sugar/monitor/heatmap?windows=0`)).status).toBe(400);

    const doc = await call<{ paths: Record<string, Record<string, { responses: Record<string, { content?: { 'application/json'?: { schema?: { properties?: object } } } }> }>> }>(`${loop.url}/api/docs/json`);
    for (const path of [
      '/api/v1/endpoints/{name}/monitor/heatmap', '/api/v1/endpoints/{name}/monitor/windows/{id}/features/{feature}',
      '/api/v1/endpoints/{name}/monitor/findings', '/api/v1/endpoints/{name}/monitor/alerts',
      '/api/v1/models/{name}/versions/{version}/baseline/histograms',
    ]) {
      expect(doc.body.paths[path]?.get?.responses['200'], path).toBeDefined();
    }
    expect(doc.body.paths['/api/v1/endpoints/{name}/monitor/heatmap']!.get!.responses['200']!.content!['application/json']!.schema!.properties).toHaveProperty('cells');
  });
});

describe('monitoring views behind the admin token', () => {
  let guarded: LoopServer;
  beforeAll(async () => {
    guarded = await startLoopServer({}, { adminToken: 'dash-secret' });
  });
  afterAll(async () => {
    await guarded?.close();
  });

  it('refuses a request without the token and answers one with it', async () => {
    const path = `${'/api/v1/endpoints/none/monitor/heatmap'}`;
    expect((await call(`${guarded.url}${path}`)).status).toBe(401);
    expect((await call(`${guarded.url}${path}`, 'GET', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await call(`${guarded.url}${path}`, 'GET', undefined, { authorization: 'Bearer dash-secret' })).status).toBe(404);
    for (const p of ['/api/v1/endpoints/none/rollouts', '/api/v1/endpoints/none/rollout/timeline', '/api/v1/endpoints/none/monitor/alerts']) {
      expect((await call(`${guarded.url}${p}`)).status, p).toBe(401);
    }
  });
});
