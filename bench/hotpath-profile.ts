// The event loop's CPU per request of the digits workload, and where it goes: a new user's deploy (push examples/digits,
// `slipway deploy` with no runtime flags) or the naive server, loaded with wrk; main-thread CPU from the kernel
// (schedstat), optionally a CPU profile of each load window attributed by area (cpu-profile-summary.ts). With two or
// more servers it alternates their windows (A/B on a noisy machine). Not part of `npm run bench`.
//
//   npx tsx bench/hotpath-profile.ts --server slipway[=path/to/cli/main.js] [--server naive] [--connections 1,16,64]
//     [--seconds 8] [--warmup 2] [--rounds 1] [--profile] [--capture RATE] [--toggle-capture] [--out results.json]
//     [--keep-profiles DIR]
//   (--server slipway+capture: that server records every request; slipway+capture-discard: the same, but its store
//   discards each flushed batch (discard-captures.ts), what capture costs without the store write;
//   --capture RATE: every Slipway server samples at RATE; --toggle-capture: each Slipway server's windows come in
//   pairs, capture off and on at rate 1 (the order alternating by round), so capture's cost is read from one process:
//   two processes of one build differ by up to 10 % per request, more than capture's event-loop share)

import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { summarizeWindow, type CpuProfile, type WindowSummary } from './cpu-profile-summary.js';
import { DIGITS_DIR, tabularFixture, verifyTabular } from './tabular-fixture.js';
import { runWrk } from './wrk-load.js';

const execFileAsync = promisify(execFile);
const ROOT = join(import.meta.dirname, '..');
const DEFAULT_CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** Functions whose inclusive time per request the report lists (those absent from a profile read 0). */
const FUNCTIONS = [
  'inferRoute', 'decode@decode-pool', 'decodeInferRequest', 'parseJsonBody', 'infer@data-plane', 'infer@live-endpoints', 'checkRequest',
  'submit@scheduler', 'execute@scheduler', 'runSession', 'run@onnx-event-loop-runner', 'observeRequest@observer-fanout', 'observeRequest@serving-metrics',
  'observeRequest@series-recorder', 'encodeBinaryInferResponse', 'abortOnDisconnect', 'onSendHookRunner', 'onSendEnd', 'runPreParsing',
  'handleRequest', 'routeHandler', 'send@reply', 'open@capture-tap', 'close@capture-tap', 'parserOnHeadersComplete', 'processImmediate',
];

interface Options {
  /**
   * `capture`: this server records every request (capture on, sample rate 1), for capture on vs off in one run;
   * `discard`: and its store throws the records away (a control for what the store write costs).
   */
  servers: { kind: 'slipway' | 'naive'; cli: string; label: string; capture: boolean; discard: boolean }[];
  connections: number[];
  seconds: number;
  warmup: number;
  rounds: number;
  profile: boolean;
  capture: number | undefined;
  /** Each Slipway window twice, capture off and on (rate 1), on the same server. */
  toggle: boolean;
  out: string | undefined;
  /** Where to keep each server's .cpuprofile (for a closer look in DevTools or a script). */
  keep: string | undefined;
}

function parse(argv: string[]): Options {
  const o: Options = { servers: [], connections: [1, 16, 64], seconds: 8, warmup: 2, rounds: 1, profile: false, capture: undefined, toggle: false, out: undefined, keep: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => argv[++i] ?? '';
    if (a === '--server') {
      const [name, cli] = next().split('=');
      const capture = name === 'slipway+capture' || name === 'slipway+capture-discard';
      const kind = capture ? 'slipway' : name;
      if (kind !== 'slipway' && kind !== 'naive') throw new Error(`--server: slipway[+capture|+capture-discard][=cli] or naive, got ${name}`);
      o.servers.push({ kind, cli: cli ?? DEFAULT_CLI, label: cli ? `${name!}=${cli}` : name!, capture, discard: name === 'slipway+capture-discard' });
    } else if (a === '--connections') o.connections = next().split(',').map(Number);
    else if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--warmup') o.warmup = Number(next());
    else if (a === '--rounds') o.rounds = Number(next());
    else if (a === '--profile') o.profile = true;
    else if (a === '--capture') o.capture = Number(next());
    else if (a === '--toggle-capture') o.toggle = true;
    else if (a === '--out') o.out = next();
    else if (a === '--keep-profiles') o.keep = next();
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.servers.length === 0) o.servers.push({ kind: 'slipway', cli: DEFAULT_CLI, label: 'slipway', capture: false, discard: false });
  return o;
}

