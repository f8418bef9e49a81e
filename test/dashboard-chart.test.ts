// The live chart keeps up with 1 Hz updates for ten minutes without memory growth: the chart bench page
// (web/chart-lab.html, built with the dashboard) drives SeriesWindow → TimeChart → uPlot.setData with simulated
// seconds, and the browser's own heap is measured after forced garbage collections.

import { readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_WEB_ROOT } from '../src/api/dashboard-files.js';
import { launchBrowser, watchedPage } from './support/dashboard.js';

const ORIGIN = 'http://chart-lab.test';
const TYPES: Record<string, string> = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' };
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
});

describe('live chart', () => {
  it('takes ten minutes of 1 Hz updates with a bounded heap and a bounded number of points', async () => {
    const { page, problems } = await watchedPage(browser);
    // The built files, served to the page without a server.
    await page.route(`${ORIGIN}/**`, (route) => {
      const path = new URL(route.request().url()).pathname;
      const file = path === '/' ? 'chart-lab.html' : path.slice(1);
      return route.fulfill({ body: readFileSync(join(DEFAULT_WEB_ROOT, file)), contentType: TYPES[extname(file)] ?? 'application/octet-stream' });
    });
    await page.goto(`${ORIGIN}/`);
    await page.waitForFunction("'chartLab' in window");
    const cdp = await page.context().newCDPSession(page);
    const heap = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage');
      await cdp.send('HeapProfiler.collectGarbage');
      return (await cdp.send('Runtime.getHeapUsage')).usedSize;
    };
    const run = async (n: number): Promise<number> => Number(await page.evaluate(`chartLab.run(${n})`));

    // Past the five minutes on screen first: from then on every update drops as many points as it adds.
    expect(await run(400)).toBe(300);
    const before = await heap();
    const nodesBefore = Number(await page.evaluate("document.getElementsByTagName('*').length"));
    expect(await run(600)).toBe(300);
    const after = await heap();
    expect(Number(await page.evaluate("document.getElementsByTagName('*').length"))).toBe(nodesBefore);
    expect(await page.locator('canvas').count()).toBe(1);
    // Ten minutes of updates: the heap may wobble, not grow with the updates.
    expect(after - before).toBeLessThan(512 * 1024);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
