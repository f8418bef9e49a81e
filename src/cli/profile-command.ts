// `slipway profile`: sweep runtime configs on the server with progress, print the answers, write report.json and chart.svg.

import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseDuration } from '../core/duration.js';
import { parseModelRef } from '../core/model-ref.js';
import type { ModelVersion } from '../core/model-version.js';
import type { ProfileChoice, ProfileReport } from '../core/profile-report.js';
import { profileChartSvg } from '../profiler/chart-svg.js';
import type { ProfileEvent, ProfileRequest } from '../profiler/profile-run.js';
import { describeConfig } from '../profiler/recommend.js';
import { CliError, type SlipwayClient } from './client.js';
import { renderTable } from './table.js';
import type { CommandContext } from './validate-command.js';

interface ProfileFlags {
  sloP99: string;
  budget?: string;
  exhaustive?: boolean;
  pricePerHour?: string;
  targetRps?: string;
  out?: string;
  concurrency?: string;
  minRequests?: string;
  pointMs?: string;
  seed?: string;
}

const f = (n: number): string => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function choiceLine(title: string, c: ProfileChoice | null): string {
  return c ? `${title}: ${describeConfig(c.point.config)} — ${c.reason}` : `${title}: none`;
}

/** The report for people: every point (front marked), the answers, capacity, and what to change if nothing fits. */
export function describeProfile(report: ProfileReport): string {
  const front = new Set(report.pareto);
  const table = renderTable(
    ['front', 'instances', 'threads', 'max batch', 'delay µs', 'clients', 'inferences/s', 'p50 ms', 'p95 ms', 'p99 ms', '± ms', 'cpu', 'USD/M'],
    report.points.map((p, i) => [
      front.has(i) ? '*' : '', p.config.instances, p.config.busyIntraOpThreads ? `${p.config.intraOpThreads} (${p.config.busyIntraOpThreads} beside)` : p.config.intraOpThreads, p.config.maxBatchSize, p.config.maxQueueDelayMicros, p.concurrency,
      f(p.throughput), f(p.p50Ms), f(p.p95Ms), f(p.p99Ms), f(p.spreadMs), `${Math.round(p.cpu * 100)}%`, p.costPerMillion.toPrecision(3),
    ]),
  );
  const lines = [
    `${report.model} on ${report.host.cores} cores (${report.host.cpuModel}), execution providers: ${report.host.executionProviders.join(', ')}${report.host.unavailableProviders?.length ? ` (not usable here: ${report.host.unavailableProviders.map((p) => p.provider).join(', ')})` : ''}`,
    `${report.space.measured} of ${report.space.configs} configs measured, ${report.input} inputs, SLO p99 ≤ ${report.settings.sloP99Ms} ms`
      + (report.batchingBlocker ? `; batching not tried: ${report.batchingBlocker}` : ''),
    table,
    '',
    choiceLine('recommended', report.recommended),
    choiceLine('lowest latency', report.minLatency),
    choiceLine('lowest cost', report.minCost),
  ];
  if (!report.meetsSlo) {
    lines.push(`NO configuration meets p99 ≤ ${report.settings.sloP99Ms} ms. ${choiceLine('closest', report.closest)}`, 'to meet it:');
    for (const s of report.suggestions) lines.push(`  - ${s}`);
  }
  if (report.capacity) {
    const c = report.capacity;
    lines.push(`capacity for ${c.targetRps}/s: ${c.replicas} replicas of ${f(c.perReplicaRps)}/s at ${c.headroom * 100}% load, ${c.cpu} cpu and ${c.memoryMiB}Mi each`);
  }
  return lines.join('\n');
}

function progressLine(event: ProfileEvent): string | undefined {
  switch (event.type) {
    case 'start':
      return `profiling ${event.model}: ${event.planned} of ${event.configs} configs planned on ${event.cores} cores (${event.input} inputs)`;
    case 'config':
      return `[${event.index + 1}/${event.total}] ${describeConfig(event.config)}`;
    case 'point':
      return `    ${event.point.concurrency} clients: ${f(event.point.throughput)}/s, p99 ${f(event.point.p99Ms)} ms`;
    default:
      return undefined;
  }
}

async function resolveVersion(c: SlipwayClient, ref: string): Promise<{ name: string; version: number }> {
  const parsed = parseModelRef(ref);
  if (parsed.kind === 'version') return { name: parsed.name, version: parsed.version };
  const v = await c.request<ModelVersion>('GET', `/api/v1/refs/${encodeURIComponent(ref)}`);
  return { name: v.name, version: v.version };
}

/** The stored profile of a version, or undefined when it has none. */
export async function storedProfile(c: SlipwayClient, name: string, version: number): Promise<ProfileReport | undefined> {
  try {
    return await c.request<ProfileReport>('GET', `/api/v1/models/${encodeURIComponent(name)}/versions/${version}/profile`);
  } catch (err) {
    if (err instanceof CliError && err.status === 404) return undefined;
    throw err;
  }
}

