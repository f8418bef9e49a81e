// The Monitoring page in a real browser against a real server: shifted traffic to a monitored endpoint (diabetes,
// capture on, 100-row windows) marks exactly the shifted features in the heatmap's new window; the grid moves with
// the arrow keys; a cell opens the baseline's and the window's histograms; an alert lists its failed webhook attempt;
// a retraining run is listed with its log.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import { baselineStd, DIABETES, golden, inferRows, setLoop, shiftRows } from './loop-harness.js';
import { launchBrowser, startDashboardServer, waitUntil, watchedPage, type DashboardServer } from './support/dashboard.js';

const diabetes = golden(DIABETES, 'target');
const SHIFTED = ['bmi', 'bp', 's5'];
const std = baselineStd(DIABETES);

let server: DashboardServer;
let browser: Browser;
let hook: Server;
let cursor = 0;
const nextRows = (n: number): number[][] => Array.from({ length: n }, () => [...diabetes.rows[cursor++ % diabetes.rows.length]!]);

async function send(rows: number[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 10) expect((await inferRows(server.url, 'diabetes', rows.slice(i, i + 10), 'value')).status).toBe(200);
}

async function windowCount(): Promise<number> {
  const r = await call<{ windows: unknown[] }>(`${server.url}/api/v1/endpoints/diabetes/monitor/heatmap`);
  return r.status === 200 ? r.body.windows.length : 0;
}

