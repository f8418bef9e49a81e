// Cluster section, `--workers`: one machine's server as one process against a supervising primary with two workers on
// shared ports (SQLite home) — digits over HTTP+JSON under closed-loop load at c=16 and c=64, repeats in alternating
// order — and where the CPU goes in each: the primary, each worker, the load generator, everything else.

import { replicas } from '../test/support/replica-client.js';
import type { Durations } from './bench-options.js';
import { digitsServer, ENDPOINT, RUNTIME_NOTE } from './cluster-digits.js';
import type { NamedProcess } from './cpu-probe.js';
import { HTTP_LOADGEN, runLoad } from './http-load.js';
import { fromHttp, progressLine, serverCpuMsPerRequest, type Measurement } from './measurement.js';
import { Observer } from './observer.js';
import { fmtMs, fmtRate, fmtRatio, loadTable, type Table } from './report.js';
import { anomaliesOf, type SectionResult } from './section.js';
import type { SlipwayServer } from './slipway-server.js';
import { median } from './stats.js';
import { verifyTabular, type TabularFixture } from './tabular-fixture.js';

const CONNECTIONS = [16, 64];
const WORKERS = [1, 2] as const;
type Workers = (typeof WORKERS)[number];

export interface WorkersRun {
  workers: Workers;
  connections: number;
  repeat: number;
  measurement: Measurement;
}

/** The server's processes by name: the one process, or the primary and each worker (the store lists the workers). */
async function serverProcesses(server: SlipwayServer, workers: Workers): Promise<NamedProcess[]> {
  const pid = server.pid;
  if (pid === undefined) throw new Error('server has no pid');
  if (workers === 1) return [{ label: 'server', pid }];
  const pids = (await replicas(server.url)).map((r) => r.pid).sort((a, b) => a - b);
  if (pids.length !== workers) throw new Error(`expected ${workers} workers in /api/v1/cluster, found ${pids.length}`);
  return [{ label: 'primary', pid }, ...pids.map((p, i) => ({ label: `worker ${i + 1}`, pid: p }))];
}

/** "primary 3 · worker 1 81 · worker 2 80 · load gen 35 · others 2" (% of one core, whole processes). */
function cpuSplit(m: Measurement): string {
  const c = m.observed?.cpu;
  if (!c) return '–';
  const parts = (c.processes ?? []).map((p) => `${p.label} ${(p.mainPct + p.otherPct).toFixed(0)}`);
  return [...parts, `load gen ${c.loadgenPct.toFixed(0)}`, `others ${c.othersPct.toFixed(0)}`].join(' · ');
}

