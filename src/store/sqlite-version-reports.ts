// One report per model version in SQLite (validation, profile, baseline): stored only while the version exists,
// replaced by the next save, removed with the version (ON DELETE CASCADE in the schema).

import type Database from 'better-sqlite3';
import { NotFoundError } from '../core/errors.js';

/** Each table keyed by (name, version), with the column that holds the JSON document. */
const DOCUMENT_COLUMN = { validation_reports: 'report', profile_reports: 'report', baselines: 'profile' } as const;

export type VersionReportTable = keyof typeof DOCUMENT_COLUMN;

/**
 * Saves `document` (and the other `columns`, e.g. finished_at) as the version's report in `table`, replacing an earlier
 * one, in one immediate transaction. The version is checked here rather than left to the foreign key: it may have been
 * removed while the report was being made, and the caller gets a NotFoundError naming it.
 */
export function saveVersionReport(
  db: Database.Database, table: VersionReportTable, name: string, version: number,
  columns: Record<string, string | number>, document: object,
): void {
  const names = [...Object.keys(columns), DOCUMENT_COLUMN[table]];
  const values = [...Object.values(columns), JSON.stringify(document)];
  db.transaction(() => {
    const exists = db.prepare('SELECT 1 FROM model_versions WHERE name = ? AND version = ?').get(name, version);
    if (!exists) throw new NotFoundError(`model version ${name}:${version} not found`);
    db.prepare(
      `INSERT INTO ${table} (name, version, ${names.join(', ')}) VALUES (?, ?, ${names.map(() => '?').join(', ')})
       ON CONFLICT (name, version) DO UPDATE SET ${names.map((n) => `${n} = excluded.${n}`).join(', ')}`,
    ).run(name, version, ...values);
  }).immediate();
}

/** The version's report in `table`, or undefined when none was saved. */
export function getVersionReport<T>(db: Database.Database, table: VersionReportTable, name: string, version: number): T | undefined {
  const row = db.prepare(`SELECT ${DOCUMENT_COLUMN[table]} AS document FROM ${table} WHERE name = ? AND version = ?`).get(name, version) as
    | { document: string }
    | undefined;
  return row && (JSON.parse(row.document) as T);
}