beforeAll(async () => {
  // A webhook receiver that always fails: the alert shows its attempts and the retry due.
  hook = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(500).end());
  });
  hook.listen(0, '127.0.0.1');
  await once(hook, 'listening');
  [server, browser] = await Promise.all([startDashboardServer(), launchBrowser()]);
  await setLoop(server.url, 'diabetes', 'capture', { enabled: true, sampleRate: 1 });
  await setLoop(server.url, 'diabetes', 'monitor', {
    enabled: true, windowRows: 100, webhook: { url: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook`, minSeverity: 'warning' },
  });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (hook) {
    hook.closeAllConnections();
    hook.close();
  }
});

describe('monitoring page', () => {
  it('marks the shifted features in the new window, and a cell shows the baseline\'s and the window\'s histograms', async () => {
    await send(nextRows(100));
    await waitUntil(async () => (await windowCount()) >= 1, 20_000, 'a first window');
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}/monitoring/diabetes`);
    await page.waitForSelector('table.heatmap-table button.heat-cell');
    // The first window is like the baseline: nothing marked.
    expect(await page.locator('button.heat-cell[data-drifted="true"]').count()).toBe(0);

    await send(shiftRows(nextRows(100), diabetes.features, SHIFTED, std));
    await waitUntil(async () => (await windowCount()) >= 2, 20_000, 'a second window');
    const heatmap = (await call<{ windows: { id: number }[] }>(`${server.url}/api/v1/endpoints/diabetes/monitor/heatmap`)).body;
    const newest = heatmap.windows[heatmap.windows.length - 1]!.id;
    // The page polls every 5 s: the new column appears without a reload.
    const column = page.locator(`button.heat-cell[data-window="${newest}"]`);
    await column.first().waitFor({ timeout: 10_000 });

    const marked = page.locator(`button.heat-cell.drifted[data-window="${newest}"][aria-label^="feature "]`);
    const markedFeatures = await marked.evaluateAll((els) => els.map((e) => e.getAttribute('data-feature')));
    expect(markedFeatures.sort()).toEqual([...SHIFTED].sort());
    for (const label of await marked.evaluateAll((els) => els.map((e) => e.getAttribute('aria-label') ?? ''))) {
      expect(label).toMatch(/window \d+ .*KS p-value .*drifted: past the alert threshold/);
    }
    // Unshifted features in the same window read as no drift, and carry no ▲.
    const calm = page.locator(`button.heat-cell[data-window="${newest}"][data-feature="age"]`);
    expect(await calm.getAttribute('aria-label')).toContain('no drift');
    expect((await calm.textContent())?.trim()).toBe('');
    // Prediction drift has its own rows: the output moved with its inputs.
    expect(await page.locator(`button.heat-cell.drifted[data-window="${newest}"][aria-label^="output "]`).count()).toBe(1);
    // The legend states the threshold.
    expect(await page.locator('.drift-legend').getAttribute('aria-label')).toContain('alert threshold p <');

    // One tab stop; arrow keys move between cells.
    const bmi = page.locator(`button.heat-cell[data-window="${newest}"][data-feature="bmi"]`);
    await bmi.focus();
    await page.keyboard.press('ArrowDown');
    const focusedFeature = await page.locator('button.heat-cell:focus').getAttribute('data-feature');
    expect(focusedFeature).toBe(diabetes.features[diabetes.features.indexOf('bmi') + 1]);
    await page.keyboard.press('ArrowUp');

    // Enter opens the cell: two histograms on the same 20 bins, both with data, the window's mass to the right.
    await page.keyboard.press('Enter');
    const panel = page.locator('section.cell-panel[data-feature="bmi"]');
    await panel.locator('g.hist-window rect').first().waitFor({ state: 'attached' });
    const series = await panel.locator('g.hist-series').evaluateAll((groups) => groups.map((g) => ({
      name: g.getAttribute('data-series'),
      heights: [...g.querySelectorAll('rect')].map((r) => Number(r.getAttribute('height'))),
    })));
    expect(series.map((s) => s.name)).toEqual(['baseline', `window ${newest}`]);
    for (const s of series) {
      expect(s.heights).toHaveLength(20);
      expect(s.heights.filter((h) => h > 0).length).toBeGreaterThan(3);
    }
    const centre = (h: number[]): number => h.reduce((a, x, i) => a + x * i, 0) / h.reduce((a, x) => a + x, 0);
    expect(centre(series[1]!.heights)).toBeGreaterThan(centre(series[0]!.heights));
    expect(await panel.locator('.hist-legend').textContent()).toMatch(/Baseline.*Window/);
    expect(await panel.locator('.cell-stats').textContent()).toContain('drifted');
    expect(await bmi.getAttribute('aria-pressed')).toBe('true');
    // Escape closes the panel and focus returns to the cell.
    await page.keyboard.press('Escape');
    await panel.waitFor({ state: 'detached' });
    expect(await page.locator('button.heat-cell:focus').getAttribute('data-feature')).toBe('bmi');
    await bmi.click();
    await panel.locator('g.hist-window rect').first().waitFor({ state: 'attached' });

    // The drift alert lists its webhook delivery with the failed attempt (HTTP 500) and the retry due.
    const attempt = page.locator('.alert-item .delivery table tbody tr', { hasText: '500' });
    await attempt.first().waitFor({ state: 'attached', timeout: 15_000 });

    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('lists a retraining run with its dataset and shows its log', async () => {
    // A job that reads its dataset's path and fails: a failed run with a log (no Python needed).
    const job = "console.log('training on ' + process.env.SLIPWAY_DATASET); process.exit(3)";
    await setLoop(server.url, 'diabetes', 'retrain', { enabled: true, onDrift: false, command: [process.execPath, '-e', job], dataset: { format: 'csv' } });
    const started = await call<{ id: number }>(`${server.url}/api/v1/endpoints/diabetes/retrain/runs`, 'POST');
    expect(started.status).toBe(202);
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}/monitoring/diabetes`);
    const row = page.locator('section[aria-labelledby="retrain-title"] tbody tr', { hasText: `#${started.body.id}` });
    await row.locator('text=failed').waitFor({ timeout: 20_000 });
    expect(await row.textContent()).toContain('manual');
    // The exported dataset's file and its row count.
    expect(await row.textContent()).toMatch(/\.csv.*\(\d+ rows\)/);
    await row.getByRole('button', { name: 'Show log' }).click();
    const log = page.locator('.run-log pre');
    await waitUntil(async () => ((await log.textContent()) ?? '').includes('training on '), 10_000, 'the run\'s log');
    expect(await page.locator('.run-log').textContent()).toContain('Exit code 3');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
