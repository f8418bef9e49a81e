// Cluster section, timing across replicas: three replicas on one Postgres with short leases — a spec change until
// every other replica serves it, a duty's takeover when its holder is killed or frozen — then two replicas with the
// default leases, whose takeover is the goal (≤ 10 s). p50 and max over the trials.

import { DEFAULT_CONFIG } from '../src/config.js';
import { runCli } from '../test/server-process.js';
import type { TestPostgres } from '../test/support/postgres.js';
import { deployDigits, ENDPOINT, RUNTIME_NOTE } from './cluster-digits.js';
import { measurePropagation, type PropagationTrial } from './cluster-propagation.js';
import { openConnections } from './postgres-connections.js';
import { ReplicaSet } from './cluster-replicas.js';
import { measureTakeover, type Stop, type TakeoverTrial } from './cluster-takeover.js';
import { fmtMs, type Goal, type Table } from './report.js';
import type { SectionResult } from './section.js';
import { summarize } from './stats.js';
import { DIGITS_DIR, type TabularFixture } from './tabular-fixture.js';

export interface Lease {
  ttlMs: number;
  renewMs: number;
}

/** What test/cluster-haproxy.test.ts runs with: a takeover within 2.25 s. */
export const SHORT_LEASE: Lease = { ttlMs: 2_000, renewMs: 250 };
export const DEFAULT_LEASE: Lease = { ttlMs: DEFAULT_CONFIG.leaseTtlMs, renewMs: DEFAULT_CONFIG.leaseRenewMs };
/** The goal for a takeover with the default settings. */
const DEFAULT_TAKEOVER_GOAL_MS = 10_000;
/** README: a change made through any replica is served by every other "within about a second". */
const PROPAGATION_GOAL_MS = 1_000;

export interface TimingTrials {
  propagation: number;
  kill: number;
  stop: number;
  defaultKill: number;
  defaultStop: number;
}

const leaseEnv = (lease: Lease): NodeJS.ProcessEnv => ({ SLIPWAY_LEASE_TTL_MS: String(lease.ttlMs), SLIPWAY_LEASE_RENEW_MS: String(lease.renewMs) });
const leaseText = (lease: Lease): string => `leaseTtlMs ${lease.ttlMs}, leaseRenewMs ${lease.renewMs}`;

async function push(url: string): Promise<string> {
  const r = await runCli(url, ['--json', 'push', DIGITS_DIR]);
  if (r.code !== 0) throw new Error(`slipway push ${DIGITS_DIR} failed: ${r.stderr}`);
  const v = JSON.parse(r.stdout) as { name: string; version: number };
  return `${v.name}:${v.version}`;
}

interface Row {
  what: string;
  lease: Lease;
  values: number[];
  /** What the design promises, when it promises something. */
  boundMs?: number;
}

