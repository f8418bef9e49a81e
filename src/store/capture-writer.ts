// Worker thread that appends captured requests to the SQLite file over its own connection: inserts and fsyncs happen
// here, never on the event loop that answers requests.

import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { readCaptures, type SealedCaptures } from '../core/capture-batch.js';
import type { CaptureRecord } from '../core/capture-config.js';
import type { WriterReply, WriterRequest } from './capture-writer-messages.js';
import type { RetentionLimits } from './loop-store.js';
import { byteEdge, excessRecords } from '../core/retention-edge.js';
import { pauseAtSync } from '../core/test-pause.js';

const { file } = workerData as { file: string };
const db = new Database(file);
db.pragma('journal_mode = WAL');
// FULL as the main connection: a flushed capture survives power loss. The fsync costs this thread only.
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 10000');
// A many-row INSERT (below) stages its rows in a temporary b-tree; in a temp file that more than doubled the thread's
// write calls (strace: 283k pwrites against 125k for the same records), in memory it costs nothing.
db.pragma('temp_store = MEMORY');

const COLUMNS = '(endpoint, request_id, time, variant, model, version, status, latency_ms, rows, inputs, outputs, truncated, error, bytes)';
const PLACEHOLDERS = '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)';
/**
 * Records per INSERT statement: one statement of many rows costs SQLite and the binding less per row than a statement
 * per row (measured: ~1.4 µs of a ~5.5 µs row). 14 values a row keeps a statement far below SQLite's variable limit.
 */
const ROWS_PER_INSERT = 50;
const insertOne = db.prepare(`INSERT INTO captures ${COLUMNS} VALUES ${PLACEHOLDERS}`);
const insertMany = db.prepare(`INSERT INTO captures ${COLUMNS} VALUES ${Array<string>(ROWS_PER_INSERT).fill(PLACEHOLDERS).join(', ')}`);
/** Retention deletes this many records per transaction, so the main connection never waits long for the lock. */
const TRIM_CHUNK = 5000;
// Deletes say what they removed (RETURNING), so the endpoint's totals shrink by it in the same transaction. By age in
// time order, the time index's own: in id order each chunk first sorted every record older than the cutoff (a large
// backlog, as after a shorter retention is set, made each chunk cost as much as all of them).
const deleteBefore = db.prepare(
  'DELETE FROM captures WHERE id IN (SELECT id FROM captures WHERE endpoint = ? AND time < ? ORDER BY time LIMIT ?) RETURNING rows, bytes',
);
const deleteFeedbackBefore = db.prepare('DELETE FROM feedback WHERE endpoint = ? AND received_at < ?');
const totalsOfEndpoint = db.prepare('SELECT records, bytes FROM capture_totals WHERE endpoint = ?');
const nthOldest = db.prepare('SELECT id FROM captures WHERE endpoint = ? ORDER BY id LIMIT 1 OFFSET ?');
const oldestFirst = db.prepare('SELECT id, bytes FROM captures WHERE endpoint = ? ORDER BY id');
const deleteUpTo = db.prepare(
  'DELETE FROM captures WHERE id IN (SELECT id FROM captures WHERE endpoint = ? AND id <= ? ORDER BY id LIMIT ?) RETURNING rows, bytes',
);
/** Adds to (or, with negative figures, takes from) an endpoint's totals (capture_totals: what captureStats reads). */
const addTotals = db.prepare(
  `INSERT INTO capture_totals (endpoint, records, rows, bytes) VALUES (?, ?, ?, ?)
   ON CONFLICT (endpoint) DO UPDATE SET records = records + excluded.records, rows = rows + excluded.rows, bytes = bytes + excluded.bytes`,
);

/** One chunk of a trim and the totals it takes away, in one transaction; the number of records removed. */
const deleteChunk = db.transaction((statement: Database.Statement, endpoint: string, bound: number): number => {
  const removed = statement.all(endpoint, bound, TRIM_CHUNK) as { rows: number; bytes: number }[];
  if (removed.length === 0) return 0;
  let rows = 0;
  let bytes = 0;
  for (const r of removed) {
    rows += r.rows;
    bytes += r.bytes;
  }
  addTotals.run(endpoint, -removed.length, -rows, -bytes);
  return removed.length;
});

/** Lets this thread's event loop turn: appends that arrived meanwhile are written before the next chunk. */
const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * Deletes chunk by chunk, letting appends in between: at a high capture rate a minute's records took seconds to delete,
 * and appends waiting behind the whole trim overflowed the capture buffer (dropped records).
 */
async function deleteInChunks(statement: Database.Statement, endpoint: string, bound: number): Promise<number> {
  let removed = 0;
  for (;;) {
    const n = deleteChunk.immediate(statement, endpoint, bound);
    removed += n;
    if (n < TRIM_CHUNK) return removed;
    await nextTurn();
  }
}

