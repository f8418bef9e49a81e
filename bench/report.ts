// Benchmark report: the results table (console, Markdown, JSON) with machine info, written to bench/results/.

import { mkdir, writeFile } from 'node:fs/promises';
import { cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import type { LoadResult } from './http-load.js';
import type { RawResult } from './raw-onnxruntime.js';

export interface Row {
  scenario: string;
  concurrency: number;
  requestsPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** requestsPerSec ÷ the raw limit. */
  ratio: number;
  non2xx: number;
  errors: number;
}

export interface ServedRun {
  scenario: string;
  instances: number;
  intraOpThreads: number;
  load: LoadResult;
}

export interface Machine {
  cpuModel: string;
  cpuCount: number;
  node: string;
  os: string;
  totalMemGiB: number;
  date: string;
}

export interface Report {
  machine: Machine;
  model: string;
  rawLimitPerSec: number;
  rawLimitScenario: string;
  rows: Row[];
  raw: RawResult[];
  served: ServedRun[];
  anomalies: string[];
}

export function machineInfo(): Machine {
  const list = cpus();
  return {
    cpuModel: list[0]?.model ?? 'unknown',
    cpuCount: list.length,
    node: process.version,
    os: `${platform()} ${release()}`,
    totalMemGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    date: new Date().toISOString(),
  };
}

export function buildRows(raw: RawResult[], served: ServedRun[], rawLimit: number): Row[] {
  const rows: Row[] = raw.map((r) => ({
    scenario: r.scenario,
    concurrency: r.sessions,
    requestsPerSec: r.inferencesPerSec,
    p50Ms: r.latency.p50Ms,
    p99Ms: r.latency.p99Ms,
    ratio: r.inferencesPerSec / rawLimit,
    non2xx: 0,
    errors: 0,
  }));
  for (const s of served) {
    rows.push({
      scenario: s.scenario,
      concurrency: s.load.connections,
      requestsPerSec: s.load.requestsPerSec,
      p50Ms: s.load.latency.p50Ms,
      p99Ms: s.load.latency.p99Ms,
      ratio: s.load.requestsPerSec / rawLimit,
      non2xx: s.load.non2xx,
      errors: s.load.errors + s.load.mismatches,
    });
  }
  return rows;
}

const HEADERS = ['scenario', 'concurrency', 'req/s', 'p50 ms', 'p99 ms', 'served/raw', 'non-2xx', 'errors'];

function cells(row: Row): string[] {
  const ms = (v: number): string => (v < 1 ? v.toFixed(3) : v.toFixed(2));
  return [row.scenario, String(row.concurrency), row.requestsPerSec.toFixed(0), ms(row.p50Ms), ms(row.p99Ms), row.ratio.toFixed(3), String(row.non2xx), String(row.errors)];
}

export function consoleTable(rows: Row[]): string {
  const table = [HEADERS, ...rows.map(cells)];
  const widths = HEADERS.map((_, i) => Math.max(...table.map((r) => (r[i] ?? '').length)));
  return table.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ')).join('\n');
}

export function markdown(report: Report): string {
  const m = report.machine;
  const lines = [
    '# Slipway benchmark: digits (MLP, [1,64] FP32), v2 JSON infer',
    '',
    `- Date: ${m.date}`,
    `- Machine: ${m.cpuCount} × ${m.cpuModel}, ${m.totalMemGiB} GiB, ${m.os}, Node ${m.node}`,
    `- Raw limit: ${report.rawLimitPerSec.toFixed(0)} inferences/s (${report.rawLimitScenario}); served/raw = req/s ÷ raw limit`,
    '- Served load: autocannon in the bench process (same machine as the server), closed loop, one connection = one request in flight; latencies are exact per-response times of 2xx responses',
    '',
    `| ${HEADERS.join(' | ')} |`,
    `|${HEADERS.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`,
    ...report.rows.map((r) => `| ${cells(r).join(' | ')} |`),
    '',
    report.anomalies.length ? `## Anomalies\n\n${report.anomalies.map((a) => `- ${a}`).join('\n')}` : 'No anomalies: every served request returned 2xx with the expected body.',
    '',
  ];
  return lines.join('\n');
}

export async function writeReport(report: Report): Promise<{ md: string; json: string }> {
  const dir = join(import.meta.dirname, 'results');
  await mkdir(dir, { recursive: true });
  const md = join(dir, 'latest.md');
  const json = join(dir, 'latest.json');
  await writeFile(md, markdown(report));
  await writeFile(json, `${JSON.stringify(report, null, 2)}\n`);
  return { md, json };
}
