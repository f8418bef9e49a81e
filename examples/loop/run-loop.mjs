#!/usr/bin/env node
// The closed loop end to end, on the diabetes example: push, deploy, capture, monitor with an alert webhook, a drift
// that creeps into the traffic, the alert, the retraining job it starts (examples/loop/retrain.py), validation, a
// canary rollout of the retrained version with gates, and the model quality before and after — all against a Slipway
// server this script starts (or $SLIPWAY_URL). Plain Node (>= 20), no dependencies: fetch and child processes.
//
//   npm ci && npm run build && node examples/loop/run-loop.mjs
//
// Environment: SLIPWAY_URL (use a running server instead of starting one; it must be able to run the trainer),
// PYTHON (default /usr/bin/python3: needs numpy, scikit-learn and onnx), LOOP_TIMEOUT_S (default 180),
// LOOP_KEEP=1 (keep the temporary data directory).

import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');
const PACKAGE = join(ROOT, 'examples', 'diabetes');
const TRAINER = join(HERE, 'retrain.py');
const PYTHON = process.env.PYTHON || '/usr/bin/python3';
const ENDPOINT = 'diabetes';
const WINDOW_ROWS = 200;
const TIMEOUT_S = Number(process.env.LOOP_TIMEOUT_S) || 180;
const FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
/** The drift: a recalibration of three measurements that grows phase by phase (scale and offset at full strength). */
const DRIFT = [
  { feature: 'bmi', scale: 0.4, offset: 0.07 },
  { feature: 'bp', scale: 0.3, offset: 0.05 },
  { feature: 's5', scale: 0, offset: 0.06 },
];
const RAMP = [0.2, 0.45, 0.7, 1.0];

const started = Date.now();
const deadline = started + TIMEOUT_S * 1000;
let server; // { child, home, url } when this script started it
let receiver; // the webhook receiver
const alerts = [];

// ---------------------------------------------------------------- output

const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1).padStart(5)}s`;
const say = (text) => console.log(`${elapsed()}  ${text}`);
let stepNo = 0;
const step = (title) => console.log(`\n${elapsed()}  == ${++stepNo}. ${title} ==`);
const num = (v, d = 2) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : '–');

class StepError extends Error {}
const fail = (message) => {
  throw new StepError(message);
};

function timeLeft(what) {
  const left = deadline - Date.now();
  if (left <= 0) fail(`ran past the ${TIMEOUT_S}s limit while ${what}`);
  return left;
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something truthy, at most `ms` (and never past the script's deadline). */
async function until(what, ms, probe, every = 250) {
  const end = Math.min(Date.now() + ms, deadline);
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() >= end) fail(`timed out after ${(ms / 1000).toFixed(0)}s waiting for ${what}`);
    await sleep(every);
  }
}

// ---------------------------------------------------------------- HTTP and CLI

let BASE = process.env.SLIPWAY_URL?.replace(/\/$/, '');

async function api(method, path, body, { allow = [] } = {}) {
  const res = await fetch(`${BASE}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(process.env.SLIPWAY_TOKEN ? { authorization: `Bearer ${process.env.SLIPWAY_TOKEN}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    signal: AbortSignal.timeout(Math.min(30_000, Math.max(1000, deadline - Date.now()))),
  });
  const text = await res.text();
  const json = text ? JSON.parse(text) : undefined;
  if (!res.ok && !allow.includes(res.status)) fail(`${method} ${path}: HTTP ${res.status}: ${json?.error?.message ?? json?.message ?? text.slice(0, 500)}`);
  return { status: res.status, json };
}

/** `slipway <args>` against the server; resolves with {code, stdout, stderr}. */
function cli(args, timeoutMs = 60_000) {
  return new Promise((resolvePromise) => {
    execFile(process.execPath, [CLI, '--server', BASE, ...args], { timeout: Math.min(timeoutMs, timeLeft(`running slipway ${args[0]}`)), maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolvePromise({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function cliOk(args) {
  const r = await cli(args);
  if (r.code !== 0) fail(`slipway ${args.join(' ')} exited with ${r.code}: ${(r.stderr || r.stdout).trim()}`);
  return r.stdout;
}

const indent = (text, prefix = '      ') => text.trimEnd().split('\n').map((l) => prefix + l).join('\n');

// ---------------------------------------------------------------- the server and the webhook receiver

async function startServer() {
  const home = await mkdtemp(join(tmpdir(), 'slipway-loop-'));
  // Port 0: the server picks free ports and prints them.
  const child = spawn(process.execPath, [CLI, 'serve', '--home', home, '--port', '0', '--grpc-port', '0', '--log-level', 'warn'], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = { child, home, url: undefined, tail: '', exited: undefined };
  const keep = (chunk) => {
    server.tail = (server.tail + chunk.toString('utf8')).slice(-6000);
  };
  child.stderr.on('data', keep);
  child.once('exit', (code, signal) => {
    server.exited = `exited with code ${code}, signal ${signal}`;
  });
  server.url = await new Promise((resolvePromise, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new StepError(`the server did not print its address within 30s:\n${server.tail}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      keep(chunk);
      out += chunk.toString('utf8');
      const m = /Slipway listening on (http:\/\/\S+)/.exec(out);
      if (m && !server.url) {
        clearTimeout(timer);
        resolvePromise(m[1]);
      }
    });
    child.once('exit', () => {
      clearTimeout(timer);
      reject(new StepError(`the server ${server.exited} before listening:\n${server.tail}`));
    });
  });
  return server;
}

