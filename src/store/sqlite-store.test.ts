// Which SQLite connection the every-second writes use: lease renewals and heartbeats commit on the connection without
// an fsync per commit, so they never stall the event loop on the disk (the durable connection did, six times a second).

import type Database from 'better-sqlite3';
import { describe, expect, it, vi } from 'vitest';
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
