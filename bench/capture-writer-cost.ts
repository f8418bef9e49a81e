// What one stored capture record costs the SQLite capture writer, measured alone (no serving): a fresh home's store,
// warm-up batches, then timed batches of 2,000 digits-sized records packed before the timed loop, and the process's CPU
// time (every thread: the writer is one) per record. Each run is its own process; the id kinds alternate, since the
// shared 2-core VM drifts. Not part of `npm run bench`.
//
//   npx tsx bench/capture-writer-cost.ts [--ids ordered,random] [--runs 3] [--batches 100] [--warmup 30]
//   (ordered: the UUIDv7 ids Slipway makes; random: a client sending its own random UUIDs, version 4, as `id`)

import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { CaptureBatch } from '../src/core/capture-batch.js';
import { timeOrderedId } from '../src/core/request-id.js';
import type { Tensor } from '../src/core/tensor.js';
import { SqliteStore } from '../src/store/sqlite-store.js';

const execFileAsync = promisify(execFile);
const RECORDS_PER_BATCH = 2000;
type IdKind = 'ordered' | 'random';

interface RunResult {
  ids: IdKind;
  records: number;
  userMicrosPerRecord: number;
  systemMicrosPerRecord: number;
}

/** Batches as the capture pipeline flushes them: the digits model's [1,64] FP32 input and [1,10] FP32 output. */
function batches(count: number, ids: IdKind): CaptureBatch[] {
  const inputs: Tensor[] = [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Float32Array(64).map((_, i) => i / 64) }];
  const outputs: Tensor[] = [{ name: 'probabilities', datatype: 'FP32', shape: [1, 10], data: new Float32Array(10).fill(0.1) }];
  return Array.from({ length: count }, () => {
    const batch = new CaptureBatch();
    for (let i = 0; i < RECORDS_PER_BATCH; i++) {
      batch.append({
        endpoint: 'digits', requestId: ids === 'ordered' ? timeOrderedId() : randomUUID(), time: Date.now(), variant: 'primary',
        model: 'digits', version: 1, status: 'ok', latencyMs: 0.3, rows: 1, inputs, outputs, truncated: false, error: null,
      });
    }
    return batch;
  });
}

/** One measurement, in this process: the caller reads its one line of JSON. */
async function measure(ids: IdKind, timed: number, warmup: number): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'slipway-writer-cost-'));
  const store = new SqliteStore(join(dir, 'slipway.db'));
  try {
    const all = batches(warmup + timed, ids);
    for (const b of all.slice(0, warmup)) await store.loop.appendCaptures(b);
    const before = process.cpuUsage();
    for (const b of all.slice(warmup)) await store.loop.appendCaptures(b);
    const spent = process.cpuUsage(before);
    const records = timed * RECORDS_PER_BATCH;
    return { ids, records, userMicrosPerRecord: spent.user / records, systemMicrosPerRecord: spent.system / records };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function option(argv: string[], name: string, fallback: string): string {
  const at = argv.indexOf(name);
  return at >= 0 ? (argv[at + 1] ?? fallback) : fallback;
}

const argv = process.argv.slice(2);
const timed = Number(option(argv, '--batches', '100'));
const warmup = Number(option(argv, '--warmup', '30'));
if (argv[0] === '--child') {
  console.log(JSON.stringify(await measure(argv[1] as IdKind, timed, warmup)));
} else {
  const kinds = option(argv, '--ids', 'ordered,random').split(',') as IdKind[];
  for (const k of kinds) if (k !== 'ordered' && k !== 'random') throw new Error(`--ids: ordered or random, got ${k}`);
  const runs = Number(option(argv, '--runs', '3'));
  const results: RunResult[] = [];
  for (let run = 1; run <= runs; run++) {
    for (const ids of kinds) {
      const { stdout } = await execFileAsync(process.execPath, ['--import', 'tsx', import.meta.filename, '--child', ids, '--batches', String(timed), '--warmup', String(warmup)], { timeout: 600_000 });
      const r = JSON.parse(stdout.trim().split('\n').pop()!) as RunResult;
      results.push(r);
      const total = r.userMicrosPerRecord + r.systemMicrosPerRecord;
      console.log(`run ${run}, ${ids} ids: ${r.userMicrosPerRecord.toFixed(2)} + ${r.systemMicrosPerRecord.toFixed(2)} = ${total.toFixed(2)} µs CPU per record (user + sys, ${r.records} records)`);
    }
  }
  for (const ids of kinds) {
    const mine = results.filter((r) => r.ids === ids).map((r) => r.userMicrosPerRecord + r.systemMicrosPerRecord);
    console.log(`${ids}: mean ${(mine.reduce((a, b) => a + b, 0) / mine.length).toFixed(2)} µs CPU per record over ${mine.length} runs`);
  }
}
