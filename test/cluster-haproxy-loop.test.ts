// The closed loop on three `slipway serve` replicas behind a real HAProxy on one Postgres, under closed-loop load with
// blocks of drifted inputs, the replica holding the loop's duties restarted gracefully half-way (they change hands
// under load): every answered request is captured once, monitor windows follow each other with no gap, overlap or
// repeat, each alert is POSTed to the webhook once (retries included, by the webhook duty), each drift trigger starts
// one retraining run, one at a time and past the cooldown — all of it on the replicas holding the duties. Then two manual runs asked of two replicas at once start one, and a run whose replica is killed is marked
// failed by another replica, which can then start the next.

import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from './http.js';
import { baselineStd, DIABETES, loopStatus, setLoop, shiftRows, waitFor } from './loop-harness.js';
import { parseCsv } from '../src/core/csv.js';
import { INTERRUPTED } from '../src/data/retrain-runner.js';
import { scrape } from './metrics.js';
import { ask } from './replica-client.js';
import { runCli } from './server-process.js';
import { startCluster, type TestCluster } from './support/haproxy-cluster.js';

/**
 * Leases short enough that a killed replica's work is taken over within seconds, long enough not to flap under load; a
 * drain long enough for HAProxy's 100 ms checks to take a stopping replica out.
 */
const ENV = { SLIPWAY_LEASE_TTL_MS: '4000', SLIPWAY_LEASE_RENEW_MS: '500', SLIPWAY_DRAIN_MS: '1000' };
const FIXED = { auto: false, instances: 1, onEventLoop: true };
const ENDPOINT = 'sugar';
const ROWS_PER_REQUEST = 10;
const WINDOW_ROWS = 500;
/** Requests alternate between blocks of this many baseline-like ones and as many drifted ones. */
const DRIFT_BLOCK = 150;
const COOLDOWN_MS = 3000;

const baseline = parseCsv(readFileSync(join(DIABETES, 'baseline.csv'), 'utf8'));
const FEATURES = baseline.header;
const ROWS = baseline.rows.map((r) => r.map(Number));
const DRIFTED = shiftRows(ROWS, FEATURES, ['bmi', 'bp', 's5'], baselineStd(DIABETES));

let cluster: TestCluster;
let db: pg.Client;
let hook: Receiver;
let dir: string;
/** Each replica's id (x-slipway-replica), by its position in cluster.replicas. */
let ids: string[];

interface Post {
  delivery: number;
  event: number;
  status: number;
}

interface Receiver {
  url: string;
  posts: Post[];
  close(): Promise<void>;
}

/** Counts every POST; the first attempt of each odd-numbered delivery gets a 500, so retries are exercised too. */
async function receiver(): Promise<Receiver> {
  const posts: Post[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.on('data', (d: Buffer) => (text += d.toString()));
    req.on('end', () => {
      const delivery = Number(req.headers['x-slipway-delivery']);
      const event = (JSON.parse(text) as { event: { id: number } }).event.id;
      const status = delivery % 2 === 1 && !posts.some((p) => p.delivery === delivery) ? 500 : 200;
      posts.push({ delivery, event, status });
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/alerts`,
    posts,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

interface Window {
  id: number;
  firstCapture: number;
  lastCapture: number;
  drifted: boolean;
  evaluation: { rows: number; requests: number };
}
interface Event {
  id: number;
  windowId: number;
  kind: string;
  severity: string;
}
interface Delivery {
  id: number;
  eventId: number;
  status: string;
  attempts: number;
}
interface Run {
  id: number;
  trigger: string;
  eventId: number | null;
  status: string;
  startedAt: string;
  finishedAt: string | null;
  error: string | null;
  replica: string | null;
}
interface ClusterView {
  replicas: { id: string; pid: number }[];
  duties: { duty: string; holder: string; live: boolean }[];
}

const get = async <T>(path: string): Promise<T> => {
  const r = await call<T>(`${cluster.proxy.url}${path}`);
  if (r.status !== 200) throw new Error(`GET ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
};
const runs = (): Promise<Run[]> => get<Run[]>(`/api/v1/endpoints/${ENDPOINT}/retrain/runs?limit=1000`);
const run = (id: number): Promise<Run> => get<Run>(`/api/v1/retrain/runs/${id}`);

/** A request of ROWS_PER_REQUEST baseline rows, or drifted ones in every other block. */
function body(n: number): object {
  const source = Math.floor(n / DRIFT_BLOCK) % 2 === 1 ? DRIFTED : ROWS;
  const rows = Array.from({ length: ROWS_PER_REQUEST }, (_, i) => source[(n * ROWS_PER_REQUEST + i) % source.length]!);
  return { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, FEATURES.length], data: rows.flat() }] };
}

