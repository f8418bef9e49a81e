// The Rollout page in a real browser against a real server: a canary started from the real `slipway` CLI shows its
// step, weights and gate values (the gate charts get samples) live; Abort, confirmed, acts through the API and the
// endpoint's weights return to the stable version; the rollout then lists among past rollouts and opens by its URL.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import { push, ROOT } from './loop-harness.js';
import { CLI } from './server-process.js';
import { launchBrowser, sendTraffic, startDashboardServer, waitUntil, watchedPage, type DashboardServer } from './support/dashboard.js';

const run = promisify(execFile);

let server: DashboardServer;
let browser: Browser;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDashboardServer(), launchBrowser()]);
  // A second version of digits to roll out: a copy of the example pushed as the user would.
  const pushed = await push(server.url, join(ROOT, 'examples', 'digits'));
  expect(pushed.version).toBe(2);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
});

interface EndpointView { variants: { name: string; model: string; weight: number; shadow?: boolean }[] }

describe('rollout page', () => {
  it('shows a CLI canary\'s step and gate values live, and aborts it back to stable', async () => {
    const { page, problems } = await watchedPage(browser);
    const traffic = sendTraffic(server.url, 'digits', server.requests.digits!, 10);
    try {
      await page.goto(`${server.url}/rollouts/digits`);
      // No rollout yet: the page says how to start one.
      await page.waitForSelector('text=has had no rollout');
      expect(await page.locator('pre.code').textContent()).toContain('slipway rollout digits --to digits:2');

      // A canary with a long bake, so it stays on its first step while the page is watched.
      const cli = await run(process.execPath, [CLI, '--server', server.url, 'rollout', 'digits', '--to', 'digits:2', '--strategy', 'canary',
        '--steps', '10,50,100', '--bake', '2m', '--gate', 'error_rate<=0.01', '--gate', 'min_requests>=20'], { timeout: 20_000 });
      expect(cli.stdout).toContain('started');

      // The page follows the new rollout: step 1 at 10%, the weights bar, both gates charted with samples.
      const step = page.locator('[data-field="rollout-step"]');
      await waitUntil(async () => (await step.count()) > 0 && (await step.textContent())!.includes('step 1: 10% to the candidate'), 15_000, 'step 1 shown');
      expect(await page.locator('.weights-bar').getAttribute('data-weights')).toMatch(/digits-2 10%/);
      const errorGate = page.locator('figure.gate-chart[data-gate="error_rate<=0.01"]');
      const requestsGate = page.locator('figure.gate-chart[data-gate="min_requests>=20"]');
      await waitUntil(async () => Number(await errorGate.getAttribute('data-samples')) >= 2, 15_000, 'error-rate gate samples');
      expect(await errorGate.locator('[data-field="gate-value"]').textContent()).toContain('measured 0');
      expect(await errorGate.locator('canvas').count()).toBe(1);
      expect(await errorGate.locator('.u-legend').textContent()).toContain('threshold <= 0.01');
      // The requests gate counts up, sample after sample, while the page stays open (the live poll).
      const measured = async (): Promise<number> => Number((await requestsGate.locator('[data-field="gate-value"]').textContent())!.replace(/[^0-9.]/g, ''));
      const first = await measured();
      await waitUntil(async () => (await measured()) > first, 10_000, 'min_requests gate value rising');
      expect(await page.locator('[data-step="1"]').getAttribute('data-decision')).toBe('running');
      // Resume does not apply to a running rollout; pause, promote and abort do.
      expect(await page.getByRole('button', { name: 'Resume' }).isDisabled()).toBe(true);
      expect(await page.getByRole('button', { name: 'Abort' }).isDisabled()).toBe(false);

      // Pause and resume act at once through the API; the page says so and offers the other.
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.waitForSelector('[data-field="command-result"]:has-text("now paused")');
      expect((await call<{ status: string }>(`${server.url}/api/v1/endpoints/digits/rollout`)).body.status).toBe('paused');
      await waitUntil(async () => !(await page.getByRole('button', { name: 'Resume' }).isDisabled()), 5_000, 'resume enabled');
      await page.getByRole('button', { name: 'Resume' }).click();
      await page.waitForSelector('[data-field="command-result"]:has-text("now running")');

      // Abort asks first; cancelling changes nothing.
      await page.getByRole('button', { name: 'Abort' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
      expect((await call<{ status: string }>(`${server.url}/api/v1/endpoints/digits/rollout`)).body.status).toBe('running');
      await page.getByRole('button', { name: 'Abort' }).click();
      await page.getByRole('dialog').getByRole('button', { name: 'Abort rollout' }).click();
      await page.waitForSelector('[data-field="command-result"]:has-text("aborted")');
      await page.waitForSelector('[data-step="1"][data-decision="aborted"]');
    } finally {
      await traffic.stop();
    }

    // Through the API: the rollout aborted and digits serves only the stable version again.
    const state = await call<{ status: string; candidate: { name: string } }>(`${server.url}/api/v1/endpoints/digits/rollout`);
    expect(state.body.status).toBe('aborted');
    const endpoint = await call<EndpointView>(`${server.url}/api/v1/endpoints/digits`);
    const live = endpoint.body.variants.filter((v) => !v.shadow && v.weight > 0);
    expect(live.map((v) => v.model)).toEqual(['digits:1']);
    expect(endpoint.body.variants.some((v) => v.name === state.body.candidate.name)).toBe(false);

    // The finished rollout lists on /rollouts and opens by its own URL.
    await page.goto(`${server.url}/rollouts`);
    const link = page.locator('table.data-table a[href^="/rollouts/digits/"]').first();
    await link.click();
    await page.waitForURL(/\/rollouts\/digits\/[^/]+$/);
    await page.waitForSelector('[data-field="rollout-reason"]');
    expect(await page.locator('main h1').textContent()).toContain('aborted');
    // Finished: no command applies any more.
    for (const name of ['Pause', 'Resume', 'Promote', 'Abort']) expect(await page.getByRole('button', { name }).isDisabled(), name).toBe(true);
    expect(Number(await page.locator('figure.gate-chart').first().getAttribute('data-samples'))).toBeGreaterThan(0);
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
