// Benchmark report: machine info, tables, goals, observations and anomalies, printed and written to bench/results/<out>.{md,json} (latest by default).

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { DISTURBED_PCT } from './cpu-probe.js';
import { serverCpuMsPerRequest, type Measurement } from './measurement.js';

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  node: string;
  os: string;
  totalMemGiB: number;
  /** 1-minute load average when the bench started (the machine is shared). */
  loadAverage1m: number;
  date: string;
}

export interface Table {
  title: string;
  notes: string[];
  headers: string[];
  rows: string[][];
}

export interface Goal {
  section: string;
  goal: string;
  /** The measured figure and what it was computed from. */
  measured: string;
  met: boolean;
}

export interface Report {
  machine: Machine;
  options: { quick: boolean; only: string[] };
  wallSec: number;
  tables: Table[];
  goals: Goal[];
  observations: string[];
  anomalies: string[];
  /** Every measurement and setting, for tools. */
  data: Record<string, unknown>;
}

export function machineInfo(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cpuCount: list.length,
    node: process.version,
    os: `${platform()} ${release()}`,
    totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    date: new Date().toISOString(),
  };
}

// ---- cell formatting ----

export const fmtMs = (v: number): string => (Number.isNaN(v) ? '–' : v < 1 ? v.toFixed(3) : v < 100 ? v.toFixed(2) : v.toFixed(0));
export const fmtRate = (v: number): string => (Number.isNaN(v) ? '–' : v < 100 ? v.toFixed(1) : v.toFixed(0));
export const fmtRatio = (v: number | undefined): string => (v === undefined || !Number.isFinite(v) ? '–' : `${v.toFixed(2)}×`);
export const fmtPct = (v: number): string => `${(100 * v).toFixed(1)}%`;

/** "main 98 · other 45 · gen 60 · others 3" (% of one core). */
export function cpuCell(m: Measurement): string {
  const c = m.observed?.cpu;
  if (!c) return '–';
  return `${c.serverMainPct.toFixed(0)} · ${c.serverOtherPct.toFixed(0)} · ${c.loadgenPct.toFixed(0)} · ${c.othersPct.toFixed(0)}${c.othersPct >= DISTURBED_PCT ? ' ⚠' : ''}`;
}

export const CPU_HEADER = 'CPU % main · other · gen · others';
export const CPU_NOTE =
  'CPU columns: % of one core over the measurement window (2 cores = 200%): the server process\'s main thread (event loop), its other threads ' +
  '(model instances, decoders, onnxruntime pools, GC), the load generator (this bench process), and everything else on the machine. ' +
  `⚠: other processes used ≥ ${DISTURBED_PCT}% of a core during the window (shared machine), so the row is disturbed and its figures are low.`;

export interface RatioColumn {
  header: string;
  value: (m: Measurement) => number | undefined;
}

/** The standard load table: throughput, latency, ratios to baselines, Slipway's own view, CPU, problems. */
export function loadTable(title: string, notes: string[], measurements: Measurement[], ratios: RatioColumn[]): Table {
  const headers = ['scenario', 'c', 'req/s', 'p50 ms', 'p99 ms', ...ratios.map((r) => r.header), 'in-server ms', 'batch', 'loop lag p99 ms', CPU_HEADER, 'server CPU ms/req', 'non-2xx', 'errors'];
  const rows = measurements.map((m) => {
    const s = m.observed?.server;
    return [
      m.scenario,
      String(m.concurrency),
      fmtRate(m.requestsPerSec),
      fmtMs(m.latency.p50Ms),
      fmtMs(m.latency.p99Ms),
      ...ratios.map((r) => fmtRatio(r.value(m))),
      s ? `${fmtMs(s.meanInServerMs)} (q ${fmtMs(s.meanQueueMs)})` : '–',
      s ? s.meanBatchRows.toFixed(1) : '–',
      s ? fmtMs(s.eventLoopLagP99Ms) : '–',
      cpuCell(m),
      ((v) => (v === undefined ? '–' : fmtMs(v)))(serverCpuMsPerRequest(m)),
      String(m.non2xx),
      String(m.errors),
    ];
  });
  return { title, notes: [...notes, CPU_NOTE, 'in-server ms: mean time inside Slipway\'s scheduler per request (queue wait + batch compute), from /metrics; batch: mean rows per model execution; loop lag: p99 delay of Slipway\'s main event loop over the window (prom-client, 10 ms resolution timer); server CPU ms/req: CPU time of all server threads per answered request.'], headers, rows };
}

export function consoleTable(table: Table): string {
  const all = [table.headers, ...table.rows];
  const widths = table.headers.map((_, i) => Math.max(...all.map((r) => (r[i] ?? '').length)));
  const lines = all.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  '));
  return [`== ${table.title} ==`, ...lines].join('\n');
}

function markdownTable(table: Table): string {
  const esc = (c: string): string => c.replace(/\|/g, '\\|');
  return [
    `### ${table.title}`,
    '',
    ...table.notes.map((n) => `- ${n}`),
    ...(table.notes.length ? [''] : []),
    `| ${table.headers.map(esc).join(' | ')} |`,
    `|${table.headers.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...table.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
    '',
  ].join('\n');
}

export function goalLines(goals: Goal[]): string[] {
  return goals.map((g) => `${g.met ? 'MET   ' : 'MISSED'} [${g.section}] ${g.goal}: ${g.measured}`);
}

export function markdown(report: Report): string {
  const m = report.machine;
  return [
    '# Slipway benchmark',
    '',
    `- Date: ${m.date}${report.options.quick ? ' (**--quick smoke run: short windows, figures are indicative only**)' : ''}`,
    `- Machine: ${m.cpuCount} × ${m.cpuModel}, ${m.totalMemGiB} GiB, ${m.os}, Node ${m.node}; 1-min load average at start ${m.loadAverage1m} (shared machine)`,
    `- Sections: ${report.options.only.join(', ')}; bench wall time ${report.wallSec.toFixed(0)} s`,
    '- Every served figure is measured in the same run as its baselines. Load generators run in the bench process, servers in child processes, all on the same 2-core machine.',
    '',
    '## Goals',
    '',
    ...(report.goals.length ? report.goals.map((g) => `- ${g.met ? '✅ met' : '❌ missed'} — **${g.section}**: ${g.goal}: ${g.measured}`) : ['- (no goals in the selected sections)']),
    '',
    '## Results',
    '',
    ...report.tables.map(markdownTable),
    '## Observations',
    '',
    ...(report.observations.length ? report.observations.map((o) => `- ${o}`) : ['- none']),
    '',
    '## Anomalies',
    '',
    ...(report.anomalies.length ? report.anomalies.map((a) => `- ${a}`) : ['- none: every measured request answered as expected (429s are only expected in the overload section)']),
    '',
  ].join('\n');
}

/** Writes bench/results/<name>.md and .json. */
export async function writeReport(report: Report, name = 'latest'): Promise<{ md: string; json: string }> {
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const md = join(dir, `${name}.md`);
  const json = join(dir, `${name}.json`);
  await writeFile(md, markdown(report));
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return { md, json };
}
