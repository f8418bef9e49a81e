// Three `slipway serve` processes on one Postgres behind a real HAProxy, under closed-loop load: a deploy through one
// is served by the others within 1 s; a canary failing on a third of inputs is rolled back once, judged on every
// replica's traffic; captures from all three are all stored; kill -9 of the rollout duty holder mid-rollout is taken
// over and the rollout finishes once; a rolling restart of all three loses no request (graceful drain).

import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it, onTestFinished } from 'vitest';
import { call } from './http.js';
import { loopStatus, setLoop, waitFor } from './loop-harness.js';
import { ask, clusterView } from './replica-client.js';
import { ROOT, runCli } from './server-process.js';
import { startCluster, type ClusterReplica, type Load, type TestCluster } from './support/haproxy-cluster.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');
/** Short leases (takeover within 2.25 s), a drain long enough for HAProxy's 100 ms checks to take a replica out. */
const ENV = { SLIPWAY_LEASE_TTL_MS: '2000', SLIPWAY_LEASE_RENEW_MS: '250', SLIPWAY_DRAIN_MS: '1000' };
// A fixed runtime on the event loop: what is timed is following and swapping, not a worker thread's start (or
// `auto`'s timing of the model), which every replica pays on every load and which a loaded machine stretches.
const FIXED = { auto: false, instances: 1, onEventLoop: true };

let cluster: TestCluster;
let database: string;
let proxy: TestCluster['proxy'];
let replicas: ClusterReplica[];

beforeAll(async () => {
  cluster = await startCluster(3, ENV);
  ({ database, proxy, replicas } = cluster);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
});

/** Closed-loop load through the balancer from `clients` callers, until stopped (bounded: at most `maxMs`). */
const load = (endpoint: string, body: () => object, clients = 4, maxMs = 60_000): Load => cluster.load(endpoint, body, { clients, maxMs });

/** idx 0..5: lookup_short fails for 4 and 5, a third of inputs; lookup_safe answers all. */
const lookupBody = (): object => ({ inputs: [{ name: 'idx', datatype: 'INT64', shape: [1], data: [Math.floor(Math.random() * 6)] }] });

