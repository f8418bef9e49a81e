// A million-row export in bounded memory: 100,000 diabetes captures of 10 rows each written through the store, then
// exported over HTTP as Parquet and as CSV, streamed to files by the test while the process's RSS is sampled every
// 100 ms. The growth must stay far below the file's size (the export never holds the dataset), DuckDB must count every
// row and sum a column to the value computed from what was inserted, and the server keeps answering inferences while
// it exports (the export yields to the event loop).

import { createReadStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { type DuckDBConnection, DuckDBInstance, type JS } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeTensors } from '../src/core/capture-codec.js';
import type { CaptureRecord } from '../src/core/capture-config.js';
import type { LoopServer } from './loop-harness.js';
import { DIABETES, deploy, download, inferRows, loopStatus, push, startLoopServer } from './loop-harness.js';

const RECORDS = 100_000;
const ROWS_PER_RECORD = 10;
const ROWS = RECORDS * ROWS_PER_RECORD;
const BATCH = 5_000;
const FEATURES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];
/**
 * RSS growth allowed during an export. What the export may hold: one page of 2000 decoded captures, one Parquet row
 * group (65536 rows × 18 columns, about 10 MB of column buffers plus its encoded pages), 64 KiB text chunks, stream
 * buffers (16 KiB high-water marks) and V8's young generation. 150 MB leaves room for allocator and GC slack; holding
 * the file instead would grow RSS by at least its size (the Parquet file is ~160 MB, the CSV ~270 MB: both larger).
 */
const RSS_BOUND = 150 * 1024 * 1024;

let loop: LoopServer;
let dir: string;
let duckdb: DuckDBInstance;
let db: DuckDBConnection;
/** Sums of what was inserted, computed from the float32 values themselves. */
let bmiSum = 0;
let predictionSum = 0;
/** Process warnings during the exports (a listener left behind per backpressure wait shows as MaxListenersExceeded). */
const warnings: string[] = [];
const onWarning = (w: Error): void => {
  warnings.push(`${w.name}: ${w.message}`);
};

/** Deterministic feature values of row `i` (over all records) in the diabetes range (about ±0.1), as float32. */
const value = (i: number, f: number): number => Math.fround((((i * 7919 + f * 104_729) % 2001) - 1000) / 10_000);
const predictionOf = (bmi: number): number => Math.fround(150 + 1000 * bmi);

const sqlPath = (path: string): string => `'${path.replaceAll("'", "''")}'`;
const query = async (sql: string): Promise<Record<string, JS>[]> => (await db.runAndReadAll(sql)).getRowObjectsJS();
const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

/** Runs `task` while sampling RSS every 100 ms; returns its result, the peak growth over the RSS before, and the time. */
interface Measured<T> {
  result: T;
  before: number;
  peak: number;
  growth: number;
  ms: number;
  samples: number;
  /** The longest time between two samples: how long the event loop went without a turn. */
  longestGapMs: number;
  /** Inference latencies measured meanwhile, sorted. */
  latencies: number[];
}

/**
 * Runs `task` while sampling RSS every 100 ms and sending one inference at a time to the server; returns the result,
 * the peak RSS growth over the value before, the event loop's longest stall and the inference latencies.
 */