/** The runtime settings `deploy --runtime recommended` uses: the stored recommendation of the version the ref names. */
export async function recommendedRuntime(c: SlipwayClient, ref: string): Promise<Record<string, number>> {
  const { name, version } = await resolveVersion(c, ref);
  const report = await storedProfile(c, name, version);
  if (!report) throw new CliError(`no profile for ${name}:${version}; run slipway profile ${name}:${version} --slo-p99 <duration>`);
  if (!report.recommended) {
    throw new CliError(`the profile of ${name}:${version} found no configuration meeting p99 ≤ ${report.settings.sloP99Ms} ms; profile again with a looser --slo-p99, or pass runtime flags`);
  }
  const { intraOpThreads, instances, maxBatchSize, maxQueueDelayMicros, busyIntraOpThreads } = report.recommended.point.config;
  return { intraOpThreads, instances, maxBatchSize, maxQueueDelayMicros, busyIntraOpThreads: busyIntraOpThreads ?? 0 };
}

export function registerProfileCommand(program: Command, context: CommandContext): void {
  program
    .command('profile <ref>')
    .description('measure a version on the server under a sweep of runtime configs; recommend one for a p99 objective')
    .requiredOption('--slo-p99 <duration>', 'latency objective, e.g. 20ms')
    .option('--budget <duration>', 'time the search may spend (default 2m)')
    .option('--exhaustive', 'measure every configuration')
    .option('--price-per-hour <usd>', 'USD per core-hour for cost per million inferences (default 0.10)')
    .option('--target-rps <n>', 'plan replicas and emit Kubernetes Deployment and HPA snippets for this rate')
    .option('--out <dir>', 'where to write report.json and chart.svg (default ./profile-<name>-<version>/)')
    .option('--concurrency <list>', 'client concurrency levels (default 1,4,16)')
    .option('--min-requests <n>', 'timed requests per point at least (default 300)')
    .option('--point-ms <n>', 'milliseconds per point at least (default 1000)')
    .option('--seed <n>', 'search seed (default 1)')
    .action(async (ref: string, flags: ProfileFlags) => {
      const c = context.client();
      const { name, version } = await resolveVersion(c, ref);
      const num = (flag: string, v: string): number => {
        const n = Number(v);
        if (!Number.isFinite(n) || n <= 0) throw new CliError(`${flag}: expected a positive number, got "${v}"`);
        return n;
      };
      const body: ProfileRequest = { sloP99Ms: parseDuration(flags.sloP99, '--slo-p99') };
      if (body.sloP99Ms <= 0) throw new CliError('--slo-p99: expected a positive duration such as 20ms');
      if (flags.exhaustive) body.exhaustive = true;
      else if (flags.budget) body.budgetSeconds = parseDuration(flags.budget, '--budget') / 1000;
      if (flags.pricePerHour) body.pricePerCoreHour = num('--price-per-hour', flags.pricePerHour);
      if (flags.targetRps) body.targetRps = num('--target-rps', flags.targetRps);
      if (flags.concurrency) body.concurrency = flags.concurrency.split(',').map((v) => num('--concurrency', v.trim()));
      if (flags.minRequests) body.minRequests = Math.trunc(num('--min-requests', flags.minRequests));
      if (flags.pointMs) body.pointMillis = num('--point-ms', flags.pointMs);
      if (flags.seed) body.seed = Math.trunc(Number(flags.seed));
      let report: ProfileReport | undefined;
      let failure: string | undefined;
      // Progress goes to stderr, so --json output on stdout stays one document.
      await c.streamLines('POST', `/api/v1/models/${encodeURIComponent(name)}/versions/${version}/profile`, body, (line) => {
        const event = JSON.parse(line) as ProfileEvent;
        if (event.type === 'report') report = event.report;
        else if (event.type === 'error') failure = event.error;
        else process.stderr.write(`${progressLine(event)}\n`);
      });
      if (!report) throw new CliError(`profile of ${name}:${version} failed: ${failure ?? 'the server closed the stream without a report'}`);
      const out = resolve(flags.out ?? `profile-${name}-${version}`);
      await mkdir(out, { recursive: true });
      await writeFile(join(out, 'report.json'), `${JSON.stringify(report, null, 2)}\n`);
      await writeFile(join(out, 'chart.svg'), profileChartSvg(report));
      if (report.capacity) {
        await writeFile(join(out, 'deployment.yaml'), report.capacity.deploymentYaml);
        await writeFile(join(out, 'hpa.yaml'), report.capacity.hpaYaml);
      }
      const final = report;
      context.print(final, () => `${describeProfile(final)}\nwrote ${out}/report.json and chart.svg${final.capacity ? ', deployment.yaml, hpa.yaml' : ''}`);
    });
}
