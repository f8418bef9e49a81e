// `npm run soak -- --minutes N`: a real server with the bundled examples, capture on, mixed JSON/binary/gRPC traffic,
// a canary that succeeds and one whose gate fails (rolled back), a monitor alerting on shifted traffic to a webhook
// receiver run here, a restart in the middle; then RSS and open-file trends, captures against answered requests,
// webhook deliveries and errors, judged (checks.ts) and written to soak/results/ as Markdown and JSON. Exits 1 when a
// check fails.

import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LIMITS, judgeSoak, type CaptureFigures, type Segment, type SoakLimits, type WebhookFigures } from './checks.js';
import { ProcSampler } from './proc-sampler.js';
import { renderJson, renderMarkdown, type SoakRun } from './report.js';
import { freePort, ROOT, startSoakServer, stopSoakServer, type SoakServer } from './server.js';
import { trendAfter } from './slope.js';
import { Traffic } from './traffic.js';
import { WebhookReceiver } from './webhook-receiver.js';

interface Options {
  minutes: number;
  rate: number;
  concurrency: number;
  warmupS: number;
  examples: string;
  out: string;
  keep: boolean;
  limits: SoakLimits;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    minutes: 30, rate: 30, concurrency: 4, warmupS: 30, examples: join(ROOT, 'examples'), out: join(ROOT, 'soak', 'results'), keep: false,
    limits: { ...DEFAULT_LIMITS },
  };
  const number = (flag: string, v: string | undefined): number => {
    const n = Number(v);
    if (v === undefined || !Number.isFinite(n) || n <= 0) throw new Error(`${flag}: expected a positive number, got ${JSON.stringify(v)}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = (): string | undefined => argv[++i];
    if (flag === '--minutes') o.minutes = number(flag, value());
    else if (flag === '--rate') o.rate = number(flag, value());
    else if (flag === '--concurrency') o.concurrency = number(flag, value());
    else if (flag === '--warmup') o.warmupS = number(flag, value());
    else if (flag === '--examples') o.examples = value() ?? o.examples;
    else if (flag === '--out') o.out = value() ?? o.out;
    else if (flag === '--max-rss-slope') o.limits.maxRssMbPerMinute = number(flag, value());
    else if (flag === '--max-fd-slope') o.limits.maxFdsPerMinute = number(flag, value());
    else if (flag === '--keep') o.keep = true;
    else throw new Error(`unknown flag ${flag}; expected --minutes N, --rate R, --concurrency C, --warmup S, --examples DIR, --out DIR, --max-rss-slope MB, --max-fd-slope N, --keep`);
  }
  if (o.minutes < 1) throw new Error('--minutes: at least 1 (each phase needs time)');
  return o;
}

/** Rows per monitor window: small enough that a short run's shifted traffic fills one. */
const WINDOW_ROWS = 100;
/** How often RSS and open files are read: every second, so a short run still has enough points for a slope. */
const SAMPLE_MS = 1000;
/** Candidate requests a canary step needs before its gates are judged. */
const MIN_REQUESTS = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function api<T>(server: SoakServer, method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
  const response = await fetch(`${server.url}${path}`, {
    method, ...(body !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: (text ? JSON.parse(text) : undefined) as T };
}

async function must<T>(server: SoakServer, method: string, path: string, body?: unknown): Promise<T> {
  const r = await api<T>(server, method, path, body);
  if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

function cli(server: SoakServer, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'cli', 'main.js'), '--server', server.url, ...args], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`slipway ${args.join(' ')} exited ${code}: ${out}`))));
  });
}

/** Polls `check` until it returns a value (bounded); undefined when time ran out. */
async function until<T>(check: () => Promise<T | undefined>, timeoutMs: number): Promise<T | undefined> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const v = await check().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(500);
  }
  return undefined;
}

/**
 * Runs a canary of digits to `model` (steps 50, 100) and waits (bounded) for it to end: its status and reason, "running"
 * when time ran out, or why it could not start. Forced: a loaded machine may fail a package's latency test, and what
 * the soak watches is the rollout, not the validation.
 */
async function canary(server: SoakServer, model: string, gates: string[], bake: string, timeoutMs: number, note: (what: string) => void): Promise<string> {
  let id: string;
  try {
    ({ id } = await must<{ id: string }>(server, 'POST', '/api/v1/endpoints/digits/rollouts', {
      model, steps: [50, 100], bake, gates, force: true, reason: 'soak run',
    }));
  } catch (err) {
    note(`canary to ${model} could not start: ${(err as Error).message}`);
    return `could not start: ${(err as Error).message}`;
  }
  note(`canary ${id}: digits → ${model}, steps 50,100, bake ${bake}, gates ${gates.join(' ')}`);
  const ended = await until(async () => {
    const s = await must<{ status: string; reason: string | null }>(server, 'GET', '/api/v1/endpoints/digits/rollout');
    return s.status === 'running' || s.status === 'paused' ? undefined : s;
  }, timeoutMs);
  const end = ended ? `${ended.status}${ended.reason ? ` (${ended.reason})` : ''}` : 'running';
  note(`canary ${id} ended: ${end}`);
  return end;
}

async function main(): Promise<number> {
  const o = parseArgs(process.argv.slice(2));
  const totalMs = o.minutes * 60_000;
  const home = mkdtempSync(join(tmpdir(), 'slipway-soak-'));
  const startedAt = new Date().toISOString();
  const t0 = Date.now();
  const timeline: SoakRun['timeline'] = [];
  const note = (what: string): void => {
    const atS = (Date.now() - t0) / 1000;
    timeline.push({ atS, what });
    console.log(`${atS.toFixed(1).padStart(7)} s  ${what}`);
  };
  const receiver = await WebhookReceiver.start();
  const [port, grpcPort] = [await freePort(), await freePort()];
  let server = await startSoakServer(home, port, grpcPort, o.examples);
  note(`server ${server.pid} ready on ${server.url} (gRPC ${server.grpcAddress}), data in ${home}`);
  const segments: { label: string; sampler: ProcSampler; from: number }[] = [];
  let traffic: Traffic | undefined;
  try {
    for (const endpoint of ['digits', 'diabetes']) await must(server, 'PUT', `/api/v1/endpoints/${endpoint}/capture`, { enabled: true, sampleRate: 1 });
    await must(server, 'PUT', '/api/v1/endpoints/diabetes/monitor', { enabled: true, windowRows: WINDOW_ROWS, webhook: { url: receiver.url, minSeverity: 'warning' } });
    const pushed = await cli(server, ['push', join(o.examples, 'digits')]);
    note(`capture on (digits, diabetes), monitor on diabetes (windows of ${WINDOW_ROWS} rows, webhook ${receiver.url}); ${pushed.trim().split('\n')[0]}`);

    segments.push({ label: 'first server', sampler: new ProcSampler(server.pid, SAMPLE_MS), from: Date.now() });
    traffic = new Traffic({ examples: o.examples, url: server.url, grpcAddress: server.grpcAddress, ratePerSecond: o.rate, concurrency: o.concurrency });
    traffic.start();
    const trafficStart = Date.now();
    const at = (fraction: number): Promise<void> => sleep(Math.max(0, trafficStart + fraction * totalMs - Date.now()));
    note(`traffic: ${o.rate} requests/s at most, ${o.concurrency} in flight at most, JSON/binary/gRPC on digits and diabetes`);

    // A canary that should pass its gates and complete.
    await at(0.12);
    // Long enough for the candidate's share of the traffic to pass min_requests in each step.
    const bake = `${Math.max(10, Math.round(totalMs * 0.04 / 1000), Math.ceil((4 * MIN_REQUESTS) / o.rate))}s`;
    const canaryEnd = await canary(server, 'digits:2', ['error_rate<=0.01', `min_requests>=${MIN_REQUESTS}`], bake, totalMs * 0.2, note);

    // Shifted diabetes traffic until the monitor alerts (bounded), then back to normal.
    await at(0.3);
    traffic.drift = true;
    note('diabetes traffic shifted (bmi, bp, s5 recalibrated)');
    const alerted = await until(async () => {
      const events = await must<{ id: number }[]>(server, 'GET', '/api/v1/monitor/events?endpoint=diabetes');
      return events.length > 0 ? events.length : undefined;
    }, totalMs * 0.15);
    traffic.drift = false;
    note(`diabetes traffic back to normal; ${alerted ?? 0} alert events so far`);

    // The restart: SIGTERM (captures buffered are flushed on the way down), then the same ports and home again.
    await at(0.5);
    traffic.restarting = true;
    note(`restart: SIGTERM to ${server.pid}`);
    await stopSoakServer(server);
    segments.at(-1)!.sampler.stop();
    server = await startSoakServer(home, port, grpcPort, o.examples);
    traffic.reconnect();
    segments.push({ label: 'after the restart', sampler: new ProcSampler(server.pid, SAMPLE_MS), from: Date.now() });
    // Requests sent before readiness may still be on their way back: a moment, then failures count again.
    await sleep(1000);
    traffic.restarting = false;
    note(`server ${server.pid} ready again`);

    // A canary whose gate cannot pass (the candidate's p99 at 1% of the stable one's): rolled back by the gate.
    await at(0.65);
    const serving = (await must<{ variants: { model: string; weight: number }[] }>(server, 'GET', '/api/v1/endpoints/digits')).variants.find((v) => v.weight > 0)!.model;
    const other = serving === 'digits:2' ? 'digits:1' : 'digits:2';
    note(`digits serves ${serving}; the next canary's gate p99_latency_ratio<=0.01 fails on purpose`);
    const rollbackEnd = await canary(server, other, ['p99_latency_ratio<=0.01', `min_requests>=${MIN_REQUESTS}`], bake, totalMs * 0.2, note);

    await at(1);
    await traffic.stop();
    note('traffic stopped');
    for (const s of segments) s.sampler.stop();

    // Deliveries still pending get their retries (bounded).
    const deliveries = await until(async () => {
      const list = await must<{ eventId: number | null; status: string }[]>(server, 'GET', '/api/v1/webhook-deliveries?limit=1000');
      return list.some((d) => d.status === 'pending') ? undefined : list;
    }, 60_000) ?? await must<{ eventId: number | null; status: string }[]>(server, 'GET', '/api/v1/webhook-deliveries?limit=1000');
    const events = await must<{ id: number }[]>(server, 'GET', '/api/v1/monitor/events?endpoint=diabetes&limit=1000');
    const received = new Set(receiver.eventIds);
    const webhooks: WebhookFigures = {
      events: events.length,
      delivered: deliveries.filter((d) => d.status === 'delivered').length,
      failed: deliveries.filter((d) => d.status === 'failed').length,
      pending: deliveries.filter((d) => d.status === 'pending').length,
      withoutDelivery: events.filter((e) => !deliveries.some((d) => d.eventId === e.id)).length,
      deliveredNotReceived: deliveries.filter((d) => d.status === 'delivered' && d.eventId !== null && !received.has(d.eventId)).length,
      received: received.size,
    };

    // Every answered request's id against the captured rows (an export flushes what is buffered first).
    let answered = 0;
    let captured = 0;
    let capturedUnanswered = 0;
    let duplicated = 0;
    const missing: string[] = [];
    for (const [endpoint, ids] of traffic.answered) {
      const text = await (await fetch(`${server.url}/api/v1/endpoints/${endpoint}/export?format=jsonl`)).text();
      const rows = new Map<string, number>();
      for (const line of text.split('\n')) {
        if (!line) continue;
        const id = (JSON.parse(line) as { request_id: string }).request_id;
        rows.set(id, (rows.get(id) ?? 0) + 1);
      }
      answered += ids.size;
      for (const id of ids) if (!rows.has(id)) missing.push(id);
      for (const [id, n] of rows) {
        if (ids.has(id)) captured++;
        else capturedUnanswered++;
        if (n > 1) duplicated++;
      }
    }
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const dropped = [...metrics.matchAll(/^slipway_capture_dropped_total\{[^}]*\} (\d+)/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
    const captures: CaptureFigures = { answered, captured, missing: missing.length, missingSample: missing.slice(0, 5), duplicated, capturedUnanswered, dropped };

    const warmUpMs = o.warmupS * 1000;
    const trendSegments: Segment[] = segments.map((s) => ({
      label: s.label, pid: s.sampler.pid,
      rss: trendAfter(s.sampler.rss, s.from + warmUpMs),
      fds: trendAfter(s.sampler.fds, s.from + warmUpMs),
    }));
    const figures = { segments: trendSegments, requests: traffic.figures(), captures, webhooks, canary: canaryEnd, rollback: rollbackEnd };
    const checks = judgeSoak(figures, o.limits);
    if (traffic.failures.length) note(`failures outside the restart: ${traffic.failures.slice(0, 5).join('; ')}`);
    const run: SoakRun = {
      startedAt, minutes: o.minutes, timeline, figures, limits: o.limits, checks, host: `${hostname()} (Node ${process.version})`,
      samples: segments.map((s) => ({ label: s.label, pid: s.sampler.pid, rss: s.sampler.rss, fds: s.sampler.fds })),
    };
    mkdirSync(o.out, { recursive: true });
    const base = join(o.out, `soak-${startedAt.slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}`);
    writeFileSync(`${base}.md`, renderMarkdown(run));
    writeFileSync(`${base}.json`, renderJson(run));
    for (const c of checks) console.log(`${c.passed ? 'pass' : 'FAIL'}  ${c.name}: ${c.detail}`);
    console.log(`report: ${base}.md, ${base}.json`);
    return checks.every((c) => c.passed) ? 0 : 1;
  } finally {
    await traffic?.stop();
    for (const s of segments) s.sampler.stop();
    await stopSoakServer(server);
    await receiver.close();
    if (!o.keep) rmSync(home, { recursive: true, force: true });
  }
}

main().then((code) => process.exit(code), (err: Error) => {
  console.error(`soak failed: ${err.stack ?? err.message}`);
  process.exit(2);
});
