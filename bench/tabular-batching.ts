// Batching on vs off for digits, in alternating windows on one server: the "batching never costs latency" goals
// (with batching on, p50 at c=1 at most 1.1× batching off; throughput at c=16 and c=64 at least batching off's).

import { headToHead, pairedRatio, type HeadToHeadRow } from './head-to-head.js';
import { progressLine, type Measurement } from './measurement.js';
import { fmtMs, fmtRatio, type Goal, type Table } from './report.js';
import type { SectionContext } from './section.js';
import { describeRuntime, SlipwayServer, type RuntimeConfig } from './slipway-server.js';
import type { TabularFixture } from './tabular-fixture.js';
import { tabularSide } from './tabular-window.js';

const CONNECTIONS = [1, 16, 64];
const MODEL_REF = 'digits:1';
/** The same instances with batching off and on; the window is the one the profiler offers for a model this fast. */
const OFF: RuntimeConfig = { instances: 1, intraOpThreads: 1 };
const ON: RuntimeConfig = { ...OFF, maxBatchSize: 32, maxQueueDelayUs: 500 };
/** p50 with batching on, one client, may be at most this many times batching off's. */
const ONE_CLIENT_FACTOR = 1.1;

export interface BatchingResult {
  rows: HeadToHeadRow[];
  table: Table;
  goals: Goal[];
}

/**
 * One Slipway server with two endpoints of the same model, one per config, so both sides share the process, its
 * workers and the machine's moment; their windows alternate at each concurrency (3 rounds, 1 with --quick).
 */
export async function batchingOnOff(ctx: SectionContext, fixture: TabularFixture, anomalies: string[]): Promise<BatchingResult> {
  const d = ctx.options.durations;
  const seconds = Math.max(2, Math.round(d.loadSec / 2));
  const rounds = ctx.options.quick ? 1 : 3;
  const server = await SlipwayServer.start(true);
  try {
    const contenders = [];
    for (const [label, endpoint, config] of [['batching off', 'digits-unbatched', OFF], ['batching on', 'digits-batched', ON]] as const) {
      await server.deploy(endpoint, MODEL_REF, config);
      const measure = await tabularSide(fixture, {
        label: `Slipway ${label}, ${describeRuntime(config)}`, url: `${server.url}/v2/models/${endpoint}/infer`, pid: server.processes,
        metrics: { baseUrl: server.url, endpoint }, warmupConnections: server.workers, seconds,
      });
      contenders.push({ label, measure });
    }
    const rows = await headToHead(contenders, CONNECTIONS, rounds, (m) => console.log(`[tabular] ${progressLine(m)}`));
    return { rows, table: batchingTable(rows), goals: batchingGoals(rows) };
  } finally {
    await server.stop();
    if (server.stderr.trim()) anomalies.push(`tabular batching on vs off: Slipway wrote to stderr:\n${server.stderr.trim().slice(-2000)}`);
  }
}

const rate = (m: Measurement): number => m.requestsPerSec;
const p50 = (m: Measurement): number => m.latency.p50Ms;

function batchingGoals(rows: readonly HeadToHeadRow[]): Goal[] {
  const goals: Goal[] = [];
  for (const row of rows) {
    const [off, on] = row.sides;
    if (!off || !on) continue;
    const c = row.connections;
    const windows = `median of ${on.windows.length} alternating rounds' ratios; medians ${on.medianRate.toFixed(0)} vs ${off.medianRate.toFixed(0)} req/s, p50 ${fmtMs(on.medianP50Ms)} vs ${fmtMs(off.medianP50Ms)} ms; ${describeRuntime(ON)} vs ${describeRuntime(OFF)}`;
    if (c === 1) {
      const r = pairedRatio(row, 1, 0, p50);
      goals.push({ section: 'tabular', goal: `batching on: p50 at c=1 ≤ ${ONE_CLIENT_FACTOR}× batching off`, measured: `${fmtRatio(r)} (${windows})`, met: r <= ONE_CLIENT_FACTOR });
    } else {
      const r = pairedRatio(row, 1, 0, rate);
      goals.push({ section: 'tabular', goal: `batching on: throughput at c=${c} ≥ batching off`, measured: `${fmtRatio(r)} (${windows})`, met: r >= 1 });
    }
  }
  return goals;
}

function batchingTable(rows: readonly HeadToHeadRow[]): Table {
  const list = (side: HeadToHeadRow['sides'][number] | undefined, value: (m: Measurement) => string): string => side?.windows.map(value).join(', ') ?? '–';
  return {
    title: 'Tabular: batching on vs off, alternating windows',
    notes: [
      `One Slipway server, two endpoints of digits: ${describeRuntime(OFF)} (batching off) and ${describeRuntime(ON)} (batching on). At each concurrency their windows alternate (the one that goes first rotates); ratios are the median over rounds of each round's ratio. The batching goals come from this table.`,
    ],
    headers: ['c', 'off req/s', 'on req/s', 'on ÷off req/s (paired)', 'off p50 ms', 'on p50 ms', 'on ÷off p50 (paired)', 'on batch', 'windows (req/s, off / on)', 'windows (p50 ms, off / on)'],
    rows: rows.map((r) => {
      const [off, on] = r.sides;
      if (!off || !on) return [String(r.connections)];
      const batch = on.windows.map((m) => m.observed?.server?.meanBatchRows).filter((b): b is number => b !== undefined);
      return [
        String(r.connections), off.medianRate.toFixed(0), on.medianRate.toFixed(0), fmtRatio(pairedRatio(r, 1, 0, rate)),
        fmtMs(off.medianP50Ms), fmtMs(on.medianP50Ms), fmtRatio(pairedRatio(r, 1, 0, p50)),
        batch.length ? (batch.reduce((a, b) => a + b, 0) / batch.length).toFixed(1) : '–',
        `${list(off, (m) => m.requestsPerSec.toFixed(0))} / ${list(on, (m) => m.requestsPerSec.toFixed(0))}`,
        `${list(off, (m) => fmtMs(m.latency.p50Ms))} / ${list(on, (m) => fmtMs(m.latency.p50Ms))}`,
      ];
    }),
  };
}
