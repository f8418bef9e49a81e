// Baselines from every source the issue names — a package's CSV, JSON Lines and Parquet file (the Parquet written by
// DuckDB with its default Snappy compression, as pandas or Spark would write one) and a window of captures — agree on
// the same data; a retraining policy with a webhook instead of a command posts the job's facts, signed with the server's
// webhook secret; endpoint manifests carry the loop's settings.

import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BaselineProfile, NumericProfile } from '../src/core/baseline.js';
import { parseCsv } from '../src/core/csv.js';
import { signature } from '../src/monitoring/webhook-sender.js';
import { call } from './http.js';
import { DIABETES, deploy, inferRows, push, setLoop, startLoopServer, waitFor, type LoopServer } from './loop-harness.js';

const SECRET = 'shared-with-the-receiver';
let loop: LoopServer;
let scratch: string;

/** examples/diabetes with its baseline.csv replaced by the same rows in another format. */
async function packageWithBaseline(name: string, file: string, write: (path: string) => Promise<void> | void): Promise<string> {
  const dir = join(scratch, name);
  mkdirSync(dir, { recursive: true });
  for (const f of ['model.onnx', 'golden.csv']) copyFileSync(join(DIABETES, f), join(dir, f));
  const manifest = readFileSync(join(DIABETES, 'slipway.yaml'), 'utf8').replace('baseline: baseline.csv', `baseline: ${file}`);
  writeFileSync(join(dir, 'slipway.yaml'), manifest);
  await write(join(dir, file));
  return dir;
}

async function baselineOf(model: string): Promise<BaselineProfile> {
  const [name, version] = model.split(':');
  const r = await call<BaselineProfile>(`${loop.url}/api/v1/models/${name}/versions/${version}/baseline`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
}

function numeric(profile: BaselineProfile, feature: string): NumericProfile {
  return profile.features.find((f) => f.name === feature) as NumericProfile;
}

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), 'slipway-baselines-'));
  loop = await startLoopServer({}, { webhookSecret: SECRET });
});

afterAll(async () => {
  await loop?.close();
  rmSync(scratch, { recursive: true, force: true });
});

describe('baselines', () => {
  it('profile a CSV, a JSON Lines and a Snappy Parquet baseline file of the same rows alike', async () => {
    const table = parseCsv(readFileSync(join(DIABETES, 'baseline.csv'), 'utf8'));
    const csv = await push(loop.url, DIABETES, 'base-csv');
    const jsonlDir = await packageWithBaseline('jsonl', 'baseline.jsonl', (path) => {
      const lines = table.rows.map((r) => JSON.stringify(Object.fromEntries(table.header.map((h, i) => [h, Number(r[i])]))));
      writeFileSync(path, `${lines.join('\n')}\n`);
    });
    const jsonl = await push(loop.url, jsonlDir, 'base-jsonl');
    const parquetDir = await packageWithBaseline('parquet', 'baseline.parquet', async (path) => {
      const db = await DuckDBInstance.create(':memory:');
      const conn = await db.connect();
      // DOUBLE columns, Snappy-compressed (DuckDB's default): what a data team's tooling typically writes.
      await conn.run(`COPY (SELECT * FROM read_csv('${join(DIABETES, 'baseline.csv')}', header = true, all_varchar = false)) TO '${path}' (FORMAT PARQUET)`);
      conn.closeSync();
      db.closeSync();
    });
    const parquet = await push(loop.url, parquetDir, 'base-parquet');
    const profiles = await Promise.all([csv, jsonl, parquet].map((v) => baselineOf(`${v.name}:${v.version}`)));
    for (const p of profiles) {
      expect(p.rows).toBe(table.rows.length);
      expect(p.features.map((f) => f.name)).toEqual(['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6']);
      expect(p.outputs[0]).toMatchObject({ name: 'prediction', kind: 'numeric', count: table.rows.length });
    }
    expect(profiles[0]!.source).toEqual({ kind: 'package', file: 'baseline.csv' });
    expect(profiles[2]!.source).toEqual({ kind: 'package', file: 'baseline.parquet' });
    // The same numbers whatever the file format (all are profiled at the model's float32 precision).
    for (const feature of ['bmi', 's5']) {
      const [a, b, c] = profiles.map((p) => numeric(p, feature));
      expect(b!.mean).toBe(a!.mean);
      expect(c!.mean).toBe(a!.mean);
      expect(c!.quantiles).toEqual(a!.quantiles);
      expect(c!.counts).toEqual(a!.counts);
    }
    expect(numeric(profiles[0]!, 'age').min).toBe(Math.fround(Math.min(...table.rows.map((r) => Number(r[0])))));
  });

  it('refuses a baseline file it cannot read, naming it', async () => {
    const dir = await packageWithBaseline('broken', 'baseline.parquet', (path) => writeFileSync(path, 'PAR1 this is not parquet'));
    await expect(push(loop.url, dir, 'base-broken')).rejects.toThrow(/baseline\.parquet: not a readable Parquet file/);
  });

  it('is built from a range of captures on request and stored with the version', async () => {
    const v = await push(loop.url, DIABETES, 'base-live');
    await deploy(loop.url, 'base-live', `base-live:${v.version}`);
    await setLoop(loop.url, 'base-live', 'capture', { enabled: true });
    const table = parseCsv(readFileSync(join(DIABETES, 'golden.csv'), 'utf8'));
    const rows = table.rows.map((r) => r.slice(0, 10).map(Number));
    const since = new Date().toISOString();
    await inferRows(loop.url, 'base-live', rows, 'value');
    const r = await call<BaselineProfile>(`${loop.url}/api/v1/models/base-live/versions/${v.version}/baseline`, 'POST', { fromEndpoint: 'base-live', since });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.source).toMatchObject({ kind: 'captures', endpoint: 'base-live', since });
    expect(r.body.rows).toBe(rows.length);
    expect(numeric(r.body, 'bmi').count).toBe(rows.length);
    expect(numeric(r.body, 'bmi').max).toBe(Math.fround(Math.max(...rows.map((x) => x[2]!))));
    expect(r.body.outputs[0]!.count).toBe(rows.length);
    const stored = await baselineOf(`base-live:${v.version}`);
    expect(stored.source.kind).toBe('captures');
    const empty = await call(`${loop.url}/api/v1/models/base-live/versions/${v.version}/baseline`, 'POST', { fromEndpoint: 'base-live', since: '2020-01-01T00:00:00Z', until: '2020-01-02T00:00:00Z' });
    expect(empty.status).toBe(400);
    expect(JSON.stringify(empty.body)).toMatch(/no captured requests with payloads in that range/);
  });
});

