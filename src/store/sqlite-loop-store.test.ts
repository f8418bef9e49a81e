// The loop's SQLite tables on a real file: captures via the writer thread, retention, feedback, windows, deliveries, runs.
import { beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CaptureRecord } from '../core/capture-config.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { SqliteStore } from './sqlite-store.js';
import { tempSqliteStore } from './sqlite-store.test-util.js';

const temp = tempSqliteStore('slipway-loop-store-');
let store: SqliteStore;

function record(i: number, bytes = 10, time = 1_000 + i): CaptureRecord {
  return {
    endpoint: 'e', requestId: `r${i}`, time, variant: 'primary', model: 'm', version: 1, status: i % 10 === 9 ? 'invalid' : 'ok',
    latencyMs: 1, rows: 2, inputs: new Uint8Array(bytes).fill(i % 256), outputs: null, truncated: false, error: null,
  };
}

beforeEach(() => {
  store = temp.store;
});

describe('SQLite loop store', () => {
  it('appends captures on the writer thread in order, with their bytes intact', async () => {
    await store.loop.appendCaptures(Array.from({ length: 50 }, (_, i) => record(i)));
    await store.loop.appendCaptures(Array.from({ length: 50 }, (_, i) => record(50 + i)));
    const all = await store.loop.captures({ endpoint: 'e', limit: 1000 });
    expect(all.map((r) => r.requestId)).toEqual(Array.from({ length: 100 }, (_, i) => `r${i}`));
    expect(Array.from(all[7]!.inputs!)).toEqual(new Array(10).fill(7));
    expect(await store.loop.captureStats('e')).toMatchObject({ records: 100, rows: 200, bytes: 1000, oldest: 1000, newest: 1099 });
    const page = await store.loop.captures({ endpoint: 'e', afterId: all[9]!.id!, statuses: ['ok'], limit: 5 });
    expect(page.map((r) => r.requestId)).toEqual(['r10', 'r11', 'r12', 'r13', 'r14']);
    expect((await store.loop.rowsAfter('e', 0, 1000)).rows).toBe(180); // 90 ok records of 2 rows
    expect((await store.loop.rowsAfter('e', 0, 10)).rows).toBe(20); // the scan stops at the cap
  });

  it('trims by age, by count and by size, oldest first', async () => {
    await store.loop.appendCaptures(Array.from({ length: 100 }, (_, i) => record(i, 10)));
    expect(await store.loop.trimCaptures('e', { before: 1010, keepRows: null, keepBytes: null })).toBe(10);
    expect(await store.loop.trimCaptures('e', { before: null, keepRows: 60, keepBytes: null })).toBe(30);
    expect(await store.loop.trimCaptures('e', { before: null, keepRows: null, keepBytes: 255 })).toBe(35);
    const left = await store.loop.captures({ endpoint: 'e', limit: 1000 });
    expect(left.map((r) => r.requestId)).toEqual(Array.from({ length: 25 }, (_, i) => `r${75 + i}`));
  });

  it('stores feedback only as asked, and joins it by request id', async () => {
    await store.loop.appendCaptures([record(1), record(2)]);
    expect([...(await store.loop.knownRequestIds('e', ['r1', 'r2', 'zz']))].sort()).toEqual(['r1', 'r2']);
    await store.loop.putFeedback('e', [{ requestId: 'r1', label: 'cat' }, { requestId: 'r2', label: [1, 2] }]);
    await store.loop.putFeedback('e', [{ requestId: 'r1', label: 'dog' }]);
    expect(await store.loop.feedbackFor('e', ['r1', 'r2', 'zz'])).toEqual(new Map<string, unknown>([['r1', 'dog'], ['r2', [1, 2]]]));
    expect((await store.loop.captureStats('e')).withFeedback).toBe(2);
  });

  it('saves a window, its events and the cursor in one step', async () => {
    await store.loop.resetMonitor('e', 41);
    expect(await store.loop.monitorCursor('e')).toEqual({ afterId: 41, windows: 0 });
    const evaluation = { rows: 1, requests: 1, features: [], outputs: [], findings: [], tests: 0, alphaPerTest: 0.01 };
    const saved = await store.loop.saveWindow(
      { endpoint: 'e', start: 0, end: 10, firstCapture: 42, lastCapture: 99, baseline: 'm:1', drifted: true, evaluation },
      [{ endpoint: 'e', kind: 'feature_drift', severity: 'critical', features: ['a'], findings: [] }],
    );
    expect(saved!.events[0]).toMatchObject({ windowId: saved!.window.id, kind: 'feature_drift' });
    expect(await store.loop.monitorCursor('e')).toEqual({ afterId: 99, windows: 1 });
    expect(await store.loop.driftedRanges('e')).toEqual([{ first: 42, last: 99 }]);
    expect((await store.loop.events('e', { limit: 10 }))[0]!.features).toEqual(['a']);
  });

  it('keeps webhook deliveries and retraining runs', async () => {
    const d = await store.loop.enqueueDelivery({ eventId: null, url: 'http://127.0.0.1:1/x', headers: {}, payload: '{}', nextAttemptAt: 5 });
    expect((await store.loop.dueDeliveries(4, 10))).toHaveLength(0);
    expect((await store.loop.dueDeliveries(5, 10)).map((x) => x.id)).toEqual([d.id]);
    await store.loop.updateDelivery(d.id, { attempts: 1, status: 'failed', nextAttemptAt: 0, lastError: 'ECONNREFUSED' });
    expect((await store.loop.deliveries(undefined, 10))[0]).toMatchObject({ status: 'failed', attempts: 1, lastError: 'ECONNREFUSED' });
    const run = (await store.loop.startRetrainRun({ endpoint: 'e', trigger: 'manual', eventId: null, replica: 'r1' }))!;
    expect(run.status).toBe('running');
    expect(await store.loop.failOrphanedRuns('restart', 60_000)).toBe(1);
    expect(await store.loop.retrainRun(run.id)).toMatchObject({ status: 'failed', error: 'restart' });
  });

  it('writes appends that arrive during a long trim between its chunks, and keeps them', async () => {
    for (let b = 0; b < 12; b++) await store.loop.appendCaptures(Array.from({ length: 5_000 }, (_, i) => record(b * 5_000 + i)));
    const order: string[] = [];
    const trimming = store.loop.trimCaptures('e', { before: null, keepRows: 0, keepBytes: null }).then((n) => {
      order.push('trim');
      return n;
    });
    const appending = store.loop.appendCaptures([record(60_000)]).then(() => order.push('append'));
    expect(await trimming).toBe(60_000);
    await appending;
    // Written after the trim's first chunk, not behind all twelve; newer than the cut, so it stays.
    expect(order).toEqual(['append', 'trim']);
    expect((await store.loop.captures({ endpoint: 'e', limit: 10 })).map((r) => r.requestId)).toEqual(['r60000']);
    expect(await store.loop.captureStats('e')).toMatchObject({ records: 1, rows: 2 });
  });

  it('counts the captures a database held before it kept totals, once, when it is brought up to date', async () => {
    // A home of the schema before capture_totals, with captures of two endpoints written then.
    const file = join(temp.dir, 'older.db');
    const older = new Database(file);
    const totalsAt = SQLITE_MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE capture_totals'));
    for (const migration of SQLITE_MIGRATIONS.slice(0, totalsAt)) older.exec(migration);
    older.pragma(`user_version = ${totalsAt}`);
    const insert = older.prepare(
      `INSERT INTO captures (endpoint, request_id, time, variant, model, version, status, latency_ms, rows, inputs, outputs, truncated, error, bytes)
       VALUES (?, ?, ?, 'primary', 'm', 1, 'ok', 1, ?, ?, NULL, 0, NULL, ?)`,
    );
    for (let i = 0; i < 30; i++) insert.run(i % 3 === 0 ? 'a' : 'b', `r${i}`, 5_000 + i, 1 + (i % 2), Buffer.alloc(i), i);
    older.close();

    const upgraded = new SqliteStore(file);
    try {
      expect(await upgraded.loop.captureStats('a')).toMatchObject({ records: 10, rows: 15, bytes: 135, oldest: 5_000, newest: 5_027 });
      expect(await upgraded.loop.captureStats('b')).toMatchObject({ records: 20, rows: 30, bytes: 300, oldest: 5_001, newest: 5_029 });
      // From here the writer keeps them: a new record adds to what the upgrade counted.
      await upgraded.loop.appendCaptures([record(99, 4)]);
      expect(await upgraded.loop.captureStats('e')).toMatchObject({ records: 1, rows: 2, bytes: 4 });
      await upgraded.loop.appendCaptures([{ ...record(100, 6), endpoint: 'a' }]);
      expect(await upgraded.loop.captureStats('a')).toMatchObject({ records: 11, rows: 17, bytes: 141 });
    } finally {
      await upgraded.close();
    }
  });

  it('refuses a home a newer Slipway has upgraded, naming both schema versions', () => {
    const file = join(temp.dir, 'newer.db');
    const newer = new Database(file);
    newer.pragma(`user_version = ${SQLITE_MIGRATIONS.length + 1}`);
    newer.close();
    expect(() => new SqliteStore(file)).toThrow(
      `${file} has schema version ${SQLITE_MIGRATIONS.length + 1}, newer than this Slipway knows (${SQLITE_MIGRATIONS.length}); upgrade Slipway`,
    );
  });
});
