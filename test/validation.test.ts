// Validation before traffic, end to end: package tests run at push and on demand, checked against onnxruntime in-process.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { numericColumns, parseCsv } from '../src/core/csv.js';
import type { ModelVersion } from '../src/core/model-version.js';
import { macroF1 } from '../src/core/quality-metrics.js';
import type { ValidationReport } from '../src/core/validation.js';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

const DIGITS = join(ROOT, 'examples', 'digits');
const DIABETES = join(ROOT, 'examples', 'diabetes');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');

type Pushed = ModelVersion & { validation?: ValidationReport };

let server: ServerProcess;
let scratch: string;
const slipway = (...args: string[]): ReturnType<typeof runCli> => runCli(server.url, args);

async function pushJson(dir: string, ...flags: string[]): Promise<Pushed> {
  const r = await slipway('--json', 'push', dir, ...flags);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as Pushed;
}

function testOf(report: ValidationReport | undefined, name: string): ValidationReport['tests'][number] {
  const found = report?.tests.find((t) => t.name === name);
  if (!found) throw new Error(`no test "${name}" in ${JSON.stringify(report)}`);
  return found;
}

/** Writes a package directory: a model file copied in, slipway.yaml and data files given as text. */
function writePackage(name: string, model: string, manifest: string, files: Record<string, string>): string {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  copyFileSync(model, join(dir, 'model.onnx'));
  writeFileSync(join(dir, 'slipway.yaml'), manifest);
  for (const [path, text] of Object.entries(files)) writeFileSync(join(dir, path), text);
  return dir;
}

/** Runs a package's model in-process on its golden rows: what the server's validation must agree with. */
async function inProcess(dir: string, target: string): Promise<{ outputs: ort.InferenceSession.OnnxValueMapType; targets: number[]; rows: number }> {
  const manifest = parseYaml(readFileSync(join(dir, 'slipway.yaml'), 'utf8')) as { features: string[] };
  const table = parseCsv(readFileSync(join(dir, 'golden.csv'), 'utf8'));
  const rows = table.rows.length;
  const features = numericColumns(table, manifest.features);
  const session = await ort.InferenceSession.create(join(dir, 'model.onnx'));
  const outputs = await session.run({ input: new ort.Tensor('float32', features, [rows, manifest.features.length]) });
  await session.release();
  const at = table.header.indexOf(target);
  return { outputs, targets: table.rows.map((r) => Number(r[at])), rows };
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'slipway-validation-'));
  server = await startServer();
});

afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe('validation at push', () => {
  it('passes digits with exactly the fraction of golden rows onnxruntime gets right, and a latency', async () => {
    const { outputs, targets, rows } = await inProcess(DIGITS, 'label');
    const labels = Array.from(outputs.label!.data as BigInt64Array, Number);
    const expected = labels.filter((l, i) => l === targets[i]).length / rows;
    expect(expected).toBeCloseTo(0.9778, 4);

    const pushed = await pushJson(DIGITS);
    const report = pushed.validation!;
    expect(report).toMatchObject({ model: `digits:${pushed.version}`, passed: true });
    expect(Date.parse(report.finishedAt)).toBeGreaterThanOrEqual(Date.parse(report.startedAt));
    const accuracy = testOf(report, 'golden-accuracy');
    expect(accuracy).toMatchObject({ metric: 'accuracy', threshold: 0.95, passed: true });
    expect(accuracy.value).toBeCloseTo(expected, 12);
    expect(accuracy.detail).toBe(`accuracy ${expected.toFixed(4)} >= 0.95 on 450 rows`);
    const latency = testOf(report, 'latency');
    expect(latency).toMatchObject({ metric: 'p99_latency_ms', threshold: 50, passed: true });
    expect(latency.value).toBeGreaterThan(0);
    expect(latency.detail).toMatch(/^p99 latency [\d.]+ ms <= 50 ms over 200 single-row runs$/);

    // the report is stored with the version
    const stored = await call<ValidationReport>(`${server.url}/api/v1/models/digits/versions/${pushed.version}/validation`);
    expect(stored.status).toBe(200);
    expect(stored.body).toEqual(report);
  });

  it('passes diabetes with the MAE onnxruntime gives on its golden rows', async () => {
    const { outputs, targets, rows } = await inProcess(DIABETES, 'target');
    const values = outputs.value!.data as Float32Array;
    const expected = targets.reduce((sum, t, i) => sum + Math.abs(values[i]! - t), 0) / rows;
    expect(expected).toBeCloseTo(43.9, 1);

    const r = await slipway('push', DIABETES);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/golden-mae\s+mae\s+<= 49\s+43\.9\d*\s+passed\s+MAE 43\.9\d* <= 49 on 111 rows/);
    expect(r.stdout).toMatch(/PASSED: diabetes:1 passed 2 of 2 tests/);
    const report = (await call<ValidationReport>(`${server.url}/api/v1/models/diabetes/versions/1/validation`)).body;
    expect(testOf(report, 'golden-mae').value).toBeCloseTo(expected, 3);
  });

  it('fails a package whose thresholds are out of reach, with the measured values; the push still succeeds', async () => {
    const manifest = readFileSync(join(DIGITS, 'slipway.yaml'), 'utf8')
      .replace('name: digits', 'name: digits-strict')
      .replace('threshold: 0.95', 'threshold: 0.999')
      .replace('threshold: 50', 'threshold: 0.0001')
      .concat(
        '  - { name: argmax-accuracy, data: golden.csv, target: label, output: probabilities, metric: accuracy, threshold: 0.9 }\n',
        '  - { name: macro-f1, data: golden.csv, target: label, output: probabilities, metric: f1, threshold: 0.9 }\n',
      );
    const dir = writePackage('digits-strict', join(DIGITS, 'model.onnx'), manifest, {
      'golden.csv': readFileSync(join(DIGITS, 'golden.csv'), 'utf8'),
      'baseline.csv': readFileSync(join(DIGITS, 'baseline.csv'), 'utf8'),
    });
    const { outputs, targets, rows } = await inProcess(dir, 'label');
    const scores = outputs.probabilities!.data as Float32Array;
    const argmax = Array.from({ length: rows }, (_, r) => {
      const row = Array.from(scores.subarray(r * 10, r * 10 + 10));
      return row.indexOf(Math.max(...row));
    });
    const expected = argmax.filter((c, i) => c === targets[i]).length / rows;

    const pushed = await pushJson(dir);
    expect(pushed).toMatchObject({ name: 'digits-strict', version: 1 });
    const report = pushed.validation!;
    expect(report.passed).toBe(false);
    const accuracy = testOf(report, 'golden-accuracy');
    expect(accuracy.passed).toBe(false);
    expect(accuracy.detail).toBe(`accuracy ${accuracy.value!.toFixed(4)} < 0.999 on 450 rows (expected >= 0.999)`);
    expect(accuracy.value).toBeCloseTo(0.9778, 4);
    const latency = testOf(report, 'latency');
    expect(latency.passed).toBe(false);
    expect(latency.detail).toMatch(/^p99 latency [\d.]+ ms > 0\.0001 ms over 200 single-row runs \(expected <= 0\.0001 ms\)$/);
    // scores [N,10] are compared by their argmax
    expect(testOf(report, 'argmax-accuracy')).toMatchObject({ passed: true });
    expect(testOf(report, 'argmax-accuracy').value).toBeCloseTo(expected, 12);
    expect(testOf(report, 'macro-f1').value).toBeCloseTo(macroF1(targets, argmax), 12);

    const validate = await slipway('validate', 'digits-strict:1');
    expect(validate.code).toBe(1);
    expect(validate.stdout.split('\n')[0]).toMatch(/^test\s+metric\s+threshold\s+value\s+result\s+detail$/);
    expect(validate.stdout).toMatch(/golden-accuracy\s+accuracy\s+>= 0\.999\s+0\.9778\s+FAILED\s+accuracy 0\.9778 < 0\.999/);
    expect(validate.stdout).toMatch(/latency\s+p99_latency_ms\s+<= 0\.0001 ms\s+[\d.]+ ms\s+FAILED/);
    expect(validate.stdout.trim().split('\n').at(-1)).toBe('FAILED: digits-strict:1 failed 2 of 4 tests');
    const json = await slipway('--json', 'validate', 'digits-strict@missing');
    expect(json.code).toBe(1);
    expect(json.stderr).toMatch(/alias digits-strict@missing not found/);
    const latest = await slipway('validate', 'digits-strict', '--json');
    expect(latest.code).toBe(1);
    expect(JSON.parse(latest.stdout)).toMatchObject({ model: 'digits-strict:1', passed: false });
  });

  it('reports NaN predictions: wrong for accuracy, a NaN error for regression', async () => {
    const dir = writePackage('roots', join(FIXTURES, 'nan_on_negative.onnx'), [
      'name: roots',
      'task: regression',
      'features: [a, b, c, d]',
      'tests:',
      '  - { name: clean-rmse, data: clean.csv, target: y, metric: rmse, threshold: 1 }',
      '  - { name: nan-mae, data: golden.csv, target: y, metric: mae, threshold: 1 }',
      '  - { name: nan-accuracy, data: golden.csv, target: y, metric: accuracy, threshold: 0.5 }',
      '',
    ].join('\n'), {
      // y = sqrt(a + b + c + d): NaN when the sum is negative
      'clean.csv': 'a,b,c,d,y\n4,0,0,0,2\n1,0,0,0,2\n',
      'golden.csv': 'a,b,c,d,y\n1,0,0,0,1\n-1,0,0,0,0\n0,0,0,9,3\n-4,0,0,0,2\n',
    });
    const report = (await pushJson(dir)).validation!;
    expect(report.passed).toBe(false);
    expect(testOf(report, 'clean-rmse')).toMatchObject({ passed: true, detail: 'RMSE 0.7071 <= 1 on 2 rows' });
    expect(testOf(report, 'clean-rmse').value).toBeCloseTo(Math.sqrt(0.5), 6);
    expect(testOf(report, 'nan-mae')).toEqual({
      name: 'nan-mae', metric: 'mae', threshold: 1, value: null, passed: false,
      detail: 'MAE is NaN on 4 rows (expected <= 1); the model produced NaN for 2 of 4 rows',
    });
    expect(testOf(report, 'nan-accuracy')).toMatchObject({
      value: 0.5, passed: true, detail: 'accuracy 0.5000 >= 0.5 on 4 rows; 2 NaN predictions counted as wrong',
    });
  });

  it('runs a model with a fixed first dimension row by row, mapping label targets, and fails cleanly when it cannot run', async () => {
    const dir = writePackage('one-row', join(FIXTURES, 'static_batch.onnx'), [
      'name: one-row',
      'task: classification',
      'features: [a, b, c]',
      'labels: [x, y, z]',
      'tests:',
      '  - { name: golden, data: golden.csv, target: cls, metric: accuracy, threshold: 1 }',
      '  - { name: latency, metric: p99_latency_ms, threshold: 1000 }',
      '',
    ].join('\n'), { 'golden.csv': 'a,b,c,cls\n1,5,2,y\n9,0,0,x\n0,0,3,z\n0,7,0,1\n' });
    const pushed = await pushJson(dir);
    expect(pushed.validation).toMatchObject({ passed: true });
    expect(testOf(pushed.validation, 'golden')).toMatchObject({ value: 1, detail: 'accuracy 1 >= 1 on 4 rows' });
    expect(testOf(pushed.validation, 'latency').detail).toMatch(/over 200 single-row runs/);

    // The model file vanishes from under the version: validation cannot run, and says why in every test.
    const blob = join(server.home, 'artifacts', 'blobs', pushed.sha256.slice(0, 2), pushed.sha256);
    unlinkSync(blob);
    const broken = await call<ValidationReport>(`${server.url}/api/v1/models/one-row/versions/1/validate`, 'POST');
    expect(broken.status).toBe(200);
    expect(broken.body.passed).toBe(false);
    expect(broken.body.tests.map((t) => [t.name, t.passed, t.value])).toEqual([['golden', false, null], ['latency', false, null]]);
    for (const t of broken.body.tests) expect(t.detail).toBe(`could not run: artifact ${pushed.sha256} not found in the artifact store`);
    // the stored report is the new one
    expect((await call<ValidationReport>(`${server.url}/api/v1/models/one-row/versions/1/validation`)).body.passed).toBe(false);
  });

  it('gives a package without tests a passing report with no tests', async () => {
    const pushed = await pushJson(join(FIXTURES, 'fixed_shape.onnx'), '--name', 'bare');
    expect(pushed.validation).toMatchObject({ model: 'bare:1', passed: true, tests: [] });
    const r = await slipway('validate', 'bare:1');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('PASSED: bare:1 has no tests');
  });
});

