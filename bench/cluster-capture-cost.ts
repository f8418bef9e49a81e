// Cluster section, what capture costs serving on each store: one server on SQLite and one on Postgres side by side,
// digits under closed-loop load with capture off and at sample rate 1, repeats in rotated order; each run's capture
// counters say whether every request was recorded. On SQLite a writer thread inserts; on Postgres the event loop sends
// one insert per batch and the database's own processes do the rest (accounted apart from the machine's others).

import type { TestPostgres } from '../test/support/postgres.js';
import type { Durations } from './bench-options.js';
import { drained, droppedTotal, setCapture } from './capture-control.js';
import { digitsServer, ENDPOINT, RUNTIME_NOTE } from './cluster-digits.js';
import { processTree, type NamedProcess } from './cpu-probe.js';
import { runLoad } from './http-load.js';
import { fromHttp, progressLine, serverCpuMsPerRequest, type Measurement } from './measurement.js';
import { Observer } from './observer.js';
import { openConnections } from './postgres-connections.js';
import { fmtMs, fmtPct, fmtRate, fmtRatio, type Goal, type Table } from './report.js';
import { anomaliesOf, type SectionResult } from './section.js';
import type { SlipwayServer } from './slipway-server.js';
import { median } from './stats.js';
import type { TabularFixture } from './tabular-fixture.js';

const CONNECTIONS = 16;
/** The capture section's goal: capture at 100% may cost at most this share of throughput. */
const GOAL_RATIO = 0.95;
const STORES = ['SQLite', 'Postgres'] as const;
type StoreName = (typeof STORES)[number];
const MODES = [
  { name: 'off', capture: { enabled: false } },
  { name: 'on', capture: { enabled: true, sampleRate: 1 } },
] as const;
type ModeName = (typeof MODES)[number]['name'];

interface CostRun {
  store: StoreName;
  mode: ModeName;
  repeat: number;
  measurement: Measurement;
  finished: number;
  records: number;
  dropped: number;
  /** CPU of Postgres's processes over the window (% of one core); 0 on SQLite. */
  postgresPct: number;
}

