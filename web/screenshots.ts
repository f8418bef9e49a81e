// `npm run screenshots`: starts a real server with the ONNX examples, sends traffic (a shadow variant and capture on
// for the endpoint page), and saves a screenshot of each dashboard page to docs/screenshots/.

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launchBrowser, sendTraffic, startDashboardServer } from '../test/support/dashboard.js';
import { ROOT } from '../test/loop-harness.js';

const OUT = join(ROOT, 'docs', 'screenshots');
const PAGES: { file: string; path: string; wait: string }[] = [
  { file: 'overview.png', path: '/', wait: 'table.data-table a[href="/endpoints/digits"]' },
  { file: 'endpoint.png', path: '/endpoints/digits', wait: 'figure.chart[aria-label^="Throughput"] canvas' },
  { file: 'rollout.png', path: '/rollouts/digits', wait: 'main h1' },
  { file: 'models.png', path: '/models/digits', wait: 'table.data-table' },
  { file: 'monitoring.png', path: '/monitoring/digits', wait: 'dl.facts' },
];

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
    const context = await browser.newContext({ viewport: { width: 1360, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${server.url}/endpoints/digits`);
    // Enough seconds on the endpoint page for its charts to show a shape.
    await page.waitForTimeout(12_000);
    for (const p of PAGES) {
      await page.goto(`${server.url}${p.path}`);
      await page.waitForSelector(p.wait);
      await page.waitForTimeout(p.file === 'endpoint.png' ? 3000 : 1500);
      await page.screenshot({ path: join(OUT, p.file), fullPage: true });
      console.log(`wrote docs/screenshots/${p.file}`);
    }
    await context.close();
  } finally {
    await Promise.all(traffic.map((t) => t.stop()));
    await browser.close();
    await server.close();
  }
}

await main();
