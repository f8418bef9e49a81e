// One capture writer process (a replica's capture write path and nothing else), driven over stdio by
// cluster-capture-rate.ts: opens a store and prints "ready"; reads the start time (ms since the epoch) from stdin,
// appends synthetic capture batches from then for the given seconds and prints one line of JSON (AppendCount); exits
// when its stdin closes, so the parent reads every writer's CPU before any of them is reaped.
//
//   node --import tsx bench/capture-writer.ts <postgres://… | sqlite file> <seconds> <batch> <inputBytes> <outputBytes> <writer>

import { createInterface } from 'node:readline';
import { PostgresStore } from '../src/store/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { appendUntil } from './capture-append.js';

const [target = '', seconds = '', batch = '', inputBytes = '', outputBytes = '', writer = 'w'] = process.argv.slice(2);
const store: Store = target.startsWith('postgres://') ? await PostgresStore.open(target) : new SqliteStore(target);
try {
  const input = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  console.log('ready');
  const startAt = Number((await input.next()).value);
  if (!Number.isFinite(startAt)) throw new Error('expected the start time on stdin');
  const wait = startAt - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  const shape = { batch: Number(batch), inputBytes: Number(inputBytes), outputBytes: Number(outputBytes) };
  const count = await appendUntil(store, shape, startAt + Number(seconds) * 1000, writer);
  console.log(JSON.stringify({ ...count, lateMs: Math.max(0, -wait) }));
  // Until the parent closes stdin.
  while (!(await input.next()).done);
} finally {
  await store.close();
}
