// Retraining end to end with a real job (a Node script run without a shell): a drift alert starts it, it reads the
// exported dataset and leaves a model package behind, which is pushed, validated and rolled out (canary) — and every
// step is in the run record. A job that exits 1, a package that fails validation, the cooldown and a manual run.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import type { LoopServer } from './loop-harness.js';
import { baselineStd, DIABETES, deploy, golden, inferRows, loopStatus, push, setLoop, shiftRows, startLoopServer, waitFor } from './loop-harness.js';

const diabetes = golden(DIABETES, 'target');
let loop: LoopServer;
let dir: string;
let job: string;

/**
 * The training job. argv: the package to copy and a mode — "good" (a new version of it), "strict" (the same model,
 * but a golden-mae threshold of 1 it cannot meet) or "fail" (exit 1 with an error on stderr).
 */
const JOB = `
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
const [source, mode] = process.argv.slice(2);
if (mode === 'fail') {
  console.error('trainer: boom, the GPU caught fire');
  process.exit(1);
}
const dataset = process.env.SLIPWAY_DATASET;
if (!dataset || !existsSync(dataset)) {
  console.error('trainer: no dataset at ' + dataset);
  process.exit(2);
}
const lines = readFileSync(dataset, 'utf8').split('\\n').filter((l) => l !== '');
const rows = lines.length - 1;
if (rows <= 0 || String(rows) !== process.env.SLIPWAY_DATASET_ROWS) {
  console.error('trainer: dataset has ' + rows + ' rows, SLIPWAY_DATASET_ROWS says ' + process.env.SLIPWAY_DATASET_ROWS);
  process.exit(3);
}
console.log('trainer: read ' + rows + ' rows of ' + process.env.SLIPWAY_MODEL + ':' + process.env.SLIPWAY_MODEL_VERSION + ' with columns ' + lines[0]);
const out = process.env.SLIPWAY_OUTPUT_DIR;
for (const f of ['model.onnx', 'baseline.csv', 'golden.csv']) copyFileSync(join(source, f), join(out, f));
let manifest = readFileSync(join(source, 'slipway.yaml'), 'utf8')
  .replace(/^description: .*$/m, 'description: retrained by run ' + process.env.SLIPWAY_RUN_ID + ' (' + process.env.SLIPWAY_TRIGGER + ') from ' + rows + ' rows');
if (mode === 'strict') manifest = manifest.replace('threshold: 49', 'threshold: 1');
writeFileSync(join(out, 'slipway.yaml'), manifest);
console.log('trainer: wrote a package to ' + out);
`;

interface Run {
  id: number;
  endpoint: string;
  trigger: string;
  eventId: number | null;
  status: string;
  exitCode: number | null;
  log: string;
  dataset: string | null;
  datasetRows: number | null;
  producedVersion: string | null;
  validationPassed: boolean | null;
  rolloutId: string | null;
  error: string | null;
  finishedAt: string | null;
}
interface Rollout {
  id: string;
  status: string;
  candidate: { model: { name: string; version: number } };
  stable: { model: { name: string; version: number } };
}

const runs = async (endpoint: string): Promise<Run[]> => (await call<Run[]>(`${loop.url}/api/v1/endpoints/${endpoint}/retrain/runs`)).body;
const finished = (id: number): Promise<Run> => waitFor(`retraining run ${id} to finish`, async () => {
  const run = (await call<Run>(`${loop.url}/api/v1/retrain/runs/${id}`)).body;
  return run.status !== 'running' ? run : undefined;
}, 60_000);

/** A retraining policy running the job in `mode`. */
const policy = (mode: string, extra: object = {}): object => ({
  enabled: true, command: [process.execPath, job, DIABETES, mode], cooldown: '1h', timeout: '2m',
  dataset: { format: 'csv', lookback: '1h' }, ...extra,
});
const canary = { strategy: 'canary', steps: [50, 100], bake: '1s', gates: ['min_requests>=0'] };

async function sendRows(endpoint: string, rows: number[][]): Promise<void> {
  for (let i = 0; i < rows.length; i += 10) expect((await inferRows(loop.url, endpoint, rows.slice(i, i + 10), 'value')).status).toBe(200);
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-retrain-'));
  job = join(dir, 'train.mjs');
  writeFileSync(job, JOB);
  loop = await startLoopServer();
  expect(await push(loop.url, DIABETES)).toMatchObject({ name: 'diabetes', version: 1, validation: { passed: true } });
});

