// The dashboard behind an admin token, in a real browser: it asks for the token, refuses a wrong one, works with the
// right one (kept in the tab's session storage), and logs out; the files themselves and inference need no token.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser, startDashboardServer, watchedPage, type DashboardServer } from './support/dashboard.js';

const TOKEN = 'dashboard-test-token';
let server: DashboardServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDashboardServer({ adminToken: TOKEN }), launchBrowser()]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

describe('dashboard with an admin token', () => {
  it('serves its files without a token, and inference stays open', async () => {
    expect((await fetch(`${server.url}/endpoints/digits`)).status).toBe(200);
    expect((await fetch(`${server.url}/api/v1/overview`)).status).toBe(401);
    const infer = await fetch(`${server.url}/v2/models/digits/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: server.requests.digits! });
    expect(infer.status).toBe(200);
  });

  it('asks for the token, refuses a wrong one, works with the right one, and logs out', async () => {
    const { page, problems } = await watchedPage(browser);
    await page.goto(`${server.url}/endpoints/digits`);
    const field = page.getByLabel('API token');
    await field.waitFor();

    await field.fill('not-the-token');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForSelector('#token-error:has-text("refused")');
    expect(await page.evaluate("sessionStorage.getItem('slipway.token')")).toBeNull();

    await field.fill(TOKEN);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForSelector('main h1:has-text("Endpoint")');
    await page.waitForSelector('figure.chart[aria-label^="Throughput"]');
    expect(await page.evaluate("sessionStorage.getItem('slipway.token')")).toBe(TOKEN);

    // A reload keeps the tab's token: no login again.
    await page.reload();
    await page.waitForSelector('main h1:has-text("Endpoint")');
    await page.waitForTimeout(1500);
    expect(await page.getByLabel('API token').count()).toBe(0);

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('API token').waitFor();
    expect(await page.evaluate("sessionStorage.getItem('slipway.token')")).toBeNull();

    // Every problem is one of the expected refusals: the API's 401s before and at the wrong token, nothing else.
    const unexpected = problems.filter((p) => !/^HTTP 401: GET .*\/api\/v1\//.test(p) && !/status of 401/.test(p));
    expect(unexpected).toEqual([]);
    await page.context().close();
  });
});