/** Main-thread CPU of a process in µs (the kernel's schedstat: ns on CPU). */
function mainThreadMicros(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${pid}/schedstat`, 'utf8').split(' ')[0]) / 1000;
}

/** CPU of every thread of a process in µs (utime + stime, in USER_HZ ticks of 10 ms: coarse, fine over seconds). */
function processMicros(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

/** CLOCK_MONOTONIC in µs: the clock of V8's profile timestamps in the server process. */
const monotonicMicros = (): number => Number(process.hrtime.bigint() / 1000n);

interface Started {
  child: ChildProcess;
  url: string;
  pid: number;
  profileDir: string | undefined;
  home: string | undefined;
  picked?: string;
  /** Turns the server's capture of digits on at `rate`, or off (undefined). */
  setCapture?: (rate: number | undefined) => Promise<void>;
}

async function waitForUrl(child: ChildProcess, pattern: RegExp, what: string): Promise<string> {
  let stdout = '';
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString('utf8')).slice(-4000)));
  return new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start in 60 s:\n${stderr}`)), 60_000);
    child.stdout?.on('data', (c: Buffer) => {
      stdout += c.toString('utf8');
      const m = pattern.exec(stdout);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stdout?.resume();
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${String(code)}):\n${stderr}`));
    });
  });
}

async function start(server: Options['servers'][number], profile: boolean, capture: number | undefined): Promise<Started> {
  const profileDir = profile ? await mkdtemp(join(tmpdir(), 'slipway-cpuprof-')) : undefined;
  const prof = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir, '--cpu-prof-interval', '200'] : [];
  if (server.kind === 'naive') {
    const child = spawn(process.execPath, [...prof, '--import', 'tsx', join(ROOT, 'bench', 'naive-server.ts'), join(DIGITS_DIR, 'model.onnx')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const url = await waitForUrl(child, /listening on (http:\/\/\S+)/, 'naive server');
    return { child, url, pid: child.pid!, profileDir, home: undefined };
  }
  const home = await mkdtemp(join(tmpdir(), 'slipway-hotpath-'));
  const discard = server.discard ? ['--import', 'tsx', '--import', join(ROOT, 'bench', 'discard-captures.ts')] : [];
  const child = spawn(process.execPath, [...prof, ...discard, server.cli, 'serve', '--port', '0', '--grpc-port', '0', '--home', home, '--log-level', 'warn', '--workers', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await waitForUrl(child, /Slipway listening on (http:\/\/\S+) /, 'slipway');
  const cli = (...args: string[]): Promise<{ stdout: string }> => execFileAsync(process.execPath, [server.cli, '--server', url, '--json', ...args], { timeout: 120_000, maxBuffer: 1 << 24 });
  await cli('push', DIGITS_DIR);
  // What a new user types: no runtime flags.
  const view = JSON.parse((await cli('deploy', 'digits', '--model', 'digits:1')).stdout) as { variants: { picked?: string; running?: { onEventLoop?: boolean; maxBatchSize?: number } }[] };
  const v = view.variants[0];
  const rate = server.capture ? 1 : capture;
  if (rate !== undefined) await cli('capture', 'digits', '--on', '--sample', String(rate));
  const picked = `${v?.running?.onEventLoop ? 'event loop' : 'worker'}, batch≤${v?.running?.maxBatchSize ?? 1}: ${v?.picked ?? ''}`;
  const setCapture = async (to: number | undefined): Promise<void> => {
    await cli('capture', 'digits', ...(to === undefined ? ['--off'] : ['--on', '--sample', String(to)]));
  };
  return { child, url, pid: child.pid!, profileDir, home, picked, setCapture };
}

/** Captures the server's store holds for digits (its buffered ones are written first). */
async function storedCaptures(url: string): Promise<number> {
  const response = await fetch(`${url}/api/v1/endpoints/digits/monitor/status`);
  if (!response.ok) throw new Error(`monitor status: HTTP ${response.status}: ${await response.text()}`);
  const status = (await response.json()) as { capture: { stats: { records: number } } };
  return status.capture.stats.records;
}

async function stop(s: Started, keepAs: string | undefined): Promise<CpuProfile | undefined> {
  const exited = new Promise<void>((resolve) => s.child.once('exit', () => resolve()));
  s.child.kill('SIGTERM');
  const timer = setTimeout(() => s.child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
  let profile: CpuProfile | undefined;
  if (s.profileDir) {
    const files = (await readdir(s.profileDir)).filter((f) => f.endsWith('.cpuprofile'));
    // The main thread's profile is the largest (worker threads write their own).
    let best: { size: number; data: string } | undefined;
    for (const f of files) {
      const data = await readFile(join(s.profileDir, f), 'utf8');
      if (!best || data.length > best.size) best = { size: data.length, data };
    }
    if (best) profile = JSON.parse(best.data) as CpuProfile;
    if (best && keepAs) {
      await mkdir(dirname(keepAs), { recursive: true });
      await writeFile(keepAs, best.data);
    }
    await rm(s.profileDir, { recursive: true, force: true });
  }
  if (s.home) await rm(s.home, { recursive: true, force: true });
  return profile;
}

interface Window {
  /** The server's label, with " capture off" / " capture on" when toggling. */
  server: string;
  /** Which of options.servers ran it. */
  serverIndex: number;
  connections: number;
  round: number;
  requestsPerSec: number;
  ok: number;
  mismatches: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  mainCpuPct: number;
  mainCpuPerRequestMicros: number;
  /** Every thread of the server process (the capture writer's included). */
  processCpuPerRequestMicros: number;
  fromMicros: number;
  toMicros: number;
  profile?: WindowSummary;
}

const options = parse(process.argv.slice(2));
const fixture = await tabularFixture();
const started: Started[] = [];
const windows: Window[] = [];
try {
  for (const s of options.servers) started.push(await start(s, options.profile, options.capture));
  const expect: (string | undefined)[] = [];
  for (const [i, s] of started.entries()) {
    expect.push(await verifyTabular(`${s.url}/v2/models/digits/infer`, fixture, options.servers[i]!.label));
    if (s.picked) console.log(`${options.servers[i]!.label}: ${s.picked}`);
  }
  for (let round = 1; round <= options.rounds; round++) {
    for (const c of options.connections) {
      for (const [i, s] of started.entries()) {
        const url = `${s.url}/v2/models/digits/infer`;
        const base = { url, body: fixture.body, headers: { 'content-type': 'application/json' }, connections: c };
        // Toggling: off then on in odd rounds, on then off in even ones; 'as started' otherwise.
        const modes: ('as started' | 'off' | 'on')[] = options.toggle && s.setCapture ? (round % 2 ? ['off', 'on'] : ['on', 'off']) : ['as started'];
        for (const mode of modes) {
          if (mode !== 'as started') await s.setCapture!(mode === 'on' ? 1 : undefined);
          if (options.warmup > 0) await runWrk({ ...base, durationSec: options.warmup });
          const cpu0 = mainThreadMicros(s.pid);
          const all0 = processMicros(s.pid);
          const from = monotonicMicros();
          // A recorded request's answer carries its new request id, so only answers of windows without capture are compared.
          const recording = mode === 'on' || (mode === 'as started' && (options.servers[i]!.capture || options.capture !== undefined));
          const r = await runWrk({ ...base, durationSec: options.seconds, ...(expect[i] && !recording ? { expectBody: expect[i] } : {}) });
          const to = monotonicMicros();
          const cpu = mainThreadMicros(s.pid) - cpu0;
          const all = processMicros(s.pid) - all0;
          const w: Window = {
            server: options.servers[i]!.label + (mode === 'as started' ? '' : ` capture ${mode}`), serverIndex: i, connections: c, round,
            requestsPerSec: r.ok / r.durationSec, ok: r.ok, mismatches: r.mismatches, errors: r.errors + r.non2xx, p50Ms: r.latency.p50Ms,
            p99Ms: r.latency.p99Ms, mainCpuPct: (100 * cpu) / (to - from), mainCpuPerRequestMicros: cpu / r.ok,
            processCpuPerRequestMicros: all / r.ok, fromMicros: from, toMicros: to,
          };
          windows.push(w);
          console.log(
            `${w.server} c=${c} round ${round}: ${w.requestsPerSec.toFixed(0)} req/s, p50 ${w.p50Ms.toFixed(3)} ms, p99 ${w.p99Ms.toFixed(3)} ms, ` +
              `main thread ${w.mainCpuPct.toFixed(0)}% = ${w.mainCpuPerRequestMicros.toFixed(1)} µs/request, process ${w.processCpuPerRequestMicros.toFixed(1)} µs/request` +
              `${w.mismatches || w.errors ? `, ${w.mismatches} mismatches, ${w.errors} errors` : ''}`,
          );
        }
      }
    }
  }
  // The control must hold: a discarding server stored nothing, a recording one what it served.
  for (const [i, s] of started.entries()) {
    const server = options.servers[i]!;
    if (!server.capture) continue;
    const stored = await storedCaptures(s.url);
    console.log(`${server.label}: ${stored} captures stored`);
    if (server.discard !== (stored === 0)) throw new Error(`${server.label}: ${stored} captures stored, expected ${server.discard ? 'none' : 'some'}`);
  }
} finally {
  for (const [i, s] of started.entries()) {
    const profile = await stop(s, options.keep ? join(options.keep, `${options.servers[i]!.label.replace(/[^\w.-]+/g, '_')}.cpuprofile`) : undefined);
    if (!profile) continue;
    for (const w of windows.filter((x) => x.serverIndex === i)) {
      w.profile = summarizeWindow(profile, w.fromMicros, w.toMicros, w.ok, FUNCTIONS);
    }
  }
}

for (const w of windows.filter((x) => x.profile)) {
  const p = w.profile!;
  console.log(`\n## ${w.server}, c=${w.connections}, round ${w.round}: ${w.mainCpuPerRequestMicros.toFixed(1)} µs main-thread CPU per request (kernel); profiled busy ${p.busyPerRequestMicros.toFixed(1)} µs`);
  console.log('| area | µs/request | share |\n| --- | ---: | ---: |');
  for (const a of p.areas) console.log(`| ${a.area} | ${a.perRequestMicros.toFixed(2)} | ${((100 * a.micros) / p.busyMicros).toFixed(1)}% |`);
  console.log('\ninclusive (µs/request): ' + p.inclusive.filter((x) => x.micros > 0).map((x) => `${x.area} ${x.perRequestMicros.toFixed(2)}`).join(', '));
  console.log('\ntop self: ' + p.topSelf.slice(0, 15).map((x) => `${x.area} ${x.perRequestMicros.toFixed(2)}`).join('; '));
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
if (options.rounds > 1 || options.servers.length > 1 || options.toggle) {
  console.log('\n| server | c | req/s (median) | main µs CPU/request (median) | process µs CPU/request (median) | p50 ms (median) |\n| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const label of new Set(windows.map((w) => w.server))) {
    for (const c of options.connections) {
      const ws = windows.filter((w) => w.server === label && w.connections === c);
      console.log(`| ${label} | ${c} | ${median(ws.map((w) => w.requestsPerSec)).toFixed(0)} | ${median(ws.map((w) => w.mainCpuPerRequestMicros)).toFixed(1)} | ` +
        `${median(ws.map((w) => w.processCpuPerRequestMicros)).toFixed(1)} | ${median(ws.map((w) => w.p50Ms)).toFixed(3)} |`);
    }
  }
}
if (options.toggle) {
  // Each round's on window against the same round's off window on the same server: the pairs, then their median.
  console.log('\n| server | c | main µs/request, on − off per round | median | process µs/request, on − off per round | median | req/s on ÷ off, median |\n| --- | ---: | --- | ---: | --- | ---: | ---: |');
  for (const [i, server] of options.servers.entries()) {
    for (const c of options.connections) {
      const pairs = [...new Set(windows.map((w) => w.round))].flatMap((round) => {
        const of = (mode: string): Window | undefined => windows.find((w) => w.serverIndex === i && w.connections === c && w.round === round && w.server.endsWith(` capture ${mode}`));
        const on = of('on');
        const off = of('off');
        return on && off ? [{ main: on.mainCpuPerRequestMicros - off.mainCpuPerRequestMicros, all: on.processCpuPerRequestMicros - off.processCpuPerRequestMicros, rate: on.requestsPerSec / off.requestsPerSec }] : [];
      });
      if (pairs.length === 0) continue;
      const list = (xs: number[]): string => xs.map((x) => x.toFixed(1)).join(', ');
      console.log(`| ${server.label} | ${c} | ${list(pairs.map((p) => p.main))} | ${median(pairs.map((p) => p.main)).toFixed(1)} | ${list(pairs.map((p) => p.all))} | ` +
        `${median(pairs.map((p) => p.all)).toFixed(1)} | ${median(pairs.map((p) => p.rate)).toFixed(3)}× |`);
    }
  }
}
if (options.out) await writeFile(options.out, JSON.stringify({ date: new Date().toISOString(), options, windows }, null, 2));