async function stopServer() {
  if (!server) return;
  const { child, home } = server;
  if (!server.exited && child.pid !== undefined) {
    const exited = new Promise((r) => child.once('exit', r));
    process.kill(child.pid, 'SIGTERM');
    const timer = setTimeout(() => child.pid !== undefined && !server.exited && process.kill(child.pid, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  if (process.env.LOOP_KEEP === '1') console.log(`data directory kept: ${home}`);
  else await rm(home, { recursive: true, force: true });
  server = undefined;
}

function describeAlert(body) {
  const e = body.event ?? {};
  const worst = [...(e.findings ?? [])].sort((a, b) => (a.severity === 'critical' ? -1 : 1) - (b.severity === 'critical' ? -1 : 1))[0];
  return `ALERT #${e.id} ${e.severity} ${e.kind} on [${(e.features ?? []).join(', ')}] (window ${body.window?.id}, ${body.window?.rows} rows, baseline ${body.window?.baseline})`
    + (worst ? `\n          e.g. ${worst.message}` : '');
}

async function startReceiver() {
  const http = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (text += c));
    req.on('end', () => {
      res.writeHead(204).end();
      try {
        const body = JSON.parse(text);
        alerts.push(body);
        say(`webhook ← ${describeAlert(body)}`);
      } catch {
        say(`webhook ← (not JSON) ${text.slice(0, 200)}`);
      }
    });
  });
  await new Promise((r) => http.listen(0, '127.0.0.1', r));
  receiver = http;
  return `http://127.0.0.1:${http.address().port}/alerts`;
}

// ---------------------------------------------------------------- data: the diabetes rows and their drift

function readCsv(path) {
  const [header, ...lines] = readFileSync(path, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => {
    const cells = line.split(',').map(Number);
    return Object.fromEntries(names.map((n, i) => [n, cells[i]]));
  });
}

/**
 * golden.csv has the target; baseline.csv (the training inputs) does not, so its targets are looked up in
 * scikit-learn's own copy of the data set (the rows are the same patients, rounded to float32).
 */
function diabetesRows() {
  const golden = readCsv(join(PACKAGE, 'golden.csv'));
  const baseline = readCsv(join(PACKAGE, 'baseline.csv'));
  const py = spawnSync(PYTHON, ['-c', 'import json; from sklearn.datasets import load_diabetes as l; d = l(); print(json.dumps({"X": d.data.tolist(), "y": d.target.tolist()}))'], {
    encoding: 'utf8', timeout: 30_000, maxBuffer: 16 << 20,
  });
  if (py.status !== 0) fail(`${PYTHON} with scikit-learn is needed (the trainer uses it too): ${py.error?.message ?? py.stderr.trim().split('\n').pop()}\n      install it with: apt-get install python3-sklearn python3-onnx`);
  const { X, y } = JSON.parse(py.stdout);
  const targetOf = (row) => {
    for (let i = 0; i < X.length; i++) {
      if (FEATURES.every((f, j) => Math.abs(X[i][j] - row[f]) < 1e-6)) return y[i];
    }
    fail(`a baseline.csv row is not in scikit-learn's diabetes data: ${JSON.stringify(row)}`);
  };
  return [
    ...golden.map((r) => ({ x: FEATURES.map((f) => r[f]), target: r.target })),
    ...baseline.map((r) => ({ x: FEATURES.map((f) => r[f]), target: targetOf(r) })),
  ];
}

