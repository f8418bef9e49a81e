// A SQLite file at the schema as it stood before one migration: for tests of what that migration does to old rows.

import Database from 'better-sqlite3';
import { SQLITE_MIGRATIONS } from '../../src/store/sqlite-migrations.js';

/**
 * Creates `file` with every migration before the first one whose SQL contains `marker` applied (and user_version
 * saying so), and returns it open for the test to add old rows; opening a SqliteStore on it later applies the rest.
 */
export function sqliteBefore(file: string, marker: string): Database.Database {
  const index = SQLITE_MIGRATIONS.findIndex((m) => m.includes(marker));
  if (index < 0) throw new Error(`no SQLite migration contains "${marker}"`);
  const db = new Database(file);
  for (const sql of SQLITE_MIGRATIONS.slice(0, index)) db.exec(sql);
  db.pragma(`user_version = ${index}`);
  return db;
}
