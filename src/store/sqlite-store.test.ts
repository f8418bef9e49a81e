// The SQLite home's connections and file: which connection the every-second writes use (lease renewals and heartbeats
// commit without an fsync per commit, so they never stall the event loop on the disk: the durable connection did, six
// times a second), and the page size a new file gets while an existing one keeps its own.

import Database from 'better-sqlite3';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { PAGE_BYTES, SqliteStore } from './sqlite-store.js';
import { tempSqliteStore } from './sqlite-store.test-util.js';

/** SQLite's PRAGMA synchronous values. */
const NORMAL = 1;
const FULL = 2;

const temp = tempSqliteStore('slipway-sqlite-store-');

describe('SqliteStore connections', () => {
  it('renews leases and writes heartbeats on the connection that commits without an fsync', async () => {
    const store = temp.store;
    // The two connections are private; this test pins which one the periodic writes take.
    const { db, leases } = store as unknown as { db: Database.Database; leases: Database.Database };
    expect(db.pragma('synchronous', { simple: true })).toBe(FULL);
    expect(leases.pragma('synchronous', { simple: true })).toBe(NORMAL);
    const durable = vi.spyOn(db, 'prepare');
    const periodic = vi.spyOn(leases, 'prepare');
    expect(await store.acquireLease('retention', 'replica-a', 8_000)).toBe(true);
    expect(await store.acquireLease('retention', 'replica-b', 8_000)).toBe(false);
    await store.heartbeat({ id: 'replica-a', pid: 1, host: 'h', startedAt: new Date(0).toISOString() });
    await store.releaseLease('retention', 'replica-a');
    expect(durable).not.toHaveBeenCalled();
    expect(periodic).toHaveBeenCalledTimes(4);
    expect((await store.listReplicas(0)).map((r) => r.id)).toEqual(['replica-a']);
    expect(await store.acquireLease('retention', 'replica-b', 8_000)).toBe(true);
  });
});

describe('SqliteStore file', () => {
  it('creates a new home with 8 KB pages', () => {
    const { db } = temp.store as unknown as { db: Database.Database };
    expect(PAGE_BYTES).toBe(8192);
    expect(db.pragma('page_size', { simple: true })).toBe(PAGE_BYTES);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('opens a home made with 4 KB pages as it is: no rewrite, and captures still append and read back', async () => {
    const file = join(temp.dir, 'old.db');
    const old = new Database(file);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.exec('CREATE TABLE kept (x INTEGER)');
    old.close();
    const store = new SqliteStore(file);
    try {
      const { db } = store as unknown as { db: Database.Database };
      expect(db.pragma('page_size', { simple: true })).toBe(4096);
      const record = {
        endpoint: 'e', requestId: 'r1', time: 1_000, variant: 'primary', model: 'm:1', version: 1, status: 'ok' as const,
        latencyMs: 1, rows: 1, inputs: new Uint8Array([1, 2, 3]), outputs: null, truncated: false, error: null,
      };
      await store.loop.appendCaptures([record]);
      const [read] = await store.loop.captures({ endpoint: 'e', limit: 10 });
      expect(read?.requestId).toBe('r1');
      expect([...read!.inputs!]).toEqual([1, 2, 3]);
    } finally {
      await store.close();
    }
  });
});