afterAll(async () => {
  await loop?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a drift alert starts the job', () => {
  it('exports the dataset, runs the job, pushes, validates and rolls out the version it produced', async () => {
    await deploy(loop.url, 'sugar', 'diabetes:1');
    await setLoop(loop.url, 'sugar', 'capture', { enabled: true });
    await setLoop(loop.url, 'sugar', 'monitor', { enabled: true, windowRows: 100 });
    await setLoop(loop.url, 'sugar', 'retrain', policy('good', { rollout: canary }));

    await sendRows('sugar', diabetes.rows.slice(0, 100));
    await waitFor('the first window', async () => ((await loopStatus(loop.url, 'sugar')).monitor?.pendingRows === 0 ? true : undefined));
    expect(await runs('sugar')).toEqual([]);
    await sendRows('sugar', shiftRows(diabetes.rows.slice(0, 100), diabetes.features, ['bmi', 'bp', 's5'], baselineStd(DIABETES)));

    const [started] = await waitFor('a retraining run', async () => {
      await loopStatus(loop.url, 'sugar');
      const list = await runs('sugar');
      return list.length > 0 ? list : undefined;
    });
    const run = await finished(started!.id);
    expect(run, run.log + (run.error ?? '')).toMatchObject({
      endpoint: 'sugar', trigger: 'drift', status: 'succeeded', exitCode: 0, datasetRows: 200,
      producedVersion: 'diabetes:2', validationPassed: true, error: null,
    });
    expect(run.log).toMatch(/trainer: read 200 rows of diabetes:1 with columns request_id,row,time,variant,model_version,latency_ms,age,sex,bmi/);
    expect(run.log).toMatch(/trainer: wrote a package to /);
    expect(run.rolloutId).toEqual(expect.any(String));
    expect(run.dataset).toMatch(/\.csv$/);
    // The event that started it is a drift event of the shifted window; the window's events (feature drift, prediction
    // drift, and data quality: shifted values past the baseline's range) started one run, not one each.
    const events = (await call<{ id: number; kind: string; windowId: number }[]>(`${loop.url}/api/v1/monitor/events?endpoint=sugar`)).body;
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['feature_drift', 'prediction_drift']));
    expect(new Set(events.map((e) => e.windowId)).size).toBe(1);
    const trigger = events.find((e) => e.id === run.eventId);
    expect(['feature_drift', 'prediction_drift']).toContain(trigger?.kind);
    expect(await runs('sugar')).toHaveLength(1);

    // The produced version: the job's package, validated.
    const version = (await call<{ description: string; validation?: { passed: boolean } }>(`${loop.url}/api/v1/models/diabetes/versions/2`)).body;
    expect(version.description).toBe(`retrained by run ${run.id} (drift) from 200 rows`);
    // The rollout to it: canary 50 → 100, then the endpoint serves diabetes:2.
    const rollout = (await call<Rollout>(`${loop.url}/api/v1/endpoints/sugar/rollout`)).body;
    expect(rollout.id).toBe(run.rolloutId);
    expect(rollout.candidate.model).toMatchObject({ name: 'diabetes', version: 2 });
    expect(rollout.stable.model).toMatchObject({ name: 'diabetes', version: 1 });
    const done = await waitFor('the rollout to finish', async () => {
      const r = (await call<Rollout>(`${loop.url}/api/v1/endpoints/sugar/rollout`)).body;
      return r.status !== 'running' ? r : undefined;
    }, 30_000);
    expect(done.status).toBe('succeeded');
    const endpoint = (await call<{ variants: { model: string; weight: number }[] }>(`${loop.url}/api/v1/endpoints/sugar`)).body;
    expect(endpoint.variants.map((v) => v.model)).toEqual(['diabetes:2']);
    const answer = await inferRows(loop.url, 'sugar', [diabetes.rows[0]!], 'value');
    expect(answer.status).toBe(200);
  });

  it('starts no second run on a drift alert within the cooldown', async () => {
    const before = (await call<unknown[]>(`${loop.url}/api/v1/monitor/events?endpoint=sugar`)).body.length;
    await sendRows('sugar', shiftRows(diabetes.rows.slice(0, 100), diabetes.features, ['bmi', 'bp', 's5'], baselineStd(DIABETES)));
    const events = await waitFor('a new drift alert', async () => {
      await loopStatus(loop.url, 'sugar');
      const list = (await call<{ kind: string }[]>(`${loop.url}/api/v1/monitor/events?endpoint=sugar`)).body;
      return list.length > before ? list : undefined;
    });
    expect(events.slice(0, events.length - before).map((e) => e.kind)).toContain('feature_drift');
    // Give a wrongly started run the time to show up.
    await new Promise((r) => setTimeout(r, 1000));
    expect(await runs('sugar')).toHaveLength(1);
  });

  it('runs by hand at once, cooldown or not (POST .../retrain/runs)', async () => {
    const posted = await call<Run>(`${loop.url}/api/v1/endpoints/sugar/retrain/runs`, 'POST');
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ endpoint: 'sugar', trigger: 'manual', status: 'running', eventId: null });
    const run = await finished(posted.body.id);
    expect(run, run.log + (run.error ?? '')).toMatchObject({ status: 'succeeded', exitCode: 0, producedVersion: 'diabetes:3', validationPassed: true });
    expect(run.log).toMatch(/trainer: read \d+ rows of diabetes:2/);
    expect((await runs('sugar')).map((r) => r.trigger)).toEqual(['manual', 'drift']);
    // A second manual run while one is in progress is refused.
    const again = await call<Run>(`${loop.url}/api/v1/endpoints/sugar/retrain/runs`, 'POST');
    expect(again.status).toBe(202);
    const refused = await call<{ error: string }>(`${loop.url}/api/v1/endpoints/sugar/retrain/runs`, 'POST');
    expect(refused.status).toBe(409);
    expect(refused.body.error).toMatch(/already has a retraining run in progress/);
    await finished(again.body.id);
  });
});