/** mulberry32: a small seeded generator, so every run sends the same traffic. */
function prng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  next.normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return next;
}

function makeStream(rows) {
  const rand = prng(42);
  const sd = FEATURES.map((_, j) => {
    const v = rows.map((r) => r.x[j]);
    const m = v.reduce((a, b) => a + b, 0) / v.length;
    return Math.sqrt(v.reduce((a, b) => a + (b - m) ** 2, 0) / v.length);
  });
  let order = [];
  /** The next `n` rows (a fresh shuffle of all 442 each time round), drifted by factor f; the truth stays the patient's. */
  return (n, f) => Array.from({ length: n }, () => {
    if (order.length === 0) {
      order = [...rows];
      for (let i = order.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [order[i], order[j]] = [order[j], order[i]];
      }
    }
    const row = order.pop();
    const x = [...row.x];
    for (const d of DRIFT) {
      const j = FEATURES.indexOf(d.feature);
      x[j] = x[j] * (1 + d.scale * f) + d.offset * f + rand.normal() * sd[j] * 0.1 * f;
    }
    return { x: x.map((v) => Math.fround(v)), target: row.target };
  });
}

// ---------------------------------------------------------------- traffic with feedback

let requestNo = 0;

async function infer(x, id) {
  const res = await fetch(`${BASE}/v2/models/${ENDPOINT}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ id, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, FEATURES.length], data: x }] }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = await res.json();
  return { ok: res.status === 200, status: res.status, body };
}

/** Sends the rows one request each, `parallel` at a time, and posts their ground truth after every batch. */
async function send(rows, tag, parallel = 20) {
  const stats = { sent: 0, failed: 0, feedback: 0, unknown: 0, byModel: {} };
  for (let i = 0; i < rows.length; i += parallel) {
    timeLeft(`sending ${tag} traffic`);
    const batch = rows.slice(i, i + parallel).map((r) => ({ ...r, id: `${tag}-${++requestNo}` }));
    const answers = await Promise.all(batch.map((r) => infer(r.x, r.id).catch((err) => ({ ok: false, status: 0, body: { error: err.message } }))));
    const served = [];
    answers.forEach((a, k) => {
      stats.sent++;
      if (!a.ok) {
        stats.failed++;
        return;
      }
      const model = a.body.parameters?.model ?? `${a.body.model_name}:${a.body.model_version}`;
      stats.byModel[model] = (stats.byModel[model] ?? 0) + 1;
      served.push(batch[k]);
    });
    if (served.length) {
      const { json } = await api('POST', `/api/v1/endpoints/${ENDPOINT}/feedback`, { feedback: served.map((r) => ({ request_id: r.id, value: r.target })) });
      stats.feedback += json.accepted;
      stats.unknown += json.unknownCount;
    }
  }
  if (stats.failed) fail(`${tag}: ${stats.failed} of ${stats.sent} requests failed`);
  return stats;
}

/** MAE and count per model (and variant) of the labelled requests in [since, until), from the live-quality API. */
async function quality(since, until = Date.now() + 1) {
  const q = `since=${new Date(since).toISOString()}&until=${new Date(until).toISOString()}&bucket=1h`;
  const { json } = await api('GET', `/api/v1/endpoints/${ENDPOINT}/quality?${q}`);
  const by = new Map();
  for (const b of json.buckets) {
    const key = `${b.model} (${b.variant})`;
    const acc = by.get(key) ?? { labelled: 0, absSum: 0 };
    acc.labelled += b.labelled;
    acc.absSum += b.mae * b.labelled;
    by.set(key, acc);
  }
  return [...by.entries()].map(([key, a]) => ({ key, labelled: a.labelled, mae: a.absSum / a.labelled }));
}

const qualityLine = (list) => (list.length ? list.map((q) => `${q.key}: MAE ${num(q.mae, 1)} on ${q.labelled} rows`).join('; ') : 'no labelled rows');

async function windows() {
  return (await api('GET', `/api/v1/endpoints/${ENDPOINT}/monitor/windows?limit=100`)).json;
}

function describeWindow(w) {
  const findings = w.evaluation?.findings ?? [];
  const drift = findings.filter((f) => f.kind !== 'data_quality');
  const worst = drift.some((f) => f.severity === 'critical') ? 'critical' : drift.length ? 'warning' : '';
  const features = [...new Set(drift.map((f) => f.feature))];
  const quality = findings.filter((f) => f.kind === 'data_quality').map((f) => `${f.feature} ${f.check}`);
  return `window ${w.id} (${w.evaluation?.rows ?? '?'} rows vs baseline ${w.baseline}): ${w.drifted ? `DRIFT ${worst} in [${features.join(', ')}]` : 'no drift'}`
    + (quality.length ? `; data quality: ${quality.join(', ')}` : '');
}

async function runs() {
  return (await api('GET', `/api/v1/endpoints/${ENDPOINT}/retrain/runs`)).json;
}

// ---------------------------------------------------------------- the loop

async function main() {
  step('Server');
  if (!existsSync(CLI)) fail(`${CLI} is missing: run "npm ci && npm run build" first`);
  if (BASE) say(`using the server at ${BASE} (SLIPWAY_URL)`);
  else {
    await startServer();
    BASE = server.url;
    say(`started slipway serve (pid ${server.child.pid}) at ${BASE}, data in ${server.home}`);
  }
  const rows = diabetesRows();
  const next = makeStream(rows);
  say(`${rows.length} diabetes rows to replay (golden.csv with its target, baseline.csv with targets from scikit-learn's copy)`);

  step('Push examples/diabetes');
  const pushed = JSON.parse(await cliOk(['--json', 'push', PACKAGE]));
  const oldModel = `${pushed.name}:${pushed.version}`;
  say(`pushed ${oldModel}: ${pushed.description.slice(0, 110)}…`);

  step(`Deploy endpoint "${ENDPOINT}"`);
  await cliOk(['--json', 'deploy', ENDPOINT, '--model', oldModel, '--reason', 'closed-loop example']);
  await until(`endpoint ${ENDPOINT} to be ready`, 30_000, async () => (await fetch(`${BASE}/v2/models/${ENDPOINT}/ready`)).status === 200);
  say(`${ENDPOINT} serves ${oldModel}`);

  step('Capture on, monitor on (windows of 200 rows, alerts to a webhook), retraining policy');
  const capture = (await api('PUT', `/api/v1/endpoints/${ENDPOINT}/capture`, { enabled: true, sampleRate: 1 })).json;
  say(`capture: ${JSON.stringify(capture)}`);
  const hook = await startReceiver();
  const monitor = (await api('PUT', `/api/v1/endpoints/${ENDPOINT}/monitor`, { enabled: true, windowRows: WINDOW_ROWS, webhook: { url: hook, minSeverity: 'warning' } })).json;
  say(`monitor: windows of ${monitor.windowRows} rows against the serving version's baseline; alerts to ${hook}`);
  const policy = (await api('PUT', `/api/v1/endpoints/${ENDPOINT}/retrain`, {
    enabled: true,
    onDrift: true,
    // Warnings are printed; a critical drift starts the job.
    minSeverity: 'critical',
    command: [PYTHON, TRAINER],
    timeout: '2m',
    dataset: { format: 'csv', withFeedback: true, onlyLabelled: true, lookback: '1h' },
    rollout: { strategy: 'canary', steps: [50, 100], bake: '3s', gates: ['error_rate<=0.05', 'min_requests>=20'] },
  })).json;
  say(`retrain: on ${policy.minSeverity} drift run ${policy.command.join(' ')}; dataset ${policy.dataset.format}, labelled rows of the last ${policy.dataset.lookbackMs / 60000} min; then canary ${policy.rollout.steps.join('% → ')}% with bake ${policy.rollout.bakeMs / 1000}s and gates ${policy.rollout.gates.map((g) => `${g.metric}${g.op}${g.value}`).join(', ')}`);

  const phases = [];
  const phase = async (name, f, n) => {
    const windowsBefore = (await windows()).length;
    const since = Date.now();
    const stats = await send(next(n, f), name);
    const until_ = Date.now();
    // The window these rows complete is evaluated when the captures are written; wait for it.
    const expected = windowsBefore + Math.floor(n / WINDOW_ROWS);
    const list = await until(`monitor window ${expected}`, 10_000, async () => {
      const w = await windows();
      return w.length >= expected ? w : undefined;
    });
    await sleep(300); // let the webhook deliveries of these windows arrive
    const q = await quality(since, until_);
    phases.push({ name, f, q });
    say(`${name}: drift factor ${f}, ${stats.sent} requests, ${stats.feedback} labels posted${stats.unknown ? ` (${stats.unknown} unknown ids)` : ''}; ${qualityLine(q)}`);
    for (const w of list.slice(0, list.length - windowsBefore).reverse()) say(`  ${describeWindow(w)}`);
    return q;
  };

  step('Replay, phase 0: the traffic the model was trained for (2 windows; no alert expected)');
  await phase('phase0', 0, 2 * WINDOW_ROWS);
  const earlyAlerts = alerts.filter((a) => a.event?.kind !== 'data_quality').length;
  say(earlyAlerts ? `!! ${earlyAlerts} drift alert(s) on undrifted traffic` : 'no drift alert, as expected');

  step(`Replay, the drift creeps in: bmi, bp and s5 recalibrated by growing factors ${RAMP.join(', ')} (one window each)`);
  let held;
  for (const [k, f] of RAMP.entries()) {
    await phase(`phase${k + 1}`, f, WINDOW_ROWS);
    const started = await runs();
    if (started.length) {
      held = f;
      say(`retraining run ${started[0].id} started (trigger ${started[0].trigger}, event ${started[0].eventId}): the drift stays at factor ${f} from now on`);
      break;
    }
  }
  if (held === undefined) {
    await until('a retraining run to start after the drift', 10_000, async () => (await runs()).length > 0);
    held = RAMP[RAMP.length - 1];
  }
  const beforeQuality = phases[phases.length - 1].q;

  // Traffic goes on while the job trains and the rollout moves: the gates need requests.
  let traffic = true;
  const background = (async () => {
    const totals = { sent: 0, byModel: {} };
    while (traffic && Date.now() < deadline - 5000) {
      const s = await send(next(10, held), 'live', 10);
      totals.sent += s.sent;
      for (const [m, c] of Object.entries(s.byModel)) totals.byModel[m] = (totals.byModel[m] ?? 0) + c;
      await sleep(150);
    }
    return totals;
  })();
  const liveSince = Date.now();

  try {
    step('Retraining run');
    // One window can raise several drift events (feature drift, prediction drift); each may start a run.
    const finished = await until('the retraining run to finish', 120_000, async () => {
      const list = await runs();
      return list.length && list.every((r) => r.status !== 'running') ? list : undefined;
    }, 500);
    const latest = (await api('GET', `/api/v1/endpoints/${ENDPOINT}/rollout`, undefined, { allow: [404] })).json;
    if (finished.length > 1) {
      say(`!! ${finished.length} retraining runs started where one was expected (expected one per drift window):`);
      for (const r of [...finished].reverse()) say(`   run ${r.id}: ${r.status}, event ${r.eventId}, produced ${r.producedVersion ?? '–'}, rollout ${r.rolloutId ?? '–'}${r.error ? `, error: ${r.error}` : ''}`);
      say(`   following the endpoint's latest rollout, ${latest?.id ?? '–'}`);
    }
    const chosen = finished.find((r) => r.rolloutId && r.rolloutId === latest?.id) ?? finished.find((r) => r.status === 'succeeded') ?? finished[0];
    const run = (await api('GET', `/api/v1/retrain/runs/${chosen.id}`)).json;
    say(`run ${run.id}: ${run.status} (trigger ${run.trigger}, event ${run.eventId}, exit code ${run.exitCode}), dataset ${run.datasetRows} rows`);
    say('log tail:');
    console.log(indent(run.log.trim().split('\n').slice(-12).join('\n')));
    say(`produced ${run.producedVersion ?? 'nothing'}; validation ${run.validationPassed === null ? '–' : run.validationPassed ? 'passed' : 'FAILED'}; rollout ${run.rolloutId ?? '–'}${run.error ? `; error: ${run.error}` : ''}`);
    if (run.status !== 'succeeded' || !run.producedVersion) fail(`retraining run ${run.id} ${run.status}: ${run.error ?? 'no version produced'}`);
    const [, newVersion] = run.producedVersion.split(':');
    const report = (await api('GET', `/api/v1/models/${ENDPOINT}/versions/${newVersion}/validation`)).json;
    for (const t of report.tests) say(`  validation ${t.passed ? 'PASS' : 'FAIL'} ${t.name}: ${t.detail}`);
    if (!run.rolloutId) fail('the run started no rollout');

    step(`Canary rollout ${oldModel} → ${run.producedVersion}`);
    let seen = '';
    const rollout = await until('the rollout to finish', 60_000, async () => {
      const { json } = await api('GET', `/api/v1/endpoints/${ENDPOINT}/rollout`);
      const gates = (json.lastResults ?? []).map((g) => `${g.gate}=${g.value === null ? '–' : num(g.value, 3).replace(/\.?0+$/, '')}${g.passed === null ? '' : g.passed ? ' ✓' : ' ✗'}`).join(', ');
      const line = `${json.status}, ${json.phase} ${json.stepIndex + 1}/${json.policy.steps.length} (candidate ${json.policy.steps[json.stepIndex]}%)${gates ? `, gates: ${gates}` : ''}`;
      if (line !== seen) say(`rollout ${json.id}: ${line}`);
      seen = line;
      return ['succeeded', 'rolled_back', 'aborted'].includes(json.status) ? json : undefined;
    }, 500);
    if (rollout.id !== run.rolloutId) fail(`the endpoint's rollout is ${rollout.id}, not the run's ${run.rolloutId}`);
    if (rollout.status !== 'succeeded') fail(`rollout ${rollout.id} ${rollout.status}: ${rollout.reason ?? ''}`);
    say(`rollout ${rollout.status}: ${ENDPOINT} serves ${run.producedVersion}`);
    traffic = false;
    const live = await background;
    say(`live traffic during training and rollout: ${live.sent} requests (${Object.entries(live.byModel).map(([m, c]) => `${m} ${c}`).join(', ')}); ${qualityLine(await quality(liveSince))}`);

    step(`After the rollout: the same drifted traffic (factor ${held}), one more window`);
    const after = await phase('after', held, WINDOW_ROWS);
    const [lastWindow] = await windows();
    say(lastWindow.drifted ? `!! the window after the rollout still drifts against ${lastWindow.baseline}` : `the monitor now compares with ${lastWindow.baseline}'s baseline (the drifted inputs it was trained on): no drift`);

    step('Quality: MAE per phase and per version');
    for (const p of phases) say(`${p.name.padEnd(7)} factor ${String(p.f).padEnd(4)} ${qualityLine(p.q)}`);
    const oldMae = beforeQuality.find((q) => q.key.startsWith(`${oldModel} `))?.mae;
    const newMae = after.find((q) => q.key.startsWith(`${run.producedVersion} `))?.mae;
    const originalMae = phases[0].q.find((q) => q.key.startsWith(`${oldModel} `))?.mae;
    say(`MAE on drifted traffic (factor ${held}): ${oldModel} ${num(oldMae, 1)} → ${run.producedVersion} ${num(newMae, 1)} (on the traffic it was trained for, ${oldModel} had ${num(originalMae, 1)})`);
    say(`whole run: ${qualityLine(await quality(started))}`);
    if (!(newMae < oldMae)) fail(`the retrained model's MAE (${num(newMae)}) is not below the old one's (${num(oldMae)})`);

    step(`slipway monitor status ${ENDPOINT}`);
    const status = await cli(['monitor', 'status', ENDPOINT]);
    if (status.code === 0) console.log(indent(status.stdout));
    else if (/unknown command/.test(status.stderr)) {
      say(`(this build's CLI has no "monitor status" command: ${status.stderr.trim()}; the same from GET /api/v1/endpoints/${ENDPOINT}/monitor/status)`);
      const { json } = await api('GET', `/api/v1/endpoints/${ENDPOINT}/monitor/status`);
      console.log(indent([
        `capture: ${json.capture.enabled ? 'on' : 'off'}, sample rate ${json.capture.sampleRate}, stored ${JSON.stringify(json.capture.stats)}, buffered ${json.capture.buffered}`,
        `monitor: ${json.monitor?.config.windowRows} rows per window, ${json.monitor?.pendingRows} rows pending, problem: ${json.monitor?.problem ?? 'none'}`,
        `last window: ${json.monitor?.lastWindow ? describeWindow(json.monitor.lastWindow) : '–'}`,
        `recent alerts: ${(json.monitor?.recentEvents ?? []).map((e) => `#${e.id} ${e.severity} ${e.kind}`).join(', ') || 'none'}`,
        `retrain: last run ${json.retrain?.lastRun ? `${json.retrain.lastRun.id} ${json.retrain.lastRun.status} → ${json.retrain.lastRun.producedVersion}` : '–'}`,
      ].join('\n')));
    } else fail(`slipway monitor status exited with ${status.code}: ${status.stderr.trim()}`);

    step('Export the dataset for the next training');
    const file = join(server?.home ?? tmpdir(), 'dataset.parquet');
    const exported = await cli(['export', ENDPOINT, '--output', file, '--with-feedback']);
    if (exported.code === 0) {
      if (exported.stdout.trim()) console.log(indent(exported.stdout));
    } else if (/unknown command/.test(exported.stderr)) {
      say(`(this build's CLI has no "export" command: ${exported.stderr.trim()}; the same from GET /api/v1/endpoints/${ENDPOINT}/export)`);
      const res = await fetch(`${BASE}/api/v1/endpoints/${ENDPOINT}/export?format=parquet&withFeedback=true`);
      if (res.status !== 200) fail(`export: HTTP ${res.status}: ${await res.text()}`);
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, Buffer.from(await res.arrayBuffer()));
    } else fail(`slipway export exited with ${exported.code}: ${exported.stderr.trim()}`);
    const bytes = readFileSync(file);
    const magic = bytes.subarray(0, 4).toString('latin1') === 'PAR1' && bytes.subarray(-4).toString('latin1') === 'PAR1';
    if (!magic) fail(`${file} is not a Parquet file`);
    say(`${file}: ${statSync(file).size} bytes of Parquet (features, prediction, label per captured row)`);
  } finally {
    traffic = false;
    await background.catch(() => undefined);
  }

  step('Alerts received by the webhook');
  const byKind = {};
  for (const a of alerts) byKind[`${a.event?.severity} ${a.event?.kind}`] = (byKind[`${a.event?.severity} ${a.event?.kind}`] ?? 0) + 1;
  say(`${alerts.length} alert(s): ${Object.entries(byKind).map(([k, n]) => `${n} × ${k}`).join(', ') || 'none'}`);
}

// ---------------------------------------------------------------- run, always clean up

let finishing = false;
async function finish(code, message) {
  if (finishing) return;
  finishing = true;
  if (message) console.error(`\n${elapsed()}  FAILED: ${message}`);
  if (code !== 0 && server?.tail.trim()) console.error(`server output (tail):\n${indent(server.tail, '    ')}`);
  receiver?.close();
  receiver?.closeAllConnections?.();
  await stopServer().catch((err) => console.error(`could not stop the server: ${err.message}`));
  if (code === 0) console.log(`\n${elapsed()}  the loop closed: drift detected, retrained, validated, rolled out, quality recovered`);
  process.exit(code);
}

process.on('SIGINT', () => void finish(130, 'interrupted'));
process.on('SIGTERM', () => void finish(143, 'terminated'));
const watchdog = setTimeout(() => void finish(1, `the whole loop ran past ${TIMEOUT_S + 15}s`), (TIMEOUT_S + 15) * 1000);
watchdog.unref();

main().then(
  () => finish(0),
  (err) => finish(1, err instanceof StepError ? err.message : (err?.stack ?? String(err))),
);