describe('validation on demand', () => {
  it('a push with validate=false has no report until slipway validate runs', async () => {
    const pushed = await pushJson(DIABETES, '--no-validate');
    expect(pushed.version).toBe(2);
    expect(pushed.validation).toBeUndefined();
    const none = await call(`${server.url}/api/v1/models/diabetes/versions/2/validation`);
    expect(none.status).toBe(404);
    expect(none.body).toEqual({ error: 'no validation report for diabetes:2; run slipway validate diabetes:2', code: 'not_found' });
    const show = await slipway('models', 'show', 'diabetes:2');
    expect(show.stdout).toMatch(/validation: none yet; run slipway validate diabetes:2/);
    expect(JSON.parse((await slipway('--json', 'models', 'show', 'diabetes:2')).stdout)).toMatchObject({ validation: null });

    const validate = await slipway('validate', 'diabetes:2');
    expect(validate.code, validate.stderr).toBe(0);
    expect(validate.stdout.trim().split('\n').at(-1)).toBe('PASSED: diabetes:2 passed 2 of 2 tests');
    const stored = await call<ValidationReport>(`${server.url}/api/v1/models/diabetes/versions/2/validation`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ model: 'diabetes:2', passed: true });
    expect((await slipway('models', 'show', 'diabetes:2')).stdout).toMatch(/validation:\ntest .*\n.*golden-mae[^\n]*passed/);
  });

  it('answers 404 for a version that does not exist', async () => {
    const run = await call(`${server.url}/api/v1/models/diabetes/versions/9/validate`, 'POST');
    expect(run.status).toBe(404);
    expect(run.body).toEqual({ error: 'model version diabetes:9 not found', code: 'not_found' });
    expect((await call(`${server.url}/api/v1/models/diabetes/versions/9/validation`)).status).toBe(404);
    const cli = await slipway('validate', 'diabetes:9');
    expect(cli.code).toBe(1);
    expect(cli.stderr).toBe('error: 404: model version diabetes:9 not found\n');
  });

  it('removing a version removes its report', async () => {
    const reports = (): number => {
      const db = new Database(join(server.home, 'slipway.db'), { readonly: true });
      try {
        return (db.prepare("SELECT COUNT(*) AS n FROM validation_reports WHERE name = 'diabetes' AND version = 2").get() as { n: number }).n;
      } finally {
        db.close();
      }
    };
    expect(reports()).toBe(1);
    expect((await slipway('models', 'rm', 'diabetes:2')).code).toBe(0);
    expect(reports()).toBe(0);
    expect((await call(`${server.url}/api/v1/models/diabetes/versions/2/validation`)).body).toMatchObject({ error: 'model version diabetes:2 not found' });
  });

  it('documents its routes in the OpenAPI document, the push answer included', async () => {
    const doc = (await call<{ paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { properties: object } }> }> }>> }>(`${server.url}/api/docs/json`)).body;
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      '/api/v1/models/{name}/versions/{version}/validate',
      '/api/v1/models/{name}/versions/{version}/validation',
    ]));
    expect(Object.keys(doc.paths['/api/v1/models']!.post!.responses['201']!.content['application/json']!.schema.properties)).toContain('validation');
  });
});

describe('validation routes behind an admin token', () => {
  it('refuse callers without the token', async () => {
    const guarded = await startServer({ args: ['--admin-token', 'validation-secret'] });
    try {
      const path = `${guarded.url}/api/v1/models/digits/versions/1`;
      expect((await call(`${path}/validate`, 'POST')).status).toBe(401);
      expect((await call(`${path}/validation`)).status).toBe(401);
      const authed = await call(`${path}/validation`, 'GET', undefined, { authorization: 'Bearer validation-secret' });
      expect(authed.status).toBe(404);
    } finally {
      await guarded.stop();
      removeHome(guarded.home);
    }
  });
});