async function trim(endpoint: string, limits: RetentionLimits): Promise<number> {
  let removed = 0;
  if (limits.before !== null) {
    removed += await deleteInChunks(deleteBefore, endpoint, limits.before);
    deleteFeedbackBefore.run(endpoint, limits.before);
  }
  // Records appended between chunks are newer than the edge, which is read once here: they stay.
  const edge = retentionEdge(endpoint, limits);
  if (edge > 0) removed += await deleteInChunks(deleteUpTo, endpoint, edge);
  return removed;
}

/**
 * The newest capture id that retention by count or size removes (0: none), from the endpoint's totals and its oldest
 * records up to the edge, read in one snapshot: an endpoint within its bounds costs one row read, not a scan.
 */
const retentionEdge = db.transaction((endpoint: string, limits: RetentionLimits): number => {
  const totals = totalsOfEndpoint.get(endpoint) as { records: number; bytes: number } | undefined;
  if (!totals) return 0;
  let edge = 0;
  const excess = limits.keepRows !== null ? excessRecords(totals.records, limits.keepRows) : 0;
  if (excess > 0) edge = (nthOldest.get(endpoint, excess - 1) as { id: number } | undefined)?.id ?? 0;
  if (limits.keepBytes !== null && totals.bytes > limits.keepBytes) {
    edge = Math.max(edge, byteEdge(totals.bytes, limits.keepBytes, oldestFirst.iterate(endpoint) as Iterable<{ id: number; bytes: number }>) ?? 0);
  }
  return edge;
});
/** Binds a part as a Buffer view (SQLite copies the blob as it binds it). */
const blob = (part: Uint8Array | null): Buffer | null => (part ? Buffer.from(part.buffer, part.byteOffset, part.byteLength) : null);

/** The record's `bytes` column: its stored inputs and outputs together. */
const partBytes = (r: CaptureRecord): number => (r.inputs?.byteLength ?? 0) + (r.outputs?.byteLength ?? 0);

/** A record's column values, in COLUMNS order, pushed onto `values`. */
function pushRow(values: unknown[], r: CaptureRecord): void {
  values.push(
    r.endpoint, r.requestId, r.time, r.variant, r.model, r.version, r.status, r.latencyMs, r.rows, blob(r.inputs), blob(r.outputs),
    r.truncated ? 1 : 0, r.error, partBytes(r),
  );
}

/**
 * One array of values reused for every statement of a batch (its length set back, not a new array per statement), and
 * emptied after the batch: it must not keep views of the batch's memory, which the capture pipeline reuses.
 */
const values: unknown[] = [];

const appendAll = db.transaction((batch: SealedCaptures) => {
  const records = readCaptures(batch);
  let i = 0;
  for (; i + ROWS_PER_INSERT <= records.length; i += ROWS_PER_INSERT) {
    values.length = 0;
    for (let k = i; k < i + ROWS_PER_INSERT; k++) pushRow(values, records[k]!);
    insertMany.run(values);
  }
  for (; i < records.length; i++) {
    values.length = 0;
    pushRow(values, records[i]!);
    insertOne.run(values);
  }
  values.length = 0;
  for (const [endpoint, t] of totalsOf(records)) addTotals.run(endpoint, t.records, t.rows, t.bytes);
  pauseAtSync('capture:before-commit');
});

/** Records, served rows and tensor bytes per endpoint of a batch (usually one endpoint: a few map lookups). */
function totalsOf(records: readonly CaptureRecord[]): Map<string, { records: number; rows: number; bytes: number }> {
  const totals = new Map<string, { records: number; rows: number; bytes: number }>();
  for (const r of records) {
    let t = totals.get(r.endpoint);
    if (!t) totals.set(r.endpoint, (t = { records: 0, rows: 0, bytes: 0 }));
    t.records++;
    t.rows += r.rows;
    t.bytes += partBytes(r);
  }
  return totals;
}

const reply = (message: WriterReply): void => parentPort!.postMessage(message);

/** Trims run one after another (a later one waits for the one under way); close waits for them. */
let trims: Promise<unknown> = Promise.resolve();

parentPort!.on('message', (message: WriterRequest) => {
  if (message.type === 'close') {
    void trims.then(() => {
      db.close();
      reply({ id: message.id });
    });
    return;
  }
  if (message.type === 'trim') {
    const run = trims.then(() => trim(message.endpoint, message.limits));
    trims = run.catch(() => undefined);
    run.then(
      (removed) => reply({ id: message.id, removed }),
      (err: unknown) => reply({ id: message.id, error: (err as Error).message }),
    );
    return;
  }
  try {
    appendAll.immediate(message.batch);
    reply({ id: message.id });
  } catch (err) {
    reply({ id: message.id, error: (err as Error).message });
  }
});