export async function measureCaptureCost(postgres: TestPostgres, fixture: TabularFixture, d: Durations, repeats: number): Promise<SectionResult> {
  const anomalies: string[] = [];
  const runs: CostRun[] = [];
  const servers = new Map<StoreName, SlipwayServer>();
  const database = await postgres.createDatabase();
  /** Connections the Postgres server holds open after each capture-on run (its pool keeps an idle one 10 s). */
  const connections: number[] = [];
  try {
    servers.set('SQLite', await digitsServer(fixture, []));
    servers.set('Postgres', await digitsServer(fixture, ['--database', database]));
    // Four runs a repeat; every other repeat in reverse, so each runs early and late.
    const order = STORES.flatMap((store) => MODES.map((mode) => ({ store, mode })));
    measure: for (let repeat = 0; repeat < repeats; repeat++) {
      for (const { store, mode } of repeat % 2 === 0 ? order : [...order].reverse()) {
        const server = servers.get(store)!;
        await setCapture(server.url, ENDPOINT, mode.capture);
        const before = await drained(server.url, ENDPOINT);
        // Listed when the window starts: the pool opens connections (a backend each) as it needs them.
        const outside = store === 'Postgres' ? (): NamedProcess[] => processTree(postgres.pid, 'postgres') : [];
        const load = await runLoad({
          url: `${server.url}/v2/models/${ENDPOINT}/infer`, body: fixture.body, connections: CONNECTIONS, warmupSec: d.loadWarmupSec, durationSec: d.loadSec,
          observer: new Observer(server.processes, { baseUrl: server.url, endpoint: ENDPOINT }, outside), label: `cluster capture ${mode.name} on ${store} #${repeat + 1}`,
        });
        const after = await drained(server.url, ENDPOINT, mode.name === 'on' ? before : undefined);
        if (store === 'Postgres' && mode.name === 'on') connections.push(await openConnections(database));
        const measurement = fromHttp(`Slipway on ${store}, capture ${mode.name} (#${repeat + 1})`, 'http-json', load);
        const postgresPct = measurement.observed?.cpu.outsidePct ?? 0;
        const run: CostRun = {
          store, mode: mode.name, repeat, measurement, postgresPct,
          finished: after.finished - before.finished, records: after.records - before.records, dropped: droppedTotal(after) - droppedTotal(before),
        };
        runs.push(run);
        console.log(`[cluster] ${progressLine(measurement)}; postgres ${postgresPct.toFixed(0)}%; captured ${run.records} of ${run.finished}, dropped ${run.dropped}`);
        if (mode.name === 'on' && run.records + run.dropped !== run.finished) {
          anomalies.push(`cluster: capture on ${store} #${repeat + 1}: ${run.finished} requests finished but ${run.records} records were written and ${run.dropped} dropped`);
        }
        if (server.exited) {
          anomalies.push(`cluster: Slipway on ${store} ${server.exited}; stderr tail:\n${server.stderr}`);
          break measure;
        }
      }
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  for (const [store, server] of servers) {
    if (server.stderr.trim()) anomalies.push(`cluster: Slipway on ${store} wrote to stderr (log level warn):\n${server.stderr.trim().slice(-2000)}`);
  }

  const summary = STORES.flatMap((store) => MODES.map(({ name: mode }) => {
    const list = runs.filter((r) => r.store === store && r.mode === mode);
    return {
      store, mode, rates: list.map((r) => r.measurement.requestsPerSec),
      medianRate: median(list.map((r) => r.measurement.requestsPerSec)),
      medianP99: median(list.map((r) => r.measurement.latency.p99Ms)),
      cpuMsPerRequest: median(list.map((r) => serverCpuMsPerRequest(r.measurement)).filter((v): v is number => v !== undefined)),
      postgresPct: median(list.map((r) => r.postgresPct)),
      /** The server's and Postgres's CPU per answered request: all that serving and storing it cost this machine. */
      withStoreMsPerRequest: median(list.map((r) => ((r.measurement.observed?.cpu.serverMainPct ?? 0) + (r.measurement.observed?.cpu.serverOtherPct ?? 0) + r.postgresPct) * 10 / r.measurement.requestsPerSec)),
      finished: list.reduce((a, r) => a + r.finished, 0),
      records: list.reduce((a, r) => a + r.records, 0),
      dropped: list.reduce((a, r) => a + r.dropped, 0),
    };
  }));
  const off = (store: StoreName): (typeof summary)[number] | undefined => summary.find((s) => s.store === store && s.mode === 'off');
  const table: Table = {
    title: `Cluster: what capture at sample rate 1 costs serving, a server on SQLite and one on Postgres (digits HTTP+JSON, c=${CONNECTIONS})`,
    notes: [
      `Runtime: ${RUNTIME_NOTE}. One server process each, side by side; ${repeats} repeat(s) of the four runs, every other one in reverse order, ${d.loadSec} s windows after ${d.loadWarmupSec} s of warm-up; medians. Postgres is the test cluster (fsync off).`,
      'server CPU ms/req: all the server\'s threads per answered request; postgres %: Postgres\'s processes (postmaster, backends) over the window, % of one core; with store: server and Postgres CPU per answered request. Counters over each whole run (warm-up, window, drain): finished requests, records written, dropped.',
    ],
    headers: ['store', 'capture', 'req/s per repeat', 'req/s (median)', 'req/s ÷off', 'p99 ms (median)', 'server CPU ms/req', 'CPU/req ÷off', 'postgres %', 'with store ms/req', 'finished', 'records', 'recorded', 'dropped'],
    rows: summary.filter((s) => s.rates.length > 0).map((s) => {
      const o = off(s.store);
      return [
        s.store, s.mode === 'on' ? 'sampleRate 1' : 'off', s.rates.map(fmtRate).join(' / '), fmtRate(s.medianRate),
        s.mode === 'off' || !o ? '–' : fmtRatio(s.medianRate / o.medianRate), fmtMs(s.medianP99), fmtMs(s.cpuMsPerRequest),
        s.mode === 'off' || !o ? '–' : fmtRatio(s.cpuMsPerRequest / o.cpuMsPerRequest),
        s.store === 'Postgres' ? s.postgresPct.toFixed(0) : '–', fmtMs(s.withStoreMsPerRequest), String(s.finished), String(s.records),
        s.mode === 'on' && s.finished > 0 ? fmtPct(s.records / s.finished) : '–', String(s.dropped),
      ];
    }),
  };
  const goals: Goal[] = [];
  for (const store of STORES) {
    const o = off(store);
    const on = summary.find((s) => s.store === store && s.mode === 'on');
    if (!o || !on || o.rates.length === 0 || on.rates.length === 0) continue;
    const ratio = on.medianRate / o.medianRate;
    goals.push({
      section: 'cluster',
      goal: `capture at sampleRate 1 keeps ≥ ${GOAL_RATIO.toFixed(2)}× the throughput of capture off, server on ${store}, c=${CONNECTIONS}`,
      measured: `${fmtRatio(ratio)} (median ${on.medianRate.toFixed(0)} vs ${o.medianRate.toFixed(0)} req/s; server CPU per request ${fmtRatio(on.cpuMsPerRequest / o.cpuMsPerRequest)}${store === 'Postgres' ? `; Postgres's processes ${on.postgresPct.toFixed(0)}% vs ${o.postgresPct.toFixed(0)}% of a core, server and Postgres CPU per request ${fmtRatio(on.withStoreMsPerRequest / o.withStoreMsPerRequest)}` : ''}; ${on.records} of ${on.finished} requests recorded, ${on.dropped} dropped)`,
      met: ratio >= GOAL_RATIO,
    });
  }
  const observations = connections.length
    ? [`cluster connections: one server on Postgres held ${connections.join(' / ')} connections open after its capture-on runs (the pool opens up to 10 as inserts, heartbeats and the change poll overlap).`]
    : [];
  return {
    tables: [table], goals, observations,
    anomalies: [...anomalies, ...anomaliesOf('cluster', runs.map((r) => r.measurement))],
    data: { connections: CONNECTIONS, openConnections: connections, summary, runs },
  };
}