describe('runs that fail', () => {
  it('records a job that exits 1: failed, the exit code, its log, nothing pushed', async () => {
    await deploy(loop.url, 'broken-job', 'diabetes:1');
    await setLoop(loop.url, 'broken-job', 'retrain', policy('fail', { rollout: canary }));
    const posted = await call<Run>(`${loop.url}/api/v1/endpoints/broken-job/retrain/runs`, 'POST');
    expect(posted.status).toBe(202);
    const run = await finished(posted.body.id);
    expect(run).toMatchObject({ status: 'failed', exitCode: 1, producedVersion: null, validationPassed: null, rolloutId: null });
    expect(run.log).toMatch(/trainer: boom, the GPU caught fire/);
    expect(run.error).toMatch(/exited with code 1/);
    expect(run.finishedAt).not.toBeNull();
    expect((await call(`${loop.url}/api/v1/endpoints/broken-job/rollout`)).status).toBe(404);
    const metrics = await (await fetch(`${loop.url}/metrics`)).text();
    expect(metrics).toMatch(/slipway_retrain_runs_total\{endpoint="broken-job",status="failed"\} 1/);
  });

  it('records a package that fails validation: pushed, validation false, no rollout', async () => {
    await deploy(loop.url, 'strict', 'diabetes:1');
    await setLoop(loop.url, 'strict', 'capture', { enabled: true });
    await sendRows('strict', diabetes.rows.slice(0, 20));
    await setLoop(loop.url, 'strict', 'retrain', policy('strict', { rollout: canary }));
    const posted = await call<Run>(`${loop.url}/api/v1/endpoints/strict/retrain/runs`, 'POST');
    const run = await finished(posted.body.id);
    expect(run, run.log).toMatchObject({ status: 'failed', exitCode: 0, datasetRows: 20, validationPassed: false, rolloutId: null });
    expect(run.producedVersion).toMatch(/^diabetes:\d+$/);
    expect(run.error).toMatch(/failed validation \(golden-mae\); no rollout started/);
    const version = Number(run.producedVersion!.split(':')[1]);
    expect((await call(`${loop.url}/api/v1/models/diabetes/versions/${version}`)).status).toBe(200);
    expect((await call(`${loop.url}/api/v1/endpoints/strict/rollout`)).status).toBe(404);
    const endpoint = (await call<{ variants: { model: string }[] }>(`${loop.url}/api/v1/endpoints/strict`)).body;
    expect(endpoint.variants.map((v) => v.model)).toEqual(['diabetes:1']);
  });
});
