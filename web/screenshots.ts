// `npm run screenshots`: starts a real server with the ONNX examples, sends traffic (a shadow variant and capture on
// for the endpoint page; an alias and a profile for the models page; a monitored endpoint with shifted windows and
// feedback for the monitoring page; last, a second digits version in a running canary for the rollout page), and saves
// a screenshot of each dashboard page to docs/screenshots/.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { launchBrowser, sendTraffic, startDashboardServer } from '../test/support/dashboard.js';
import { push, ROOT } from '../test/loop-harness.js';
import { MONITORED, monitoredTraffic } from '../test/support/monitoring-traffic.js';

const OUT = join(ROOT, 'docs', 'screenshots');
const PAGES: { file: string; path: string; wait: string; act?: (page: Page) => Promise<void> }[] = [
  { file: 'overview.png', path: '/', wait: 'table.data-table a[href="/endpoints/digits"]' },
  { file: 'endpoint.png', path: '/endpoints/digits', wait: 'figure.chart[aria-label^="Throughput"] canvas' },
  { file: 'models.png', path: '/models/digits/1', wait: '.profile-chart svg .pt-front' },
  // The drift heatmap with shifted windows, and the newest window's bmi cell opened on its two histograms.
  {
    file: 'monitoring.png', path: `/monitoring/${MONITORED}`, wait: 'button.heat-cell.drifted',
    act: async (page) => {
      await page.locator('button.heat-cell.drifted[data-feature="bmi"]').last().click();
      await page.waitForSelector('section.cell-panel g.hist-window rect', { state: 'attached' });
    },
  },
];

/** Taken after the others, so the canary it needs (a second digits version) shows on no other page. */
const ROLLOUT = { file: 'rollout.png', path: '/rollouts/digits', wait: 'figure.gate-chart canvas' };

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const server = await startDashboardServer();
  const browser = await launchBrowser();
  const traffic = [sendTraffic(server.url, 'digits', server.requests.digits!, 10), sendTraffic(server.url, 'diabetes', server.requests.diabetes!, 30)];
  try {
    const json = { 'content-type': 'application/json' };
    // A shadow copy of the live variant, so the agreement chart has a line; capture on, so its counts move.
    const spec = (await (await fetch(`${server.url}/api/v1/endpoints/digits/spec`)).json()) as { variants: { name: string; model: string }[] };
    const live = spec.variants[0]!;
    await fetch(`${server.url}/api/v1/endpoints/digits/spec?reason=shadow%20copy`, {
      method: 'PUT', headers: json, body: JSON.stringify({ name: 'digits', variants: [live, { name: 'shadow', model: live.model, shadow: true }] }),
    });
    await fetch(`${server.url}/api/v1/endpoints/digits/capture`, { method: 'PUT', headers: json, body: JSON.stringify({ enabled: true, sampleRate: 0.5 }) });
    // The Models page shows a version with charts: an alias, and a short profile (its chart, Pareto front, recommendation).
    await fetch(`${server.url}/api/v1/models/digits/aliases/champion`, { method: 'PUT', headers: json, body: JSON.stringify({ version: 1 }) });
    const profile = await fetch(`${server.url}/api/v1/models/digits/versions/1/profile`, {
      method: 'POST', headers: json, body: JSON.stringify({ sloP99Ms: 20, budgetSeconds: 45, concurrency: [1, 4, 8], pointMillis: 250, minRequests: 40 }),
    });
    await profile.text();
    await monitoredTraffic(server.url, { calm: 3, shifted: 2 });
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${server.url}/endpoints/digits`);
    // Enough seconds on the endpoint page for its charts to show a shape.
    await page.waitForTimeout(12_000);
    for (const p of PAGES) {
      await page.goto(`${server.url}${p.path}`);
      await page.waitForSelector(p.wait);
      await p.act?.(page);
      await page.waitForTimeout(p.file === 'endpoint.png' ? 3000 : 1500);
      await page.screenshot({ path: join(OUT, p.file), fullPage: true });
      console.log(`wrote docs/screenshots/${p.file}`);
    }
    // A copy of digits as version 2, in a canary whose first step bakes long enough to be caught running, with
    // gates that show a threshold crossed (min_requests) and one held (error_rate).
    await push(server.url, join(ROOT, 'examples', 'digits'));
    const started = await fetch(`${server.url}/api/v1/endpoints/digits/rollouts`, {
      method: 'POST', headers: json,
      body: JSON.stringify({ model: 'digits:2', strategy: 'canary', steps: [10, 50, 100], bake: '1m', gates: ['error_rate<=0.01', 'min_requests>=100', 'p99_latency_ratio<=1.5'] }),
    });
    if (started.status !== 201) throw new Error(`starting the canary answered ${started.status}: ${await started.text()}`);
    await page.goto(`${server.url}${ROLLOUT.path}`);
    await page.waitForSelector(ROLLOUT.wait);
    // A third of the bake: enough samples for each gate chart to show a shape.
    await page.waitForTimeout(20_000);
    await page.screenshot({ path: join(OUT, ROLLOUT.file), fullPage: true });
    console.log(`wrote docs/screenshots/${ROLLOUT.file}`);
    await context.close();
  } finally {
    await Promise.all(traffic.map((t) => t.stop()));
    await browser.close();
    await server.close();
  }
}

await main();
