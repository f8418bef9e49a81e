// The loop's commands end to end against a real server: capture, feedback, quality, monitor (drift on shifted rows),
// export to CSV/Parquet/JSONL, and a retraining run that pushes and validates a new version.

import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

const DIABETES = join(ROOT, 'examples', 'diabetes');
const FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
/** Served one row each, with their true values posted as feedback. */
const LABELLED = 30;
/** Rows served three times larger than the baseline's, in requests of SHIFTED_BATCH rows. */
const SHIFTED = 150;
const SHIFTED_BATCH = 50;

let server: ServerProcess;
let dir: string;
const slipway = (...args: string[]): ReturnType<typeof runCli> => runCli(server.url, args);

function csvRows(file: string): number[][] {
  return readFileSync(file, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number));
}

async function infer(rows: number[][]): Promise<string> {
  const reply = await call<{ id?: string }>(`${server.url}/v2/models/diab/infer`, 'POST', {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 10], data: rows.flat() }],
  });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  expect(typeof reply.body.id).toBe('string');
  return reply.body.id!;
}

beforeAll(async () => {
  server = await startServer();
  dir = mkdtempSync(join(tmpdir(), 'slipway-loop-cli-'));
});
afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
  if (dir) removeHome(dir);
});

describe('slipway loop commands', () => {
  it('captures requests, takes feedback from files and reports live quality', async () => {
    expect((await slipway('push', DIABETES)).code).toBe(0);
    const baseline = await slipway('baseline', 'show', 'diabetes:1');
    expect(baseline.code, baseline.stderr).toBe(0);
    expect(baseline.stdout).toMatch(/^baseline of diabetes:1: 331 rows from package file baseline.csv/);
    expect(baseline.stdout).toMatch(/\nbmi\s+numeric\s+331\s+0\s/);
    expect((await slipway('deploy', 'diab', '--model', 'diabetes:1')).code).toBe(0);

    const on = await slipway('capture', 'diab', '--on', '--max-payload', '1MiB', '--retention', '12h');
    expect(on.code, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/^capture: on\s+sample 100%\s+keep both\s+max payload 1 MiB\s+retention 12h, no record limit/);

    const golden = csvRows(join(DIABETES, 'golden.csv')).slice(0, LABELLED);
    const ids = await Promise.all(golden.map((row) => infer([row.slice(0, 10)])));
    const lines = ids.map((id, i) => JSON.stringify({ request_id: id, value: golden[i]![10] }));
    // More items than one post may carry (10000): the CLI sends them in parts and adds the answers up.
    const unknown = Array.from({ length: 10_001 }, (_, i) => JSON.stringify({ request_id: `never-served-${i}`, value: 1 }));
    writeFileSync(join(dir, 'truth.jsonl'), [...lines, ...unknown].join('\n') + '\n');
    const feedback = await slipway('feedback', 'diab', '--file', join(dir, 'truth.jsonl'));
    expect(feedback.code, feedback.stderr).toBe(0);
    expect(feedback.stdout).toMatch(new RegExp(`^accepted ${LABELLED} of ${LABELLED + 10_001} feedback items for "diab"\n10001 request ids are unknown .*\n  never-served-0\n`));
    expect(feedback.stdout).toMatch(/\n {2}never-served-19\n {2}… and 9981 more/);
    writeFileSync(join(dir, 'one-unknown.jsonl'), `${lines[1]}\n{"request_id": "never-served"}\n`.replace('"never-served"}', '"never-served", "value": 2}'));
    const strict = await slipway('feedback', 'diab', '--file', join(dir, 'one-unknown.jsonl'), '--strict');
    expect(strict.code).toBe(1);
    expect(strict.stdout).toMatch(/^accepted 1 of 2 feedback items for "diab"\n1 request id is unknown .*\n  never-served\n$/);
    expect(strict.stderr).toBe('error: --strict: 1 request ids are unknown\n');
    writeFileSync(join(dir, 'truth.csv'), `request_id,value\n${ids[0]},${golden[0]![10]}\n`);
    expect((await slipway('--json', 'feedback', 'diab', '--file', join(dir, 'truth.csv'))).stdout).toMatch(/"accepted": 1/);
    writeFileSync(join(dir, 'bad.jsonl'), `${lines[0]}\n{"request_id": "x"}\n`);
    expect((await slipway('feedback', 'diab', '--file', join(dir, 'bad.jsonl'))).stderr).toMatch(/bad.jsonl: line 2: expected exactly one of "label" \(a class\) or "value"/);

    const stored = await slipway('capture', 'diab');
    expect(stored.stdout).toMatch(new RegExp(`\nstored: ${LABELLED} records \\(${LABELLED} rows, .*\\), ${LABELLED} with feedback, from `));

    const quality = await slipway('quality', 'diab');
    expect(quality.code, quality.stderr).toBe(0);
    expect(quality.stdout).toMatch(/^diab \(regression\)\nstart\s+variant\s+model\s+labelled\s+MAE\s+RMSE\n/);
    // One bucket (the requests were served within a second or two) unless they straddled the hour.
    const buckets = [...quality.stdout.matchAll(/\n\S+\s+primary\s+diabetes:1\s+(\d+)\s+([\d.]+)\s+([\d.]+)/g)];
    expect(buckets.reduce((n, m) => n + Number(m[1]), 0)).toBe(LABELLED);
    expect(Number(buckets[0]![2])).toBeLessThan(80);
  });

  it('monitors windows and reports drift on shifted traffic', async () => {
    const set = await slipway('monitor', 'set', 'diab', '--on', '--window-rows', '100', '--psi-warning', '0.2');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^monitor: on\s+windows of 100 rows\s+baseline: the serving version's\s+thresholds: psiWarning 0.2/);
    // Thresholds are merged, not replaced: the earlier one stays.
    expect((await slipway('monitor', 'set', 'diab', '--min-rows', '20')).stdout).toMatch(/thresholds: psiWarning 0.2, minRows 20/);

    const base = csvRows(join(DIABETES, 'baseline.csv'));
    for (let at = 0; at < SHIFTED; at += SHIFTED_BATCH) await infer(base.slice(at, at + SHIFTED_BATCH).map((r) => r.map((v) => v * 3)));

    const deadline = Date.now() + 20_000;
    let events: { kind: string; features: string[] }[] = [];
    while (Date.now() < deadline) {
      events = JSON.parse((await slipway('--json', 'monitor', 'events', '--endpoint', 'diab')).stdout) as typeof events;
      if (events.some((e) => e.kind === 'feature_drift')) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const drift = events.find((e) => e.kind === 'feature_drift');
    expect(drift, JSON.stringify(events)).toBeDefined();
    expect(drift!.features).toContain('bmi');

    const status = await slipway('monitor', 'status', 'diab');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/\ncapture: on /);
    expect(status.stdout).toMatch(/\nmonitor: on\s+windows of 100 rows/);
    expect(status.stdout).toMatch(/\n {2}pending: 50 rows toward the next window of 100\n/);
    expect(status.stdout).toMatch(/\nlast window \d+: .* baseline diabetes:1\s+100 rows \(2 requests\)\s+DRIFTED/);
    expect(status.stdout).toMatch(/\nfeature\s+kind\s+rows\s+KS \/ χ²\s+p-value\s+PSI\s+W\/std\s+missing\s+out of range\s+drifted\n/);
    expect(status.stdout).toMatch(/\nbmi\s+numeric\s+100\s+[\d.]+\s+\S+\s+[\d.]+\s+[\d.]+\s+0%\s+[\d.]+%\s+✱/);
    // Drifted features come first: no drifted row after an undrifted one.
    const table = status.stdout.split('\nfeature ')[1]!.split('\n\n')[0]!.split('\n').slice(1);
    const marks = table.map((l) => l.trimEnd().endsWith('✱'));
    expect(marks.indexOf(false) === -1 || marks.lastIndexOf(true) < marks.indexOf(false)).toBe(true);
    expect(status.stdout).toMatch(/\nrecent events:\nid\s+time\s+kind\s+severity\s+features\s+finding\n/);
    expect(status.stdout).toMatch(/retraining: not set/);

    const windows = await slipway('monitor', 'windows', 'diab');
    expect(windows.stdout).toMatch(/\n\d+\s+\S+\s+\S+\s+diabetes:1\s+100\s+2\s+yes\s+\d+\s+.*bmi/);
    const listed = await slipway('monitor', 'events', '--kind', 'feature_drift', '--since', '1h');
    expect(listed.stdout).toMatch(/\n\d+\s+\S+\s+diab\s+feature_drift\s+(warning|critical)\s+/);
    expect((await slipway('monitor', 'deliveries')).stdout.trim()).toBe('no webhook deliveries');
  });

  it('exports the captured rows as CSV, Parquet and JSON Lines', async () => {
    const csv = join(dir, 'd.csv');
    const out = await slipway('export', 'diab', '--output', csv, '--with-feedback');
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(new RegExp(`^wrote ${csv.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(csv, `));
    const lines = readFileSync(csv, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(['request_id', 'row', 'time', 'variant', 'model_version', 'latency_ms', ...FEATURES, 'prediction', 'label'].join(','));
    expect(lines.length - 1).toBe(LABELLED + SHIFTED);
    expect(lines.slice(1).filter((l) => !l.endsWith(',')).length).toBe(LABELLED);
    expect(existsSync(`${csv}.partial`)).toBe(false);

    const parquet = join(dir, 'd.parquet');
    const pq = await slipway('--json', 'export', 'diab', '--output', parquet, '--only-labelled');
    expect(pq.code, pq.stderr).toBe(0);
    const written = JSON.parse(pq.stdout) as { path: string; format: string; bytes: number };
    expect(written).toMatchObject({ path: parquet, format: 'parquet' });
    const bytes = readFileSync(parquet);
    expect(bytes.length).toBe(written.bytes);
    expect(bytes.subarray(0, 4).toString()).toBe('PAR1');
    expect(bytes.subarray(-4).toString()).toBe('PAR1');

    const jsonl = join(dir, 'rows.out');
    expect((await slipway('export', 'diab', '--output', jsonl, '--format', 'jsonl', '--since', '1h')).code).toBe(0);
    expect(readFileSync(jsonl, 'utf8').trim().split('\n')).toHaveLength(LABELLED + SHIFTED);

    const unknown = await slipway('export', 'nope', '--output', join(dir, 'x.csv'));
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/^error: 404: .*"nope"/);
    expect(existsSync(join(dir, 'x.csv')) || existsSync(join(dir, 'x.csv.partial'))).toBe(false);
    const format = await slipway('export', 'diab', '--output', join(dir, 'x.csv'), '--format', 'xml');
    expect(format.code).toBe(1);
    expect(format.stderr).toBe('error: --format: expected one of parquet, csv, jsonl, got "xml"\n');
    const since = await slipway('export', 'diab', '--output', join(dir, 'x.csv'), '--since', 'yesterday');
    expect(since.code).toBe(1);
    expect(since.stderr).toMatch(/^error: --since: expected an ISO 8601 time such as .* or a duration ago such as "1h" or "7d", got "yesterday"/);
    expect((await slipway('capture', 'nope')).stderr).toMatch(/^error: 404: .*nope.*slipway endpoints ls/);
  });

  it('runs a retraining job that pushes and validates a new version', async () => {
    const script = `const fs = require('fs'), path = require('path');
for (const f of ['slipway.yaml', 'model.onnx', 'baseline.csv', 'golden.csv']) fs.copyFileSync(path.join(${JSON.stringify(DIABETES)}, f), path.join(process.env.SLIPWAY_OUTPUT_DIR, f));
console.log('trained on', process.env.SLIPWAY_DATASET_ROWS, 'rows');`;
    const set = await slipway('retrain', 'set', 'diab', '--command', JSON.stringify([process.execPath, '-e', script]), '--lookback', '1d', '--format', 'csv', '--only-labelled', '--timeout', '2m');
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/^retraining: off\s+triggers: drift alerts \(warning and above\)/);
    expect(set.stdout).toMatch(/\n {2}dataset: last 1d as csv, with feedback, only labelled rows\n {2}rollout: none/);

    const run = await slipway('retrain', 'run', 'diab', '--wait');
    expect(run.code, run.stdout + run.stderr).toBe(0);
    expect(run.stdout).toMatch(/started retraining run 1 of "diab"/);
    expect(run.stdout).toMatch(/\nretraining run 1 of "diab": SUCCEEDED\s+trigger manual/);
    expect(run.stdout).toMatch(new RegExp(`dataset ${LABELLED} rows, exit 0, produced diabetes:2, validation passed`));

    const runs = await slipway('retrain', 'runs', 'diab');
    expect(runs.stdout).toMatch(new RegExp(`\n1\\s+\\S+\\s+manual\\s+succeeded\\s+${LABELLED}\\s+0\\s+diabetes:2\\s+passed`));
    const show = await slipway('retrain', 'show', '1');
    expect(show.stdout).toMatch(new RegExp(`\nlog:\ntrained on ${LABELLED} rows\n$`));

    // A failing job: the run is reported and the exit code says so.
    await slipway('retrain', 'set', 'diab', '--command', `${process.execPath} -e "process.exit(3)"`);
    const failed = await slipway('retrain', 'run', 'diab', '--wait');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/retraining run 2 of "diab": FAILED/);
    expect(failed.stderr).toMatch(/^error: retraining run 2 failed: the job exited with code 3; its log: slipway retrain show 2/);
  });
});
