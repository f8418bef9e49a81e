// Dataset export of the same captures as CSV, JSON Lines and Parquet: the same rows and values in each, columns under
// the package's feature names, ground truth joined on request, the filters (labelled only, variant, time range, drifted
// windows only), and Parquet that DuckDB opens with the declared types and sums like the CSV.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DuckDBConnection, DuckDBInstance, type JS } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import type { LoopServer } from './loop-harness.js';
import {
  baselineStd, DIABETES, download, exportJsonl, exportText, golden, inferRows, loopStatus, push, setLoop, shiftRows, startLoopServer, waitFor,
} from './loop-harness.js';

const diabetes = golden(DIABETES, 'target');
const FEATURES = diabetes.features;
const COLUMNS = ['request_id', 'row', 'time', 'variant', 'model_version', 'latency_ms', ...FEATURES, 'prediction'];
let loop: LoopServer;
let dir: string;
let duckdb: DuckDBInstance;
let db: DuckDBConnection;

/** What the test sent and was answered, per row. */
interface SentRow {
  requestId: string;
  row: number;
  features: number[];
  prediction: number;
}
const sent: SentRow[] = [];
const labelled = new Map<string, number | number[]>();
let boundary = '';
let firstBatchRows = 0;

async function sendRequest(rows: number[][]): Promise<string> {
  const r = await inferRows(loop.url, 'exp', rows, 'value');
  expect(r.status).toBe(200);
  rows.forEach((features, row) => sent.push({ requestId: r.id!, row, features, prediction: r.prediction[row]! }));
  return r.id!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const sqlPath = (path: string): string => `'${path.replaceAll("'", "''")}'`;
const query = async (sql: string): Promise<Record<string, JS>[]> => (await db.runAndReadAll(sql)).getRowObjectsJS();
const exportUrl = (endpoint: string, q: Record<string, string>): string => `${loop.url}/api/v1/endpoints/${endpoint}/export?${new URLSearchParams(q)}`;

/** An independent CSV reading (the export's cells hold no commas or quotes here): header and rows of cells. */
function readCsv(text: string): { header: string[]; rows: string[][] } {
  const lines = text.split('\n').filter((l) => l !== '');
  return { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'slipway-export-'));
  duckdb = await DuckDBInstance.create(':memory:');
  db = await duckdb.connect();
  loop = await startLoopServer();
  await push(loop.url, DIABETES);
  // Two variants of the same version at 50/50, so the variant filter has something to tell apart.
  const spec = { kind: 'Endpoint', name: 'exp', variants: [{ name: 'a', model: 'diabetes:1', weight: 50 }, { name: 'b', model: 'diabetes:1', weight: 50 }] };
  expect((await call(`${loop.url}/api/v1/endpoints/exp/spec`, 'PUT', spec)).status).toBe(200);
  await setLoop(loop.url, 'exp', 'capture', { enabled: true });

  // First batch: 20 one-row requests and two of five rows; then a time boundary; then 20 more one-row requests.
  const ids: string[] = [];
  for (let i = 0; i < 20; i++) ids.push(await sendRequest([diabetes.rows[i]!]));
  const multi = await sendRequest(diabetes.rows.slice(20, 25));
  await sendRequest(diabetes.rows.slice(25, 30));
  firstBatchRows = sent.length;
  await sleep(30);
  boundary = new Date().toISOString();
  await sleep(30);
  for (let i = 30; i < 50; i++) await sendRequest([diabetes.rows[i]!]);

  // Ground truth for ten one-row requests and for one five-row request (a list, one value per row).
  for (let i = 0; i < 10; i++) labelled.set(ids[i]!, diabetes.targets[i]!);
  labelled.set(multi, diabetes.targets.slice(20, 25));
  const posted = await call(`${loop.url}/api/v1/endpoints/exp/feedback`, 'POST', { feedback: [...labelled].map(([id, value]) => ({ request_id: id, value })) });
  expect(posted.body).toMatchObject({ accepted: 11, unknownCount: 0 });
});