async function cli(url: string, ...args: string[]): Promise<string> {
  const r = await runCli(url, args);
  if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

interface RolloutBody {
  id: string;
  status: string;
  stepIndex: number;
  reason: string | null;
}

const rollout = async (url: string): Promise<RolloutBody> => (await call<RolloutBody>(`${url}/api/v1/endpoints/lookup/rollout`)).body;

interface HistoryEvent {
  action: string;
  reason: string | null;
  details: { rollout?: string; gates?: { gate: string; value: number | null }[] } | null;
}

const history = async (url: string): Promise<HistoryEvent[]> => (await call<HistoryEvent[]>(`${url}/api/v1/endpoints/lookup/history`)).body;

it('serves a deploy made through replica A from B and C within 1 s', async () => {
  const [a, b, c] = replicas.map((r) => r.server.url) as [string, string, string];
  await cli(a, 'push', join(FIXTURES, 'lookup_safe.onnx'), '--name', 'lookup');
  await cli(a, 'push', join(FIXTURES, 'lookup_short.onnx'), '--name', 'lookup');
  await cli(a, 'push', join(FIXTURES, 'lookup_safe.onnx'), '--name', 'lookup');
  const body = { inputs: [{ name: 'idx', datatype: 'INT64', shape: [1], data: [1] }] };
  // The first deploy also fetches the model from Postgres into each replica's cache (artifact fetch on scale-up,
  // docs/CLUSTER.md); the one measured is a second, of a version whose artifact each replica has.
  expect((await ask(a, '/api/v1/endpoints/lookup', 'PUT', { model: 'lookup:3', runtime: FIXED })).status).toBe(200);
  await waitFor('B and C to serve the first deploy', async () => (await Promise.all([b, c].map((u) => ask(u, '/v2/models/lookup/infer', 'POST', body)))).every((r) => r.status === 200), 20_000, 20);
  expect((await ask(a, '/api/v1/endpoints/lookup', 'PUT', { model: 'lookup:1', runtime: FIXED })).status).toBe(200);
  const started = performance.now();
  const answered = new Set<string>();
  while (answered.size < 2 && performance.now() - started < 5000) {
    for (const url of [b, c]) {
      const r = await ask(url, '/v2/models/lookup/infer', 'POST', body);
      if (r.status === 200 && (JSON.parse(r.body) as { model_version: string }).model_version === '1') answered.add(url);
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  expect(answered.size).toBe(2);
  expect(performance.now() - started).toBeLessThan(1000);
  expect((await call<{ variants: { model: string }[] }>(`${b}/api/v1/endpoints/lookup`)).body.variants[0]!.model).toBe('lookup:1');
  // `slipway cluster status` through the balancer: any replica answers for all three.
  const status = await cli(proxy.url, 'cluster', 'status');
  expect(status.split('\n')[0]).toBe('3 replicas');
  expect(status).toMatch(/^rollouts\s+\S+\s+until /m);
  // Each replica reports the revision it serves: all three the same once they followed.
  const stored = JSON.parse((await ask(a, '/api/v1/endpoints/lookup')).body) as { revision: number };
  await waitFor('every replica to report the stored revision', async () =>
    (await clusterView(a)).replicas.every((r) => r.revisions.lookup === stored.revision), 5000, 100);
}, 90_000);

it('rolls a canary failing on a third of inputs back once, counting the failures of all three replicas', async () => {
  const a = replicas[0]!.server.url;
  const traffic = load('lookup', lookupBody, 6);
  let started: RolloutBody;
  try {
    await new Promise((r) => setTimeout(r, 300));
    await cli(a, 'rollout', 'lookup', '--to', 'lookup:2', '--steps', '10,50,100', '--bake', '60s', '--gate', 'error_rate<=0.05', '--gate', 'min_requests>=60', '--force', '--reason', 'test');
    started = await rollout(a);
    await waitFor('the rollback', async () => (await rollout(a)).status === 'rolled_back', 60_000);
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    // A failed step stops its load here, so the next test starts from quiet.
    await traffic.stop();
  }
  expect((await rollout(a)).reason).toMatch(/^step 1 \(10%\): gate error_rate<=0\.05 failed: measured 0\.\d+/);
  // Clients met the candidate only at the step's 10 % share, and a third of those failed.
  const total = traffic.ok + traffic.failed;
  expect(traffic.failed).toBeGreaterThan(0);
  expect(traffic.failed).toBeLessThanOrEqual(Math.ceil(total * 0.1 * (1 / 3) * 2) + 10);
  expect([...traffic.statuses.keys()].sort()).toEqual([200, 500]);
  expect(traffic.replicas.size).toBe(3);
  const events = (await history(a)).filter((e) => e.details?.rollout === started.id);
  expect(events.filter((e) => e.reason?.includes('failed: measured'))).toHaveLength(1);
  // Every replica published failures of the candidate in the step's window, and the gate saw more requests than any
  // one replica counted: it judged the merged window.
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    const { rows } = await client.query<{ replica: string; counts: { requests: number; errors: number } }>(
      'SELECT replica, counts FROM variant_windows WHERE key = $1 AND variant = $2',
      [`${started.id}/steps/0`, 'lookup-2'],
    );
    expect(rows).toHaveLength(3);
    expect(rows.every((r) => r.counts.errors > 0)).toBe(true);
    const measured = events.find((e) => e.reason?.includes('failed: measured'))?.details?.gates?.find((g) => g.gate.startsWith('min_requests'))?.value ?? 0;
    expect(measured).toBeGreaterThan(Math.max(...rows.map((r) => r.counts.requests)));
  } finally {
    await client.end();
  }
}, 120_000);

it('stores a capture of every request answered by any of the three', async () => {
  const a = replicas[0]!.server.url;
  await setLoop(a, 'lookup', 'capture', { enabled: true, sampleRate: 1 });
  // Every replica follows the setting (within a second) before the counted load starts.
  await new Promise((r) => setTimeout(r, 1200));
  const before = (await loopStatus(a, 'lookup')).capture.stats.records;
  const traffic = load('lookup', () => ({ inputs: [{ name: 'idx', datatype: 'INT64', shape: [1], data: [2] }] }), 4);
  onTestFinished(() => traffic.stop());
  await new Promise((r) => setTimeout(r, 1500));
  await traffic.stop();
  expect(traffic.failed).toBe(0);
  expect(traffic.replicas.size).toBe(3);
  // Each replica's pipeline flushes on its own timer: wait (bounded) until the count stops short of nothing.
  const stored = await waitFor('every capture stored', async () => {
    // Asking each replica for its status flushes its buffer; the count is then read once all three have flushed.
    await Promise.all(replicas.map((r) => loopStatus(r.server.url, 'lookup')));
    const n = (await loopStatus(a, 'lookup')).capture.stats.records - before;
    return n >= traffic.ok ? n : undefined;
  }, 10_000, 200);
  expect(stored).toBe(traffic.ok);
  await setLoop(a, 'lookup', 'capture', { enabled: false });
}, 30_000);

it('takes the rollout over when its duty holder is killed with SIGKILL, and finishes it exactly once', async () => {
  const a = replicas[0]!.server.url;
  const traffic = load('lookup', lookupBody, 4);
  // Stopped on every way out of the test; stopping twice is harmless.
  onTestFinished(() => traffic.stop());
  await cli(a, 'rollout', 'lookup', '--to', 'lookup:3', '--steps', '20,50,100', '--bake', '3s', '--gate', 'error_rate<=0.01', '--gate', 'min_requests>=10', '--force', '--reason', 'test');
  const id = (await rollout(a)).id;
  await waitFor('step 2', async () => (await rollout(a)).stepIndex >= 1, 20_000, 50).catch(async (err: Error) => {
    throw new Error(`${err.message}: ${JSON.stringify(await rollout(a))} ${JSON.stringify(await clusterView(a))}`);
  });
  const view = await clusterView(a);
  const holderId = view.duties.find((d) => d.duty === 'rollouts')!.holder;
  const holderPid = view.replicas.find((r) => r.id === holderId)!.pid;
  const victim = replicas.find((r) => r.server.child.pid === holderPid)!;
  expect(victim).toBeDefined();
  const killedAt = performance.now();
  await victim.server.stop('SIGKILL');
  const survivor = replicas.find((r) => r !== victim)!.server.url;
  const newHolder = await waitFor('another replica to hold the rollouts duty', async () => {
    const d = (await clusterView(survivor)).duties.find((x) => x.duty === 'rollouts');
    return d && d.live && d.holder !== holderId ? d.holder : undefined;
  }, 10_000, 50);
  const takeoverMs = performance.now() - killedAt;
  expect(newHolder).not.toBe(holderId);
  expect(takeoverMs).toBeLessThan(2250 + 500);
  await waitFor('the promotion', async () => (await rollout(survivor)).status === 'succeeded', 60_000);
  await traffic.stop();
  const events = (await history(survivor)).filter((e) => e.details?.rollout === id || e.reason?.includes(`rollout ${id}`));
  const reasons = events.map((e) => e.reason ?? '');
  // One sequence of steps: each advance once, one success.
  expect(reasons.filter((r) => r.includes('gates passed at 20%'))).toHaveLength(1);
  expect(reasons.filter((r) => r.includes('gates passed at 50%'))).toHaveLength(1);
  expect(events.filter((e) => e.action === 'rollout-succeeded' || /succeeded|promoted|100%/.test(e.reason ?? '')).length).toBeGreaterThanOrEqual(1);
  // Requests in flight at the killed replica may fail; nothing else.
  expect(traffic.failed).toBeLessThanOrEqual(8);
  await cluster.start(victim);
  await waitFor('the restarted replica to be ready', async () => (await ask(victim.server.url, '/v2/health/ready')).status === 200, 30_000, 50);
}, 150_000);

it('loses no request in a rolling restart of all three under load', async () => {
  // Let HAProxy see the last restarted replica up.
  await new Promise((r) => setTimeout(r, 300));
  const traffic = load('lookup', () => ({ inputs: [{ name: 'idx', datatype: 'INT64', shape: [1], data: [3] }] }), 4, 150_000);
  onTestFinished(() => traffic.stop());
  await new Promise((r) => setTimeout(r, 300));
  for (const replica of replicas) {
    await replica.server.stop('SIGTERM');
    await cluster.start(replica);
    await waitFor('the restarted replica to be ready', async () => (await ask(replica.server.url, '/v2/health/ready')).status === 200, 30_000, 50);
    // HAProxy's next check (100 ms) puts it back before the next one goes.
    await new Promise((r) => setTimeout(r, 300));
  }
  await traffic.stop();
  expect(Object.fromEntries(traffic.statuses), JSON.stringify([...traffic.samples])).toEqual({ 200: traffic.ok });
  expect(traffic.failed).toBe(0);
  expect(traffic.ok).toBeGreaterThan(100);
}, 150_000);