describe('retraining through a webhook', () => {
  let receiver: Server;
  const received: Record<string, unknown>[] = [];
  const signatures: boolean[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        signatures.push(req.headers['x-slipway-signature'] === signature(SECRET, body));
        received.push(JSON.parse(body) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  });
  afterAll(() => new Promise<void>((resolve) => receiver.close(() => resolve())));

  it('exports the dataset and posts where it is, for a trainer elsewhere', async () => {
    const address = receiver.address() as { port: number };
    const v = await push(loop.url, DIABETES, 'hooked');
    await deploy(loop.url, 'hooked', `hooked:${v.version}`);
    await setLoop(loop.url, 'hooked', 'capture', { enabled: true });
    const table = parseCsv(readFileSync(join(DIABETES, 'golden.csv'), 'utf8'));
    await inferRows(loop.url, 'hooked', table.rows.slice(0, 20).map((r) => r.slice(0, 10).map(Number)), 'value');
    await setLoop(loop.url, 'hooked', 'retrain', { enabled: true, webhook: `http://127.0.0.1:${address.port}/train`, dataset: { format: 'jsonl', withFeedback: false } });
    const started = await call<{ id: number }>(`${loop.url}/api/v1/endpoints/hooked/retrain/runs`, 'POST');
    expect(started.status).toBe(202);
    const run = await waitFor('the run to finish', async () => {
      const r = await call<{ status: string; datasetRows: number; dataset: string }>(`${loop.url}/api/v1/retrain/runs/${started.body.id}`);
      return r.body.status !== 'running' ? r.body : undefined;
    });
    expect(run).toMatchObject({ status: 'succeeded', datasetRows: 20 });
    const hook = await waitFor('the webhook', async () => received.find((b) => b.run === started.body.id));
    expect(hook).toMatchObject({ type: 'retrain', endpoint: 'hooked', trigger: 'manual', model: `hooked:${v.version}`, datasetRows: 20, format: 'jsonl', dataset: run.dataset });
    expect(readFileSync(run.dataset, 'utf8').trim().split('\n')).toHaveLength(20);
    // Signed with the server's webhook secret, over the exact bytes received.
    expect(signatures.length).toBeGreaterThan(0);
    expect(signatures.every(Boolean)).toBe(true);
  });
});

describe('endpoints as code with loop sections', () => {
  it('applies capture and monitor from the manifest, diffs them field by field, and writes them back unchanged', async () => {
    const v = await push(loop.url, DIABETES, 'coded');
    const doc = {
      name: 'coded',
      variants: [{ name: 'primary', model: `coded:${v.version}` }],
      capture: { enabled: true, sampleRate: 0.5, retention: '3d' },
      monitor: { enabled: true, windowRows: 300, thresholds: { alpha: 0.05 } },
    };
    const created = await call<{ diff: string[]; applied: boolean; revision: number }>(`${loop.url}/api/v1/endpoints/coded/spec`, 'PUT', doc);
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    expect(created.body.applied).toBe(true);
    expect(created.body.diff.some((l) => l.startsWith('capture: set'))).toBe(true);
    expect((await call(`${loop.url}/api/v1/endpoints/coded/capture`)).body).toMatchObject({ enabled: true, sampleRate: 0.5, retentionMs: 3 * 86_400_000 });
    expect((await call(`${loop.url}/api/v1/endpoints/coded/monitor`)).body).toMatchObject({ enabled: true, windowRows: 300, thresholds: { alpha: 0.05 } });

    const written = await call<Record<string, unknown>>(`${loop.url}/api/v1/endpoints/coded/spec`);
    expect(written.body.capture).toMatchObject({ enabled: true, sampleRate: 0.5, retention: '3d', keep: 'both' });
    const again = await call<{ diff: string[]; applied: boolean }>(`${loop.url}/api/v1/endpoints/coded/spec`, 'PUT', written.body);
    expect(again.body).toMatchObject({ diff: [], applied: false });

    const preview = await call<{ diff: string[]; applied: boolean }>(`${loop.url}/api/v1/endpoints/coded/spec?dryRun=true`, 'PUT', { ...written.body, capture: { ...(written.body.capture as object), sampleRate: 1 } });
    expect(preview.body).toEqual({ diff: ['capture.sampleRate: 0.5 → 1'], applied: false, revision: created.body.revision });
    expect((await call(`${loop.url}/api/v1/endpoints/coded/capture`)).body).toMatchObject({ sampleRate: 0.5 });

    const bad = await call<{ error: string }>(`${loop.url}/api/v1/endpoints/coded/spec`, 'PUT', { ...doc, monitor: { windowRows: 5 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/^monitor: field "windowRows": expected a number from 10 to 10000000, got 5/);
  });
});
