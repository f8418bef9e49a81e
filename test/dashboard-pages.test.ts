// The dashboard in a real browser against a real server: every page loads clean, the overview and the endpoint page
// show live numbers while traffic flows, deep links reload, the spec restores, and the first page fits its budget.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_ROOT } from '../src/api/dashboard-files.js';
import { call } from './http.js';
import { launchBrowser, sendTraffic, startDashboardServer, waitUntil, watchedPage, type DashboardServer } from './support/dashboard.js';

let server: DashboardServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDashboardServer(), launchBrowser()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

const PAGES = ['/', '/endpoints/digits', '/rollouts', '/rollouts/digits', '/models', '/models/digits', '/monitoring', '/monitoring/digits'];

describe('dashboard pages', () => {
  it('loads every page with no console error, no failed request and no error response', async () => {
    const { page, problems } = await watchedPage(browser);
    for (const path of PAGES) {
      await page.goto(`${server.url}${path}`);
      await page.waitForSelector('main h1');
      // Long enough for each page's first polls to come back.
      await page.waitForTimeout(800);
      expect(problems, `on ${path}`).toEqual([]);
      expect(await page.locator('.error-box').count(), `error shown on ${path}`).toBe(0);
    }
    await page.context().close();
  });

  it('shows every endpoint on the overview with live numbers once traffic flows', async () => {
    const { page, problems } = await watchedPage(browser);
    const traffic = sendTraffic(server.url, 'digits', server.requests.digits!);
    try {
      await page.goto(server.url);
      await page.waitForSelector('text=diabetes');
      const rps = page.locator('tr', { has: page.locator('a[href="/endpoints/digits"]') }).locator('[data-field="rps"]');
      await waitUntil(async () => Number(await rps.textContent()) > 0, 15_000, 'digits req/s above 0 on the overview');
      // A sparkline with a line drawn.
      expect(await page.locator('svg.sparkline polyline').count()).toBeGreaterThan(0);
    } finally {
      await traffic.stop();
    }
    expect(traffic.sent).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('grows the endpoint page\'s charts every second while traffic flows', async () => {
    const { page, problems } = await watchedPage(browser);
    const traffic = sendTraffic(server.url, 'digits', server.requests.digits!);
    try {
      await page.goto(`${server.url}/endpoints/digits`);
      const throughput = page.locator('figure.chart[aria-label^="Throughput"]');
      await throughput.waitFor();
      const points = async (): Promise<number> => Number(await throughput.getAttribute('data-points'));
      await waitUntil(async () => (await points()) > 0, 10_000, 'first points');
      const first = await points();
      await waitUntil(async () => (await points()) >= first + 2, 10_000, 'two more points');
      // uPlot drew into a canvas, and the latency chart has p50 and p99 lines.
      expect(await page.locator('figure.chart canvas').count()).toBeGreaterThan(3);
      expect(await page.locator('figure.chart[aria-label^="Latency"] .u-legend').textContent()).toContain('p99');
    } finally {
      await traffic.stop();
    }
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('reloads deep links as pages, and leaves /api, /v2 and /metrics alone', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}/endpoints/digits`);
    await page.getByRole('link', { name: 'Models' }).click();
    await page.waitForURL(`${server.url}/models`);
    await page.waitForSelector('main h1:text("Models")');
    await page.goBack();
    await page.waitForSelector('main h1:has-text("Endpoint")');
    for (const path of ['/rollouts/digits', '/models/digits', '/monitoring/digits', '/endpoints/digits']) {
      await page.goto(`${server.url}${path}`);
      await page.reload();
      await page.waitForSelector('main h1');
      expect(await page.title()).not.toContain('Not found');
    }
    expect(problems).toEqual([]);
    await page.context().close();
    for (const path of ['/api/v1/nothing', '/v2/nothing', '/metricsx']) {
      const r = await fetch(`${server.url}${path}`, { headers: { accept: 'text/html' } });
      expect(r.status, path).toBe(404);
      expect(r.headers.get('content-type'), path).toContain('application/json');
    }
    expect((await fetch(`${server.url}/metrics`)).headers.get('content-type')).toContain('text/plain');
  });

  it('answers the series and overview routes, checks their input, and documents them', async () => {
    const series = await call<{ variants: { variant: string; points: unknown[] }[] }>(`${server.url}/api/v1/endpoints/digits/series?seconds=60`);
    expect(series.status).toBe(200);
    expect(series.body.variants.length).toBeGreaterThan(0);
    expect((await call(`${server.url}/api/v1/endpoints/digits/series?seconds=0`)).status).toBe(400);
    expect((await call(`${server.url}/api/v1/endpoints/nothing/series`)).status).toBe(404);
    const overview = await call<{ endpoints: { name: string }[] }>(`${server.url}/api/v1/overview`);
    expect(overview.body.endpoints.map((e) => e.name).sort()).toEqual(['diabetes', 'digits']);
    const doc = await call<{ paths: Record<string, unknown> }>(`${server.url}/api/docs/json`);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/overview', '/api/v1/endpoints/{name}/series']));
    expect(Object.keys(doc.body.paths).some((p) => p.startsWith('/assets') || p === '/')).toBe(false);
  });

  it('serves hashed assets immutable and gzipped, index.html revalidated', async () => {
    const index = await fetch(server.url, { headers: { 'accept-encoding': 'gzip' } });
    expect(index.headers.get('cache-control')).toBe('no-cache');
    expect(index.headers.get('content-security-policy')).toContain("default-src 'self'");
    const html = await index.text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${server.url}${script}`, { headers: { 'accept-encoding': 'gzip' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('content-encoding')).toBe('gzip');
    expect((await fetch(`${server.url}/assets/nothing.js`)).status).toBe(404);
  });

  it('loads the first page under 200 KB of gzipped JavaScript and renders it under a second', async () => {
    const html = readFileSync(join(DEFAULT_WEB_ROOT, 'index.html'), 'utf8');
    const scripts = [...html.matchAll(/(?:src|href)="\/(assets\/[^"]+\.js)"/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    const gzipped = scripts.reduce((sum, s) => sum + gzipSync(readFileSync(join(DEFAULT_WEB_ROOT, s)), { level: 9 }).length, 0);
    expect(gzipped).toBeLessThan(200 * 1024);

    const { page, problems } = await watchedPage(browser);
    await page.goto(server.url);
    await page.waitForSelector('main h1:text("Overview")');
    await page.waitForSelector('table.data-table a[href="/endpoints/digits"]');
    // From navigation start to the overview's data on screen (the page marks it), in the page's own clock.
    const rendered = await page.evaluate(() => performance.getEntriesByName('slipway:overview-drawn')[0]?.startTime ?? Infinity);
    expect(rendered).toBeLessThan(1000);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('diffs two revisions and restores one after a confirmation', async () => {
    // A second revision: the same model, another runtime.
    const put = await call(`${server.url}/api/v1/endpoints/digits`, 'PUT', { model: 'digits:1', runtime: { instances: 2 }, reason: 'two instances' });
    expect(put.status).toBe(200);
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}/endpoints/digits`);
    await page.waitForSelector('.diff-lines');
    expect(await page.locator('.diff-lines .diff-added').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-field="spec-yaml"]').textContent()).toContain('digits');
    const before = (await call<{ revision: number }>(`${server.url}/api/v1/endpoints/digits`)).body.revision;
    // The oldest revision's restore button (rows are newest first).
    await page.getByRole('button', { name: /^Restore revision 1 / }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Restore' }).click();
    await page.waitForSelector('p[role="status"]:has-text("Restored revision 1")');
    const after = await call<{ revision: number; variants: { runtime: { instances?: number } }[] }>(`${server.url}/api/v1/endpoints/digits`);
    expect(after.body.revision).toBe(before + 1);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