afterAll(async () => {
  db?.closeSync();
  duckdb?.closeSync();
  await loop?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The label a row should carry (null without feedback). */
function labelOf(s: SentRow): number | null {
  const l = labelled.get(s.requestId);
  if (l === undefined) return null;
  return Array.isArray(l) ? l[s.row]! : l;
}

describe('the same captures in three formats', () => {
  it('CSV: the package\'s feature names as columns, one line per row with what was sent and answered', async () => {
    const csv = readCsv(await exportText(loop.url, 'exp', { format: 'csv' }));
    expect(csv.header).toEqual(COLUMNS);
    expect(csv.rows).toHaveLength(sent.length);
    expect(sent.length).toBe(50);
    csv.rows.forEach((cells, i) => {
      const s = sent[i]!;
      expect(cells[0]).toBe(s.requestId);
      expect(Number(cells[1])).toBe(s.row);
      expect(Date.parse(cells[2]!)).not.toBeNaN();
      expect(['a', 'b']).toContain(cells[3]);
      expect(cells[4]).toBe('diabetes:1');
      expect(Number(cells[5])).toBeGreaterThan(0);
      // FP32 inputs and outputs, exported as the doubles of those float32 values.
      expect(cells.slice(6, 16).map(Number)).toEqual(s.features.map(Math.fround));
      expect(Number(cells[16])).toBe(Math.fround(s.prediction));
    });
  });

  it('JSON Lines and Parquet hold the same rows and values as the CSV', async () => {
    const csv = readCsv(await exportText(loop.url, 'exp', { format: 'csv' }));
    const jsonl = await exportJsonl(loop.url, 'exp');
    expect(jsonl).toHaveLength(csv.rows.length);
    jsonl.forEach((obj, i) => {
      expect(Object.keys(obj)).toEqual(COLUMNS);
      const cells = csv.rows[i]!;
      COLUMNS.forEach((c, k) => expect(String(obj[c]), `${c} of row ${i}`).toBe(cells[k]));
    });

    const file = join(dir, 'exp.parquet');
    const bytes = await download(exportUrl('exp', { format: 'parquet' }), file);
    expect(bytes).toBeGreaterThan(0);
    const types = (await query(`DESCRIBE SELECT * FROM read_parquet(${sqlPath(file)})`)).map((r) => [r.column_name, r.column_type]);
    expect(types).toEqual([
      ['request_id', 'VARCHAR'], ['row', 'BIGINT'], ['time', 'VARCHAR'], ['variant', 'VARCHAR'], ['model_version', 'VARCHAR'], ['latency_ms', 'DOUBLE'],
      ...FEATURES.map((f) => [f, 'DOUBLE']), ['prediction', 'DOUBLE'],
    ]);
    const rows = await query(`SELECT * FROM read_parquet(${sqlPath(file)})`);
    expect(rows).toHaveLength(csv.rows.length);
    rows.forEach((r, i) => {
      const cells = csv.rows[i]!;
      expect(r.request_id).toBe(cells[0]);
      expect(r.row).toBe(BigInt(cells[1]!));
      expect(r.time).toBe(cells[2]);
      expect(r.variant).toBe(cells[3]);
      expect(r.latency_ms).toBe(Number(cells[5]));
      FEATURES.forEach((f, k) => expect(r[f], f).toBe(Number(cells[6 + k])));
      expect(r.prediction).toBe(Number(cells[16]));
    });
    // A sum over a feature column: DuckDB's over the Parquet file, ours over the CSV text.
    const [sum] = await query(`SELECT sum(bmi) AS s, count(*) AS n FROM read_parquet(${sqlPath(file)})`);
    const fromCsv = csv.rows.reduce((acc, cells) => acc + Number(cells[6 + FEATURES.indexOf('bmi')]), 0);
    expect(sum!.n).toBe(BigInt(sent.length));
    expect(sum!.s as number).toBeCloseTo(fromCsv, 12);
  });
});

describe('ground truth and filters', () => {
  it('withFeedback adds a label column: the posted value, empty where none was posted', async () => {
    const csv = readCsv(await exportText(loop.url, 'exp', { format: 'csv', withFeedback: 'true' }));
    expect(csv.header).toEqual([...COLUMNS, 'label']);
    csv.rows.forEach((cells, i) => {
      const want = labelOf(sent[i]!);
      expect(cells[17], `row ${i}`).toBe(want === null ? '' : String(want));
    });
    const jsonl = await exportJsonl(loop.url, 'exp', { withFeedback: 'true' });
    jsonl.forEach((obj, i) => expect(obj.label).toBe(labelOf(sent[i]!)));
    const file = join(dir, 'labelled.parquet');
    await download(exportUrl('exp', { format: 'parquet', withFeedback: 'true' }), file);
    const [t] = await query(`SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlPath(file)})) WHERE column_name = 'label'`);
    expect(t!.column_type).toBe('DOUBLE');
    const [agg] = await query(`SELECT count(label) AS n, sum(label) AS s FROM read_parquet(${sqlPath(file)})`);
    const want = sent.map(labelOf).filter((l): l is number => l !== null);
    expect(agg!.n).toBe(BigInt(want.length));
    expect(agg!.s).toBe(want.reduce((a, b) => a + b, 0));
  });

  it('onlyLabelled keeps just the rows with ground truth', async () => {
    const rows = await exportJsonl(loop.url, 'exp', { onlyLabelled: 'true' });
    const want = sent.filter((s) => labelOf(s) !== null);
    expect(want).toHaveLength(15);
    expect(rows.map((r) => [r.request_id, r.row, r.label])).toEqual(want.map((s) => [s.requestId, s.row, labelOf(s)]));
  });

  it('variant keeps one variant\'s rows', async () => {
    const all = await exportJsonl(loop.url, 'exp');
    for (const variant of ['a', 'b']) {
      const rows = await exportJsonl(loop.url, 'exp', { variant });
      const want = all.filter((r) => r.variant === variant);
      expect(want.length).toBeGreaterThan(0);
      expect(rows).toEqual(want);
    }
    expect(await exportJsonl(loop.url, 'exp', { variant: 'c' })).toEqual([]);
  });

  it('since and until cut at a point in time', async () => {
    const after = await exportJsonl(loop.url, 'exp', { since: boundary });
    const before = await exportJsonl(loop.url, 'exp', { until: boundary });
    expect(before.map((r) => [r.request_id, r.row])).toEqual(sent.slice(0, firstBatchRows).map((s) => [s.requestId, s.row]));
    expect(after.map((r) => [r.request_id, r.row])).toEqual(sent.slice(firstBatchRows).map((s) => [s.requestId, s.row]));
    expect(await exportJsonl(loop.url, 'exp', { since: boundary, until: boundary })).toEqual([]);
    // A bad time is refused before any byte is sent.
    const bad = await fetch(exportUrl('exp', { format: 'csv', since: 'yesterday' }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/since/);
  });

  it('onlyDriftedWindows returns the rows of drifted windows only', async () => {
    await call(`${loop.url}/api/v1/endpoints/exp-drift`, 'PUT', { model: 'diabetes:1' });
    await setLoop(loop.url, 'exp-drift', 'capture', { enabled: true });
    await setLoop(loop.url, 'exp-drift', 'monitor', { enabled: true, windowRows: 100 });
    const std = baselineStd(DIABETES);
    const phases = [
      diabetes.rows.slice(0, 100),
      shiftRows(diabetes.rows.slice(0, 100), FEATURES, ['bmi', 'bp', 's5'], std),
      diabetes.rows.slice(5, 105),
    ];
    const idsByPhase: string[][] = [];
    for (const rows of phases) {
      const ids: string[] = [];
      for (let i = 0; i < rows.length; i += 10) {
        const r = await inferRows(loop.url, 'exp-drift', rows.slice(i, i + 10), 'value');
        expect(r.status).toBe(200);
        ids.push(r.id!);
      }
      idsByPhase.push(ids);
    }
    const windows = await waitFor('3 windows', async () => {
      await loopStatus(loop.url, 'exp-drift');
      const list = (await call<{ id: number; drifted: boolean }[]>(`${loop.url}/api/v1/endpoints/exp-drift/monitor/windows`)).body;
      return list.length >= 3 ? list : undefined;
    });
    expect(windows.sort((x, y) => x.id - y.id).map((w) => w.drifted)).toEqual([false, true, false]);
    const rows = await exportJsonl(loop.url, 'exp-drift', { onlyDriftedWindows: 'true' });
    expect(rows).toHaveLength(100);
    expect([...new Set(rows.map((r) => r.request_id))]).toEqual(idsByPhase[1]);
    // The shifted values themselves.
    rows.forEach((r, i) => expect(r.bmi).toBe(Math.fround(phases[1]![i]![FEATURES.indexOf('bmi')]!)));
    expect(await exportJsonl(loop.url, 'exp-drift')).toHaveLength(300);
    const csv = readCsv(await exportText(loop.url, 'exp-drift', { format: 'csv', onlyDriftedWindows: 'true' }));
    expect(csv.rows).toHaveLength(100);
  });
});
