// A fresh SQLite store on a real file for each test, in a temp dir removed after it: the fixture of tests that need
// the embedded store.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach } from 'vitest';
import { SqliteStore } from './sqlite-store.js';

export interface TempSqliteStore {
  /** The current test's store (opened before each test, closed after it). */
  readonly store: SqliteStore;
  /** Its directory, for more files beside it. */
  readonly dir: string;
}

/** Registers the hooks; call at the top of a test file, before hooks that use the store. */
export function tempSqliteStore(prefix: string): TempSqliteStore {
  let current: { store: SqliteStore; dir: string } | undefined;
  beforeEach(() => {
    const dir = mkdtempSync(join(tmpdir(), prefix));
    current = { dir, store: new SqliteStore(join(dir, 'slipway.db')) };
  });
  afterEach(async () => {
    const open = current;
    current = undefined;
    if (!open) return;
    await open.store.close();
    rmSync(open.dir, { recursive: true, force: true });
  });
  const get = (): { store: SqliteStore; dir: string } => {
    if (!current) throw new Error('tempSqliteStore: the store exists only while a test runs');
    return current;
  };
  return {
    get store() {
      return get().store;
    },
    get dir() {
      return get().dir;
    },
  };
}
