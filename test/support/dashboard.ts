// Browser tests of the dashboard: a real Slipway in this process with bundled ONNX examples deployed (digits,
// diabetes), Debian's chromium driven by playwright-core (never a downloaded browser), a page that records every
// console error, page error, failed request and error response, and inference traffic in the background.

import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { RunningServer } from '../../src/app.js';
import { startServer } from '../../src/app.js';
import { bootstrapExamples } from '../../src/bootstrap-examples.js';
import { loadConfig } from '../../src/config.js';
import { ROOT } from '../loop-harness.js';

export const CHROMIUM = '/usr/bin/chromium';
/** The examples these tests deploy: ONNX only, so no Python is needed and the server starts in seconds. */
export const EXAMPLES = ['digits', 'diabetes'] as const;

export interface DashboardServer {
  server: RunningServer;
  url: string;
  /** A v2 request body per example endpoint. */
  requests: Record<string, string>;
  close(): Promise<void>;
}

/** A server on an ephemeral loopback port with a temp home, the ONNX examples deployed; `adminToken` if given. */
export async function startDashboardServer(options: { adminToken?: string } = {}): Promise<DashboardServer> {
  const home = mkdtempSync(join(tmpdir(), 'slipway-dash-'));
  // bootstrapExamples takes a directory of packages (directories, not links): one holding copies of just these.
  const examples = join(home, 'examples');
  mkdirSync(examples);
  for (const name of EXAMPLES) cpSync(join(ROOT, 'examples', name), join(examples, name), { recursive: true });
  const config = loadConfig({ home, port: 0, grpcPort: 0, logLevel: 'error', ...(options.adminToken ? { adminToken: options.adminToken } : {}) }, {}, home);
  const server = await startServer(config);
  await server.restored;
  await bootstrapExamples(server, examples);
  const requests = Object.fromEntries(EXAMPLES.map((name) => [name, readFileSync(join(ROOT, 'examples', name, 'request.json'), 'utf8')]));
  let closed = false;
  return {
    server,
    url: server.url,
    requests,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}

export interface WatchedPage {
  page: Page;
  /** Console errors, uncaught page errors, failed requests and responses with status >= 400, as they happened. */
  problems: string[];
}

/**
 * A new page (own context: own sessionStorage) that records what went wrong. Requests the page itself cancelled
 * (a poll in flight when the test navigates away: net::ERR_ABORTED) are not failures.
 */
export async function watchedPage(browser: Browser): Promise<WatchedPage> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => {
    const failure = r.failure()?.errorText ?? 'failed';
    if (!failure.includes('ERR_ABORTED')) problems.push(`request failed: ${r.method()} ${r.url()} (${failure})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.request().method()} ${r.url()}`);
  });
  return { page, problems };
}

export interface Traffic {
  /** Requests answered 200 so far. */
  readonly sent: number;
  stop(): Promise<void>;
}

/** Sends inference requests to `endpoint` one after another with `gapMs` between them until stopped (bounded: 5 min). */
export function sendTraffic(url: string, endpoint: string, body: string, gapMs = 20): Traffic {
  let stopped = false;
  let sent = 0;
  const until = Date.now() + 300_000;
  const loop = (async () => {
    while (!stopped && Date.now() < until) {
      const r = await fetch(`${url}/v2/models/${endpoint}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
      await r.arrayBuffer();
      if (r.status === 200) sent++;
      await new Promise((resolve) => setTimeout(resolve, gapMs));
    }
  })();
  return {
    get sent() {
      return sent;
    },
    async stop() {
      stopped = true;
      await loop;
    },
  };
}

/** Polls `check` every 100 ms until it returns true (bounded). */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 15_000, what = 'condition'): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} not met within ${timeoutMs} ms`);
}