/** Which replicas held each duty, polled through the balancer (a lease stays in the store at least its TTL). */
function watchDuties(): { holders: Map<string, Set<string>>; stop(): Promise<void> } {
  const holders = new Map<string, Set<string>>();
  let running = true;
  const loop = (async () => {
    while (running) {
      const r = await ask(cluster.proxy.url, '/api/v1/cluster');
      if (r.status === 200) {
        for (const d of (JSON.parse(r.body) as ClusterView).duties) {
          if (!d.live) continue;
          holders.set(d.duty, (holders.get(d.duty) ?? new Set()).add(d.holder));
        }
      }
      await new Promise((res) => setTimeout(res, 200));
    }
  })();
  return {
    holders,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** The retraining job: sleeps `ms`, writing its PID first to `pidFile` when given (a test kills what outlives its replica). */
function job(ms: number, pidFile?: string): string[] {
  const pid = pidFile ? `require('node:fs').writeFileSync(${JSON.stringify(pidFile)}, String(process.pid));` : '';
  return [process.execPath, '-e', `${pid} setTimeout(() => {}, ${ms})`];
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-cluster-loop-'));
  hook = await receiver();
  cluster = await startCluster(3, ENV);
  db = new pg.Client({ connectionString: cluster.database });
  await db.connect();
  ids = await Promise.all(cluster.replicas.map(async (r) => (await ask(r.server.url, '/v2/health/live')).replica!));
}, 90_000);

afterAll(async () => {
  await db?.end();
  await cluster?.stop();
  await hook?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('captures, monitors, alerts and retrains once across three replicas under load, on the duty holders', async () => {
  const a = cluster.replicas[0]!.server.url;
  const pushed = await runCli(a, ['push', DIABETES]);
  expect(pushed.code, pushed.stderr).toBe(0);
  expect((await call(`${a}/api/v1/models/diabetes/versions/1/baseline`)).status).toBe(200);
  expect((await ask(a, `/api/v1/endpoints/${ENDPOINT}`, 'PUT', { model: 'diabetes:1', runtime: FIXED })).status).toBe(200);
  await waitFor('every replica to serve the endpoint', async () =>
    (await Promise.all(cluster.replicas.map((r) => ask(r.server.url, `/v2/models/${ENDPOINT}/infer`, 'POST', body(0))))).every((r) => r.status === 200), 30_000, 100);

  // Retraining first and the monitor last: a replica that has applied the monitor has the others too (one pass, in order).
  await setLoop(a, ENDPOINT, 'retrain', {
    enabled: true, command: job(500), cooldown: `${COOLDOWN_MS}ms`, timeout: '1m', dataset: { format: 'csv', lookback: '2s' },
  });
  await setLoop(a, ENDPOINT, 'capture', { enabled: true, sampleRate: 1 });
  await setLoop(a, ENDPOINT, 'monitor', { enabled: true, windowRows: WINDOW_ROWS, webhook: { url: hook.url, minSeverity: 'warning' } });
  const startCursor = Number((await db.query<{ after_id: string }>('SELECT after_id FROM monitor_cursors WHERE endpoint = $1', [ENDPOINT])).rows[0]!.after_id);
  await waitFor('every replica to apply the loop settings', async () =>
    (await Promise.all(cluster.replicas.map((r) => loopStatus(r.server.url, ENDPOINT)))).every((s) => s.monitor !== null && s.capture.enabled), 10_000, 100);

  const duties = watchDuties();
  const traffic = cluster.load(ENDPOINT, body, { clients: 4, maxMs: 40_000, maxRequests: 4000 });
  // Half-way, the monitor duty's holder (the first replica up holds every duty) stops gracefully and comes back: its
  // duties change hands under load, and the window, delivery or run it had under way is finished or left to the next.
  // (A slow machine restarts it after 12 s, whatever the count: the load is bounded by time too.)
  const loadStarted = Date.now();
  await waitFor('the first part of the load', async () => traffic.ok >= 1500 || traffic.failed > 0 || Date.now() - loadStarted > 12_000, 20_000, 50);
  const holderId = (JSON.parse((await ask(cluster.proxy.url, '/api/v1/cluster')).body) as ClusterView).duties.find((d) => d.duty === 'monitors')!.holder;
  const restarted = ids.indexOf(holderId);
  expect(restarted).toBeGreaterThanOrEqual(0);
  const holder = cluster.replicas[restarted]!;
  await holder.server.stop('SIGTERM');
  await cluster.start(holder);
  await waitFor('the restarted replica to be ready', async () => (await ask(holder.server.url, '/v2/health/ready')).status === 200, 30_000, 50);
  ids[restarted] = (await ask(holder.server.url, '/v2/health/live')).replica!;
  await traffic.done;
  expect(Object.fromEntries(traffic.statuses), JSON.stringify([...traffic.samples])).toEqual({ 200: traffic.ok });
  expect(traffic.replicas.size).toBeGreaterThanOrEqual(3);

  // Captures: asking each replica for its status flushes its buffer; then every answer is stored, once.
  await Promise.all(cluster.replicas.map((r) => loopStatus(r.server.url, ENDPOINT)));
  const stored = (await db.query<{ request_id: string }>('SELECT request_id FROM captures WHERE endpoint = $1', [ENDPOINT])).rows.map((r) => r.request_id);
  expect(new Set(traffic.ids).size).toBe(traffic.ok);
  expect(stored).toHaveLength(traffic.ok);
  expect(new Set(stored)).toEqual(new Set(traffic.ids));

  // The monitor catches up: no complete window left, no delivery pending, no run going.
  await waitFor('the monitor to cut every complete window', async () => {
    const status = await loopStatus(cluster.proxy.url, ENDPOINT);
    return status.monitor!.pendingRows < WINDOW_ROWS;
  }, 60_000, 250);
  await waitFor('a delivery of every event, delivered', async () => {
    const [events, deliveries] = await Promise.all([
      get<Event[]>(`/api/v1/monitor/events?endpoint=${ENDPOINT}&limit=1000`), get<Delivery[]>('/api/v1/webhook-deliveries?limit=1000'),
    ]);
    return deliveries.length >= events.length && deliveries.every((d) => d.status === 'delivered');
  }, 60_000, 250);
  await waitFor('the last retraining run to finish', async () => (await runs()).every((r) => r.status !== 'running'), 60_000, 250);
  await duties.stop();
  const holders = (duty: string): Set<string> => duties.holders.get(duty) ?? new Set();

  // Windows: from where the monitor was turned on, each beginning where the last ended, each stored once, together
  // covering every capture up to the last one.
  const windows = (await get<Window[]>(`/api/v1/endpoints/${ENDPOINT}/monitor/windows?limit=1000`)).sort((x, y) => x.id - y.id);
  // Requests of 10 rows fill windows of 500 exactly; what is left is less than a window.
  expect(windows).toHaveLength(Math.floor((traffic.ok * ROWS_PER_REQUEST) / WINDOW_ROWS));
  expect(windows[0]!.firstCapture).toBe(startCursor + 1);
  windows.forEach((w, i) => {
    if (i > 0) expect(w.firstCapture, `window ${w.id}`).toBe(windows[i - 1]!.lastCapture + 1);
    expect(w.lastCapture).toBeGreaterThanOrEqual(w.firstCapture);
    expect(w.evaluation.rows).toBe(WINDOW_ROWS);
  });
  const last = windows[windows.length - 1]!.lastCapture;
  const covered = Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM captures WHERE endpoint = $1 AND id > $2 AND id <= $3', [ENDPOINT, startCursor, last])).rows[0]!.n);
  expect(windows.reduce((n, w) => n + w.evaluation.requests, 0)).toBe(covered);
  expect(windows.some((w) => w.drifted)).toBe(true);
  expect(windows.some((w) => !w.drifted)).toBe(true);

  // Each replica counts the windows it evaluated (the restarted one since it came back): only the monitor duty's
  // holders did, none twice.
  const metrics = await Promise.all(cluster.replicas.map((r) => scrape(r.server.url)));
  const counted = metrics.map((m) => m('slipway_monitor_windows_total', { endpoint: ENDPOINT }));
  expect(counted.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(windows.length);
  expect(counted.reduce((x, y) => x + y, 0)).toBeGreaterThan(0);
  counted.forEach((n, i) => {
    if (n > 0) expect([...holders('monitors')], `replica ${ids[i]} evaluated ${n} windows`).toContain(ids[i]);
  });

  // Alerts: each event has one delivery, POSTed until it succeeded (as often as its attempts say), delivered once.
  const events = await get<Event[]>(`/api/v1/monitor/events?endpoint=${ENDPOINT}&limit=1000`);
  expect(events.length).toBeGreaterThan(0);
  const windowIds = new Set(windows.map((w) => w.id));
  const deliveries = await get<Delivery[]>('/api/v1/webhook-deliveries?limit=1000');
  expect(deliveries).toHaveLength(events.length);
  for (const e of events) {
    expect(windowIds.has(e.windowId)).toBe(true);
    const mine = deliveries.filter((d) => d.eventId === e.id);
    expect(mine, `deliveries of event ${e.id}`).toHaveLength(1);
    const posts = hook.posts.filter((p) => p.delivery === mine[0]!.id);
    expect(posts.every((p) => p.event === e.id)).toBe(true);
    expect(posts, `POSTs of delivery ${mine[0]!.id}`).toHaveLength(mine[0]!.attempts);
    expect(posts.filter((p) => p.status === 200), `successful POSTs of event ${e.id}`).toHaveLength(1);
  }
  expect(hook.posts.some((p) => p.status === 500)).toBe(true);
  const delivered = metrics.map((m) => m('slipway_webhook_deliveries_total', { outcome: 'delivered' }));
  expect(delivered.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(events.length);
  const posting = new Set([...holders('monitors'), ...holders('webhooks')]);
  delivered.forEach((n, i) => {
    if (n > 0) expect([...posting], `replica ${ids[i]} delivered ${n}`).toContain(ids[i]);
  });

  // Retraining: each run started by one drift event, one run per event, one at a time, past the cooldown. A run the
  // restarted replica had under way is failed for it by the retraining duty's next holder.
  const list = (await runs()).sort((x, y) => x.id - y.id);
  expect(list.length).toBeGreaterThan(0);
  const byId = new Map(events.map((e) => [e.id, e]));
  for (const r of list) {
    expect(r.trigger).toBe('drift');
    if (r.status !== 'succeeded') expect(r, JSON.stringify(r)).toMatchObject({ status: 'failed', error: INTERRUPTED, replica: holderId });
    expect(['feature_drift', 'prediction_drift']).toContain(byId.get(r.eventId!)?.kind);
    expect([...holders('monitors')], `run ${r.id} ran on ${r.replica}`).toContain(r.replica);
  }
  expect(new Set(list.map((r) => r.eventId)).size).toBe(list.length);
  for (let i = 1; i < list.length; i++) {
    const [before, after] = [list[i - 1]!, list[i]!];
    expect(Date.parse(after.startedAt)).toBeGreaterThanOrEqual(Date.parse(before.finishedAt!));
    expect(Date.parse(after.startedAt) - Date.parse(before.startedAt)).toBeGreaterThanOrEqual(COOLDOWN_MS - 250);
  }
  const finished = metrics.map((m) => m('slipway_retrain_runs_total', { endpoint: ENDPOINT }));
  expect(finished.reduce((x, y) => x + y, 0)).toBeLessThanOrEqual(list.length);
}, 180_000);

it('starts one run when two replicas are asked for a manual run at the same moment', async () => {
  const before = (await runs()).length;
  // A job long enough that the first run is still going when the others ask (a replica yet to follow this setting
  // runs the earlier job: the claim is the same).
  await setLoop(cluster.replicas[0]!.server.url, ENDPOINT, 'retrain', { command: job(3000) });
  const answers = await Promise.all(cluster.replicas.map((r) => call<Run | { error: string }>(`${r.server.url}/api/v1/endpoints/${ENDPOINT}/retrain/runs`, 'POST')));
  expect(answers.map((r) => r.status).sort()).toEqual([202, 409, 409]);
  for (const r of answers.filter((x) => x.status === 409)) expect((r.body as { error: string }).error).toMatch(/already has a retraining run in progress/);
  const started = answers.find((r) => r.status === 202)!.body as Run;
  await waitFor('the manual run to finish', async () => ((await run(started.id)).status !== 'running' ? true : undefined), 30_000, 100);
  expect(await runs()).toHaveLength(before + 1);
}, 60_000);

it('marks a run failed on another replica when the replica running it is killed, and starts the next', async () => {
  const pidFile = join(dir, 'job.pid');
  const a = cluster.replicas[0]!.server.url;
  const victim = cluster.replicas[2]!;
  // Set through the replica asked to run it: it applies the policy before it answers.
  await setLoop(victim.server.url, ENDPOINT, 'retrain', { command: job(120_000, pidFile) });
  const posted = await call<Run>(`${victim.server.url}/api/v1/endpoints/${ENDPOINT}/retrain/runs`, 'POST');
  expect(posted.status).toBe(202);
  expect(posted.body.replica).toBe(ids[2]);
  await waitFor('the job to start', async () => {
    try {
      return readFileSync(pidFile, 'utf8') !== '';
    } catch {
      return false;
    }
  }, 20_000, 50);
  await victim.server.stop('SIGKILL');
  // The job outlives the replica that started it (it is not ours to keep): stopped here by its PID.
  process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGKILL');
  const failed = await waitFor('the interrupted run to be marked failed', async () => {
    const r = await run(posted.body.id);
    return r.status === 'failed' ? r : undefined;
  }, 30_000, 200);
  expect(failed.error).toMatch(/stopped/);
  // The claim is free again: the next run starts (through another replica).
  await setLoop(a, ENDPOINT, 'retrain', { command: job(100) });
  const next = await call<Run>(`${a}/api/v1/endpoints/${ENDPOINT}/retrain/runs`, 'POST');
  expect(next.status, JSON.stringify(next.body)).toBe(202);
}, 90_000);