async function measured<T>(task: () => Promise<T>): Promise<Measured<T>> {
  const before = process.memoryUsage().rss;
  let peak = before;
  let samples = 0;
  let last = performance.now();
  let longestGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longestGapMs = Math.max(longestGapMs, now - last);
    last = now;
    samples++;
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 100);
  const latencies: number[] = [];
  let running = true;
  const probe = (async () => {
    while (running) {
      const r = await inferRows(loop.url, 'big', [FEATURES.map((_, f) => value(0, f))], 'value');
      if (r.status !== 200) throw new Error(`inference during the export answered ${r.status}`);
      latencies.push(r.ms);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const started = performance.now();
  try {
    const result = await task();
    peak = Math.max(peak, process.memoryUsage().rss);
    return { result, before, peak, growth: peak - before, ms: performance.now() - started, samples, longestGapMs, latencies: latencies.sort((a, b) => a - b) };
  } finally {
    clearInterval(timer);
    running = false;
    await probe;
  }
}

function report(format: string, file: string, m: Measured<unknown>): void {
  const p = (q: number): string => (m.latencies[Math.min(m.latencies.length - 1, Math.floor(q * m.latencies.length))] ?? NaN).toFixed(0);
  console.log(
    `${format} export: ${ROWS} rows, ${mb(statSync(file).size)} in ${(m.ms / 1000).toFixed(1)} s; RSS ${mb(m.before)} -> peak ${mb(m.peak)} ` +
    `(growth ${mb(m.growth)}, ${m.samples} samples, longest event-loop stall ${m.longestGapMs.toFixed(0)} ms); ` +
    `${m.latencies.length} inferences meanwhile, p50 ${p(0.5)} ms, p99 ${p(0.99)} ms, max ${p(1)} ms`,
  );
}

beforeAll(async () => {
  process.on('warning', onWarning);
  dir = mkdtempSync(join(tmpdir(), 'slipway-million-'));
  duckdb = await DuckDBInstance.create(':memory:');
  db = await duckdb.connect();
  loop = await startLoopServer();
  await push(loop.url, DIABETES);
  await deploy(loop.url, 'big', 'diabetes:1');

  const started = performance.now();
  const time0 = Date.now() - RECORDS;
  const bmi = FEATURES.indexOf('bmi');
  for (let start = 0; start < RECORDS; start += BATCH) {
    const batch: CaptureRecord[] = [];
    for (let i = start; i < start + BATCH; i++) {
      const features = new Float32Array(ROWS_PER_RECORD * FEATURES.length);
      const predictions = new Float32Array(ROWS_PER_RECORD);
      for (let r = 0; r < ROWS_PER_RECORD; r++) {
        const row = i * ROWS_PER_RECORD + r;
        FEATURES.forEach((_, f) => (features[r * FEATURES.length + f] = value(row, f)));
        predictions[r] = predictionOf(features[r * FEATURES.length + bmi]!);
        bmiSum += features[r * FEATURES.length + bmi]!;
        predictionSum += predictions[r]!;
      }
      batch.push({
        endpoint: 'big', requestId: `r${i}`, time: time0 + i, variant: 'primary', model: 'diabetes', version: 1, status: 'ok', latencyMs: 1.5,
        rows: ROWS_PER_RECORD,
        inputs: encodeTensors([{ name: 'input', datatype: 'FP32', shape: [ROWS_PER_RECORD, FEATURES.length], data: features }]),
        outputs: encodeTensors([{ name: 'value', datatype: 'FP32', shape: [ROWS_PER_RECORD, 1], data: predictions }]),
        truncated: false, error: null,
      });
    }
    await loop.server.store.loop.appendCaptures(batch);
  }
  const status = await loopStatus(loop.url, 'big');
  expect(status.capture.stats.records).toBe(RECORDS);
  expect(status.capture.stats.rows).toBe(ROWS);
  console.log(`inserted ${RECORDS} captures of ${ROWS_PER_RECORD} rows through the store in ${((performance.now() - started) / 1000).toFixed(1)} s`);
}, 300_000);

afterAll(async () => {
  process.off('warning', onWarning);
  db?.closeSync();
  duckdb?.closeSync();
  await loop?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('export of a million rows', () => {
  it('streams Parquet in bounded memory; DuckDB counts every row and sums a column to the inserted values', async () => {
    const file = join(dir, 'big.parquet');
    const m = await measured(() => download(`${loop.url}/api/v1/endpoints/big/export?format=parquet`, file));
    report('parquet', file, m);
    expect(m.result).toBe(statSync(file).size);
    expect(m.growth).toBeLessThan(RSS_BOUND);

    const [agg] = await query(`SELECT count(*) AS n, sum(bmi) AS bmi, sum(prediction) AS prediction, count(DISTINCT request_id) AS ids FROM read_parquet(${sqlPath(file)})`);
    expect(agg!.n).toBe(BigInt(ROWS));
    expect(agg!.ids).toBe(BigInt(RECORDS));
    expect(agg!.bmi as number).toBeCloseTo(bmiSum, 6);
    expect((agg!.prediction as number) / predictionSum).toBeCloseTo(1, 12);
    const last = ROWS - 1;
    const [row] = await query(`SELECT request_id, "row", bmi, prediction FROM read_parquet(${sqlPath(file)}) WHERE request_id = 'r${RECORDS - 1}' AND "row" = ${ROWS_PER_RECORD - 1}`);
    const bmi = value(last, FEATURES.indexOf('bmi'));
    expect(row).toEqual({ request_id: `r${RECORDS - 1}`, row: BigInt(ROWS_PER_RECORD - 1), bmi, prediction: predictionOf(bmi) });
  }, 300_000);

  it('streams CSV in bounded memory, one line per row', async () => {
    const file = join(dir, 'big.csv');
    const m = await measured(() => download(`${loop.url}/api/v1/endpoints/big/export?format=csv`, file));
    report('csv', file, m);
    expect(statSync(file).size).toBeGreaterThan(RSS_BOUND);
    expect(m.growth).toBeLessThan(RSS_BOUND);
    // Read back line by line (not into memory): count and a column sum.
    let lines = 0;
    let sum = 0;
    let at = -1;
    for await (const line of createInterface({ input: createReadStream(file), crlfDelay: Infinity })) {
      if (lines++ === 0) {
        at = line.split(',').indexOf('bmi');
        continue;
      }
      sum += Number(line.split(',')[at]);
    }
    expect(at).toBe(8);
    expect(lines).toBe(ROWS + 1);
    expect(sum).toBeCloseTo(bmiSum, 6);
    const [agg] = await query(`SELECT count(*) AS n, sum(bmi) AS bmi FROM read_csv(${sqlPath(file)}, header = true)`);
    expect(agg!.n).toBe(BigInt(ROWS));
    expect(agg!.bmi as number).toBeCloseTo(bmiSum, 6);
  }, 300_000);

  it('keeps serving while it exports: the event loop keeps turning, no listener leaks', async () => {
    // Parquet hands the sink nothing while it fills a row group (65536 rows): an export that never yielded to the event
    // loop would hold every request for that long, again and again (seconds each on a busy machine).
    const file = join(dir, 'again.parquet');
    const m = await measured(() => download(`${loop.url}/api/v1/endpoints/big/export?format=parquet`, file));
    report('parquet (serving probe)', file, m);
    expect(m.latencies.length).toBeGreaterThan(10);
    // The 100 ms sampler is a timer on the same event loop: it fires on time only if the export keeps yielding. Measured
    // here: ~85% of the expected samples with the export pausing every 2048 rows, ~20% without (stalls of ~1 s, one per
    // row group). The bound sits between, a factor of two from each.
    const expected = m.ms / 100;
    expect(m.samples / expected).toBeGreaterThan(0.4);
    expect(m.latencies[Math.floor(0.99 * m.latencies.length)]!).toBeLessThan(1000);
    // Thousands of backpressure waits over the three exports left no listener behind.
    expect(warnings.filter((w) => w.startsWith('MaxListenersExceededWarning'))).toEqual([]);
  }, 300_000);
});