export async function measureReplicaTiming(postgres: TestPostgres, fixture: TabularFixture, trials: TimingTrials): Promise<SectionResult> {
  const rows: Row[] = [];
  const data: { propagation?: PropagationTrial[]; takeovers: { lease: Lease; trials: TakeoverTrial[] }[] } = { takeovers: [] };
  const takeoverRow = (lease: Lease, how: Stop, list: TakeoverTrial[]): void => {
    data.takeovers.push({ lease, trials: list });
    rows.push({
      what: how === 'SIGKILL' ? 'duty takeover, holder killed (kill -9, same host)' : 'duty takeover, holder frozen (SIGSTOP: lease must run out)',
      lease, values: list.map((t) => t.ms), boundMs: lease.ttlMs + lease.renewMs,
    });
  };

  const database = await postgres.createDatabase();
  const short = await ReplicaSet.start(database, 3, leaseEnv(SHORT_LEASE));
  let connections: { replicas: number; afterDeploys: number } | undefined;
  try {
    const a = short.replicas[0]!.server.url;
    const models: [string, string] = [await push(a), await push(a)];
    // The first deploy also fetches the model into each replica's artifact cache (scale-up); the trials do not.
    await deployDigits(short.replicas.map((r) => r.server.url), models[0], fixture);
    const propagation = await measurePropagation(short, models, fixture, trials.propagation);
    data.propagation = propagation;
    // What three replicas hold open after the deploys (pools keep an idle connection 10 s).
    connections = { replicas: short.replicas.length, afterDeploys: await openConnections(database) };
    rows.push({ what: 'spec change served by every other replica, from sending the deploy', lease: SHORT_LEASE, values: propagation.map((t) => Math.max(...t.followersMs)) });
    rows.push({ what: '… counted from the deploying replica\'s answer (negative: before it)', lease: SHORT_LEASE, values: propagation.map((t) => Math.max(...t.followersMs) - t.deployMs) });
    rows.push({ what: 'the deploying replica\'s answer to the deploy', lease: SHORT_LEASE, values: propagation.map((t) => t.deployMs) });
    takeoverRow(SHORT_LEASE, 'SIGKILL', await measureTakeover(short, 'SIGKILL', SHORT_LEASE, trials.kill, 'short leases'));
    takeoverRow(SHORT_LEASE, 'SIGSTOP', await measureTakeover(short, 'SIGSTOP', SHORT_LEASE, trials.stop, 'short leases'));
  } finally {
    await short.stop();
  }
  // Replicas serving nothing: a duty does not depend on endpoints, and they start faster.
  const defaults = await ReplicaSet.start(await postgres.createDatabase(), 2, leaseEnv(DEFAULT_LEASE));
  try {
    takeoverRow(DEFAULT_LEASE, 'SIGKILL', await measureTakeover(defaults, 'SIGKILL', DEFAULT_LEASE, trials.defaultKill, 'default leases'));
    takeoverRow(DEFAULT_LEASE, 'SIGSTOP', await measureTakeover(defaults, 'SIGSTOP', DEFAULT_LEASE, trials.defaultStop, 'default leases'));
  } finally {
    await defaults.stop();
  }

  const summaries = rows.map((r) => ({ ...r, summary: summarize(r.values), min: Math.min(...r.values) }));
  const table: Table = {
    title: 'Cluster: propagation of a spec change and duty takeover, replicas on one Postgres',
    notes: [
      `Propagation: three replicas; ${ENDPOINT} deployed through each in turn, alternating two versions, ${RUNTIME_NOTE}; every other replica asked (a fresh connection every 5 ms) until it answers with the new version. It notices the change at once (Postgres NOTIFY), then loads, warms and swaps the variant.`,
      'Takeover: the holder of the rollouts duty is stopped and the survivors are asked GET /api/v1/cluster every 20 ms until another replica holds it. Killed (kill -9): survivors on the same host see its process gone at their next renewal and take the duty at once. Frozen (SIGSTOP): the process exists, so the lease must run out first — what a holder on another host that died or lost its network costs. A killed holder is started again on its home, a frozen one continued, before the next trial, which starts at a random moment of the renewal period.',
      'Bound: what the design promises, leaseTtlMs + leaseRenewMs (a killed holder on the same host is expected within about one renewal). Short leases are what test/cluster-haproxy.test.ts runs (SLIPWAY_LEASE_TTL_MS, SLIPWAY_LEASE_RENEW_MS); the defaults are src/config.ts\'s.',
    ],
    headers: ['what', 'leases', 'trials', 'p50 ms', 'max ms', 'min ms', 'bound ms'],
    rows: summaries.map((r) => [r.what, leaseText(r.lease), String(r.values.length), fmtMs(r.summary.p50Ms), fmtMs(r.summary.maxMs), fmtMs(r.min), r.boundMs === undefined ? '–' : String(r.boundMs)]),
  };

  const goals: Goal[] = [];
  const fromSend = summaries[0];
  if (fromSend) {
    goals.push({
      section: 'cluster', goal: `a spec change made through one replica is served by every other within ${PROPAGATION_GOAL_MS / 1000} s (README), from sending the deploy`,
      measured: `max ${fmtMs(fromSend.summary.maxMs)} ms, p50 ${fmtMs(fromSend.summary.p50Ms)} ms over ${fromSend.values.length} deploys (the deploying replica itself answered after p50 ${fmtMs(summaries[2]?.summary.p50Ms ?? Number.NaN)} ms)`,
      met: fromSend.summary.maxMs <= PROPAGATION_GOAL_MS,
    });
  }
  for (const r of summaries.filter((s) => s.what.startsWith('duty takeover'))) {
    const isDefault = r.lease === DEFAULT_LEASE;
    const limit = isDefault ? DEFAULT_TAKEOVER_GOAL_MS : (r.boundMs ?? Number.NaN);
    goals.push({
      section: 'cluster',
      goal: isDefault ? `default leases: ${r.what} within ${limit / 1000} s (the issue's goal)` : `short leases: ${r.what} within the design's bound (${limit} ms)`,
      measured: `max ${fmtMs(r.summary.maxMs)} ms, p50 ${fmtMs(r.summary.p50Ms)} ms over ${r.values.length} trial(s) (${leaseText(r.lease)})`,
      met: r.summary.maxMs <= limit,
    });
  }
  const observations = connections
    ? [`cluster connections: ${connections.replicas} replicas held ${connections.afterDeploys} connections to their database after the deploy trials (${(connections.afterDeploys / connections.replicas).toFixed(1)} per replica, the LISTEN connection included; each pool may open up to 10).`]
    : [];
  return { tables: [table], goals, observations, anomalies: [], data: { shortLease: SHORT_LEASE, defaultLease: DEFAULT_LEASE, connections, ...data, rows: summaries } };
}
