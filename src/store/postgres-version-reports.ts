// One report per model version in Postgres (validation, profile, baseline): stored only while the version exists,
// replaced by the next save, removed with the version (ON DELETE CASCADE in the schema).

import type pg from 'pg';
import { NotFoundError } from '../core/errors.js';
import { inTransaction, type Queryable } from './postgres-db.js';

/** Each table keyed by (name, version), with the column that holds the JSON document. */
const DOCUMENT_COLUMN = { validation_reports: 'report', profile_reports: 'report', baselines: 'profile' } as const;

export type VersionReportTable = keyof typeof DOCUMENT_COLUMN;

/**
 * Locks the version's row against removal for the rest of the transaction (FOR KEY SHARE: what a foreign key check
 * takes; deleteModelVersion's FOR UPDATE waits for it) and says whether it exists. A removal that committed first is
 * seen here as absence.
 */
export async function lockVersion(client: Queryable, name: string, version: number): Promise<boolean> {
  const { rowCount } = await client.query('SELECT 1 FROM model_versions WHERE name = $1 AND version = $2 FOR KEY SHARE', [name, version]);
  return rowCount === 1;
}

/**
 * Saves `document` (and the other `columns`, e.g. finished_at) as the version's report in `table`, replacing an earlier
 * one. The version is checked (and held) here rather than left to the foreign key: it may have been removed while the
 * report was being made, and the caller gets a NotFoundError naming it.
 */
export async function saveVersionReport(
  pool: pg.Pool, table: VersionReportTable, name: string, version: number,
  columns: Record<string, string | number | boolean>, document: object,
): Promise<void> {
  const names = [...Object.keys(columns), DOCUMENT_COLUMN[table]];
  const values = [...Object.values(columns), JSON.stringify(document)];
  await inTransaction(pool, async (client) => {
    if (!(await lockVersion(client, name, version))) throw new NotFoundError(`model version ${name}:${version} not found`);
    await client.query(
      `INSERT INTO ${table} (name, version, ${names.join(', ')}) VALUES ($1, $2, ${names.map((_, i) => `$${i + 3}`).join(', ')})
       ON CONFLICT (name, version) DO UPDATE SET ${names.map((n) => `${n} = excluded.${n}`).join(', ')}`,
      [name, version, ...values],
    );
  });
}

/** The version's report in `table`, or undefined when none was saved. */
export async function getVersionReport<T>(db: Queryable, table: VersionReportTable, name: string, version: number): Promise<T | undefined> {
  const { rows } = await db.query<{ document: T }>(
    `SELECT ${DOCUMENT_COLUMN[table]} AS document FROM ${table} WHERE name = $1 AND version = $2`, [name, version],
  );
  return rows[0]?.document;
}