export async function measureWorkers(fixture: TabularFixture, d: Durations, repeats: number): Promise<SectionResult> {
  const anomalies: string[] = [];
  const runs: WorkersRun[] = [];
  const servers = new Map<Workers, SlipwayServer>();
  try {
    for (const w of WORKERS) {
      const server = await digitsServer(fixture, w === 1 ? [] : ['--workers', String(w)]);
      servers.set(w, server);
      console.log(`[cluster] --workers ${w}: pid ${String(server.pid)} at ${server.url}`);
    }
    const processes = new Map<Workers, NamedProcess[]>();
    const expected = new Map<Workers, string | undefined>();
    for (const [w, server] of servers) {
      processes.set(w, await serverProcesses(server, w));
      expected.set(w, await verifyTabular(`${server.url}/v2/models/${ENDPOINT}/infer`, fixture, `Slipway --workers ${w}`));
    }
    measure: for (let repeat = 0; repeat < repeats; repeat++) {
      for (const c of CONNECTIONS) {
        // Alternating which runs first, so a machine that drifts during the run falls on both alike.
        for (const w of repeat % 2 === 0 ? WORKERS : [...WORKERS].reverse()) {
          const server = servers.get(w)!;
          const expectBody = expected.get(w);
          const load = await runLoad({
            url: `${server.url}/v2/models/${ENDPOINT}/infer`, body: fixture.body, connections: c, warmupSec: d.loadWarmupSec, durationSec: d.loadSec,
            observer: new Observer(processes.get(w), { baseUrl: server.url, endpoint: ENDPOINT }), label: `cluster --workers ${w} c=${c} #${repeat + 1}`,
            ...(expectBody !== undefined ? { expectBody } : {}),
          });
          const measurement = fromHttp(`Slipway --workers ${w} (#${repeat + 1})`, 'http-json', load);
          runs.push({ workers: w, connections: c, repeat, measurement });
          console.log(`[cluster] ${progressLine(measurement)} [${cpuSplit(measurement)}]`);
          if (server.exited) {
            anomalies.push(`cluster: Slipway --workers ${w} ${server.exited} at c=${c}; stderr tail:\n${server.stderr}`);
            break measure;
          }
        }
      }
    }
  } finally {
    for (const server of servers.values()) await server.stop();
  }
  for (const [w, server] of servers) {
    // The primary says on stderr that it passes SIGTERM on to its workers: how it is stopped, not a problem.
    const unexpected = server.stderr.split('\n').filter((l) => l.trim() && !l.startsWith('slipway: SIGTERM received')).join('\n');
    if (unexpected) anomalies.push(`cluster: Slipway --workers ${w} wrote to stderr (log level warn):\n${unexpected.slice(-2000)}`);
  }

  const summary = CONNECTIONS.flatMap((c) => WORKERS.map((w) => {
    const list = runs.filter((r) => r.connections === c && r.workers === w).map((r) => r.measurement);
    const meanOf = (f: (m: Measurement) => number | undefined): number => {
      const values = list.map(f).filter((v): v is number => v !== undefined);
      return values.reduce((a, b) => a + b, 0) / values.length;
    };
    const labels = list[0]?.observed?.cpu.processes?.map((p) => p.label) ?? [];
    return {
      workers: w, connections: c, rates: list.map((m) => m.requestsPerSec),
      medianRate: median(list.map((m) => m.requestsPerSec)),
      medianP50: median(list.map((m) => m.latency.p50Ms)),
      medianP99: median(list.map((m) => m.latency.p99Ms)),
      cpuMsPerRequest: median(list.map(serverCpuMsPerRequest).filter((v): v is number => v !== undefined)),
      // Mean CPU of each part over the repeats (% of one core).
      cpu: {
        processes: labels.map((label) => ({
          label,
          pct: meanOf((m) => {
            const p = m.observed?.cpu.processes?.find((x) => x.label === label);
            return p === undefined ? undefined : p.mainPct + p.otherPct;
          }),
        })),
        loadgen: meanOf((m) => m.observed?.cpu.loadgenPct),
        others: meanOf((m) => m.observed?.cpu.othersPct),
        machine: meanOf((m) => m.observed?.cpu.machineBusyPct),
      },
    };
  }));
  const one = (c: number): (typeof summary)[number] | undefined => summary.find((s) => s.connections === c && s.workers === 1);
  const table: Table = {
    title: 'Cluster: `slipway serve --workers 2` vs `--workers 1`, digits HTTP+JSON (SQLite home)',
    notes: [
      `Runtime: ${RUNTIME_NOTE}. Both servers run side by side (the idle one costs a heartbeat a second); each concurrency measures both, in alternating order, ${repeats} time(s), ${d.loadSec} s windows after ${d.loadWarmupSec} s of warm-up; req/s and latencies are medians of the repeats.`,
      `Load: ${HTTP_LOADGEN === 'wrk' ? 'wrk (one thread, a process of its own)' : 'autocannon in the bench process'}, closed loop, c connections with one request in flight each. With --workers 2 the primary accepts each connection and hands it to a worker in turn (Node's cluster round robin); requests then go straight to that worker.`,
      'CPU: mean % of one core over the measurement windows (2 cores = 200%), whole processes (every thread): the primary, each worker (or the one server process), the load generator (wrk and the bench process), others (everything else on this shared machine).',
    ],
    headers: ['workers', 'c', 'req/s per repeat', 'req/s (median)', '÷ --workers 1', 'p50 ms', 'p99 ms', 'CPU %: server processes · load gen · others · machine', 'server CPU ms/req'],
    rows: summary.filter((s) => s.rates.length > 0).map((s) => [
      String(s.workers), String(s.connections), s.rates.map(fmtRate).join(' / '), fmtRate(s.medianRate),
      s.workers === 1 ? '–' : fmtRatio(s.medianRate / (one(s.connections)?.medianRate ?? Number.NaN)),
      fmtMs(s.medianP50), fmtMs(s.medianP99),
      [...s.cpu.processes.map((p) => `${p.label} ${p.pct.toFixed(0)}`), `load gen ${s.cpu.loadgen.toFixed(0)}`, `others ${s.cpu.others.toFixed(0)}`, `machine ${s.cpu.machine.toFixed(0)}`].join(' · '),
      fmtMs(s.cpuMsPerRequest),
    ]),
  };
  const detail = loadTable('Cluster: --workers, every repeat', ['CPU main/other sum the threads of every server process (primary and workers).'], runs.map((r) => r.measurement), [
    { header: '÷ --workers 1 (median)', value: (m) => m.requestsPerSec / (one(m.concurrency)?.medianRate ?? Number.NaN) },
  ]);
  const observations = CONNECTIONS.flatMap((c) => {
    const a = one(c);
    const b = summary.find((s) => s.connections === c && s.workers === 2);
    if (!a || !b || a.rates.length === 0 || b.rates.length === 0) return [];
    const workersPct = b.cpu.processes.filter((p) => p.label.startsWith('worker')).map((p) => p.pct.toFixed(0)).join(' + ');
    return [`cluster --workers at c=${c}: 2 workers serve ${fmtRatio(b.medianRate / a.medianRate)} of one process (${b.medianRate.toFixed(0)} vs ${a.medianRate.toFixed(0)} req/s). One process used ${a.cpu.processes[0]?.pct.toFixed(0) ?? '–'}% of a core beside the load generator's ${a.cpu.loadgen.toFixed(0)}%; with two workers the machine was ${b.cpu.machine.toFixed(0)}% busy of 200%: workers ${workersPct}%, primary ${b.cpu.processes.find((p) => p.label === 'primary')?.pct.toFixed(0) ?? '–'}%, load generator ${b.cpu.loadgen.toFixed(0)}%, others ${b.cpu.others.toFixed(0)}%.`];
  });
  return { tables: [table, detail], goals: [], observations, anomalies: [...anomalies, ...anomaliesOf('cluster', runs.map((r) => r.measurement))], data: { summary, runs } };
}
