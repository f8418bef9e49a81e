// Copying a SQLite home's database into Postgres (`slipway migrate`), table by table as both schemas describe them:
// no list of tables or columns here, so a table added to both migration lists is copied without new code, and one
// added to SQLite alone stops the migration (and test/migrate.test.ts) until Postgres has it or it is named below.

import Database from 'better-sqlite3';
import type pg from 'pg';
import { ConflictError, InvalidInputError, UnavailableError } from '../core/errors.js';
import { PostgresCapturePartitions } from './postgres-capture-partitions.js';
import { inTransaction } from './postgres-db.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';

/**
 * SQLite tables not copied, and why: state of the processes running on a store, rebuilt by the next ones, or figures
 * SQLite keeps of its own tables.
 */
export const NOT_COPIED: Readonly<Record<string, string>> = {
  capture_totals: 'running counts of the captures table, kept by SQLite only (Postgres counts its captures when asked)',
  change_counters: 'counters other replicas follow; the target keeps its own',
  duty_leases: 'leases of running replicas; none run during a migration',
  replicas: 'heartbeats of running replicas',
  variant_windows: 'live rollout windows of running replicas (a window lasts one rollout step)',
};

/** A replica whose heartbeat is this recent is taken to be running on the SQLite home. */
const RUNNING_WITHIN_MS = 10_000;
/** Rows per INSERT: Postgres takes at most 65,535 parameters a statement; batches also stop at this many bytes. */
const MAX_PARAMETERS = 30_000;
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

export interface PostgresColumn {
  name: string;
  /** information_schema's data_type: 'boolean', 'json', 'jsonb', 'bytea', 'bigint', … */
  type: string;
  /** Filled by Postgres when absent (an identity or a default), or nullable. */
  optional: boolean;
}

export interface TableCopy {
  table: string;
  /** Columns both have, in SQLite's order, each with the Postgres type its values are converted to. */
  columns: PostgresColumn[];
}

export interface CopyPlan {
  /** In an order where every table comes after the tables its foreign keys point at. */
  tables: TableCopy[];
  /** What cannot be copied: a SQLite table Postgres lacks, a column it lacks, a required Postgres column SQLite lacks. */
  uncovered: string[];
}

/**
 * Which tables and columns to copy, from the two schemas: `sqlite` maps each table to its columns and the tables its
 * foreign keys reference, `postgres` each table to its columns. Pure, so the rules are tested without databases.
 */
export function planCopy(
  sqlite: ReadonlyMap<string, { columns: string[]; references: string[] }>,
  postgres: ReadonlyMap<string, PostgresColumn[]>,
): CopyPlan {
  const uncovered: string[] = [];
  const copies = new Map<string, TableCopy>();
  for (const [table, { columns }] of sqlite) {
    if (table in NOT_COPIED) continue;
    const target = postgres.get(table);
    if (!target) {
      uncovered.push(`table ${table}: not in the Postgres schema`);
      continue;
    }
    const byName = new Map(target.map((c) => [c.name, c]));
    const missing = columns.filter((c) => !byName.has(c));
    const required = target.filter((c) => !c.optional && !columns.includes(c.name));
    for (const c of missing) uncovered.push(`column ${table}.${c}: not in the Postgres schema`);
    for (const c of required) uncovered.push(`column ${table}.${c.name}: required in Postgres, absent in SQLite`);
    if (missing.length === 0 && required.length === 0) copies.set(table, { table, columns: columns.map((c) => byName.get(c)!) });
  }
  // Parents first (a depth-first walk of the references); references to tables not copied are ignored.
  const ordered: TableCopy[] = [];
  const visit = (table: string, path: Set<string>): void => {
    const copy = copies.get(table);
    if (!copy || ordered.includes(copy) || path.has(table)) return;
    path.add(table);
    for (const parent of sqlite.get(table)?.references ?? []) visit(parent, path);
    ordered.push(copy);
  };
  for (const table of [...copies.keys()].sort()) visit(table, new Set());
  return { tables: ordered, uncovered };
}

/** A SQLite value as the Postgres column takes it: integer booleans as booleans; JSON, times, numbers as they are. */
export function convertValue(value: unknown, column: PostgresColumn): unknown {
  if (value === null || value === undefined) return null;
  if (column.type === 'boolean') return value === 1 || value === 1n || value === true;
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** A placeholder with the cast that makes text into the column's type (json kept verbatim, jsonb parsed). */
function placeholder(n: number, column: PostgresColumn): string {
  if (column.type === 'json' || column.type === 'jsonb') return `$${n}::text::${column.type}`;
  return `$${n}`;
}

export interface MigrationProgress {
  (event: { kind: 'table'; table: string; rows: number; skipped: boolean } | { kind: 'sequence'; table: string; next: number }): void;
}

export interface MigrationOptions {
  /** Empty the copied tables of the target first, when it already holds data not from a migration of this home. */
  force: boolean;
  progress: MigrationProgress;
  /** Now, for the running-server check (a parameter for tests). */
  now?: number;
}

/**
 * Reads the SQLite file read-only: its schema must be the latest this Slipway knows (start and stop a server of this
 * version on the home once to bring it there), and no server may be running on it.
 */
export function openSource(file: string, now = Date.now()): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new InvalidInputError(`cannot open the SQLite database ${file}: ${(err as Error).message}; give --from the home directory of a server`);
  }
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== SQLITE_MIGRATIONS.length) {
    db.close();
    throw new InvalidInputError(
      `${file} has schema version ${version}, this Slipway expects ${SQLITE_MIGRATIONS.length}: start and stop \`slipway serve --home\` of this version on it once, then migrate`,
    );
  }
  const running = db
    .prepare('SELECT id, pid, host, last_seen FROM replicas WHERE last_seen > ?')
    .all(now - RUNNING_WITHIN_MS) as { id: string; pid: number; host: string; last_seen: number }[];
  if (running.length > 0) {
    db.close();
    const list = running.map((r) => `${r.id} (pid ${r.pid} on ${r.host}, seen ${Math.round((now - r.last_seen) / 1000)} s ago)`).join(', ');
    throw new ConflictError(`a server is running on ${file}: ${list}; stop it first, so nothing changes while it is copied`);
  }
  return db;
}

function sqliteSchema(db: Database.Database): Map<string, { columns: string[]; references: string[] }> {
  const tables = db
    .prepare(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
    .all() as { name: string }[];
  return new Map(
    tables.map(({ name }) => {
      const columns = (db.prepare('SELECT name FROM pragma_table_info(?) ORDER BY cid').all(name) as { name: string }[]).map((c) => c.name);
      const references = (db.prepare('SELECT DISTINCT "table" AS parent FROM pragma_foreign_key_list(?)').all(name) as { parent: string }[]).map(
        (r) => r.parent,
      );
      return [name, { columns, references }];
    }),
  );
}

async function postgresSchema(pool: pg.Pool): Promise<Map<string, PostgresColumn[]>> {
  const { rows } = await pool.query<{ table: string; name: string; type: string; optional: boolean }>(
    `SELECT c.table_name AS table, c.column_name AS name, c.data_type AS type,
            (c.is_identity = 'YES' OR c.column_default IS NOT NULL OR c.is_nullable = 'YES') AS optional
     FROM information_schema.columns c JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
     ORDER BY c.table_name, c.ordinal_position`,
  );
  const tables = new Map<string, PostgresColumn[]>();
  for (const r of rows) tables.set(r.table, [...(tables.get(r.table) ?? []), { name: r.name, type: r.type, optional: r.optional }]);
  return tables;
}

/** The plan for this pair of databases; the migration refuses to start while anything is uncovered. */
export async function planFor(source: Database.Database, pool: pg.Pool): Promise<CopyPlan> {
  return planCopy(sqliteSchema(source), await postgresSchema(pool));
}

/** Sets every endpoint's capture totals from the captures table (after the captures are copied). */
const COUNT_CAPTURES = `
  INSERT INTO capture_totals (endpoint, records, rows, bytes)
  SELECT endpoint, count(*), coalesce(sum(rows), 0), coalesce(sum(bytes), 0) FROM captures GROUP BY endpoint
  ON CONFLICT (endpoint) DO UPDATE SET records = excluded.records, rows = excluded.rows, bytes = excluded.bytes`;

const PROGRESS_TABLE = `CREATE TABLE IF NOT EXISTS slipway_migrated (table_name text PRIMARY KEY, rows bigint NOT NULL, finished_at timestamptz NOT NULL)`;

/**
 * Copies every table of the plan, one transaction per table: a table is either copied whole (and recorded in
 * slipway_migrated in the same transaction) or not at all, so a run after an interruption skips what is done and
 * copies the rest. A target holding data that no earlier run of the migration put there is refused unless `force`,
 * which empties the copied tables first. Ids and times are copied as they are; sequences then continue past the
 * largest id ever given in SQLite (trimmed ones included), and so do capture ids.
 */
export async function copyTables(source: Database.Database, pool: pg.Pool, plan: CopyPlan, options: MigrationOptions): Promise<void> {
  if (plan.uncovered.length > 0) {
    throw new UnavailableError(`the Postgres schema does not cover the SQLite one: ${plan.uncovered.join('; ')}`);
  }
  await pool.query(PROGRESS_TABLE);
  const done = new Set((await pool.query<{ table_name: string }>('SELECT table_name FROM slipway_migrated')).rows.map((r) => r.table_name));
  if (done.size === 0 || options.force) {
    const occupied: string[] = [];
    for (const { table } of plan.tables) {
      const { rowCount } = await pool.query(`SELECT 1 FROM ${table} LIMIT 1`);
      if ((rowCount ?? 0) > 0) occupied.push(table);
    }
    if (occupied.length > 0 && !options.force) {
      throw new ConflictError(
        `the target database already holds data (${occupied.join(', ')}): migrate into an empty database, or pass --force to empty these tables first`,
      );
    }
    if (options.force) {
      await pool.query(`TRUNCATE ${plan.tables.map((t) => t.table).join(', ')}, capture_totals, slipway_migrated RESTART IDENTITY CASCADE`);
      done.clear();
    }
  }
  const partitions = new PostgresCapturePartitions(pool);
  for (const copy of plan.tables) {
    if (done.has(copy.table)) {
      options.progress({ kind: 'table', table: copy.table, rows: 0, skipped: true });
      continue;
    }
    if (copy.table === 'captures') {
      // Captures go into day partitions, all made before the copy's transaction: made inside it, a partition would
      // wait for the lock that transaction's own inserts hold on the table.
      const days = source.prepare('SELECT DISTINCT time / 86400000 * 86400000 AS time FROM captures').all() as { time: number }[];
      await partitions.ensure(days.map((d) => d.time));
    }
    const rows = await inTransaction(pool, async (client) => {
      const copied = await copyTable(source, client, copy);
      // Postgres keeps its own totals of the captures (capture_totals is not copied): counted once, with the copy.
      if (copy.table === 'captures') await client.query(COUNT_CAPTURES);
      return copied;
    });
    options.progress({ kind: 'table', table: copy.table, rows, skipped: false });
  }
  await continueSequences(source, pool, plan, options.progress);
}

async function copyTable(source: Database.Database, client: pg.PoolClient, copy: TableCopy): Promise<number> {
  const names = copy.columns.map((c) => c.name);
  const perStatement = Math.max(1, Math.floor(MAX_PARAMETERS / names.length));
  let batch: unknown[][] = [];
  let bytes = 0;
  let copied = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    const values = batch.map((_, r) => `(${copy.columns.map((c, i) => placeholder(r * names.length + i + 1, c)).join(', ')})`);
    await client.query(
      `INSERT INTO ${copy.table} (${names.map((n) => `"${n}"`).join(', ')}) OVERRIDING SYSTEM VALUE VALUES ${values.join(', ')}`,
      batch.flat(),
    );
    copied += batch.length;
    batch = [];
    bytes = 0;
  };
  // rowid order: the order rows were written, which an identity without an id (rollouts' seq) follows too.
  const select = source.prepare(`SELECT ${names.map((n) => `"${n}"`).join(', ')} FROM ${copy.table} ORDER BY rowid`).raw(true);
  for (const row of select.iterate() as IterableIterator<unknown[]>) {
    batch.push(row.map((value, i) => convertValue(value, copy.columns[i]!)));
    for (const value of row) if (value instanceof Uint8Array || typeof value === 'string') bytes += value.length;
    if (batch.length >= perStatement || bytes >= MAX_BATCH_BYTES) await flush();
  }
  await flush();
  await client.query('INSERT INTO slipway_migrated (table_name, rows, finished_at) VALUES ($1, $2, now())', [copy.table, copied]);
  return copied;
}

/** Moves every sequence of a copied table past the largest id SQLite has given out there, and the capture id counter. */
async function continueSequences(source: Database.Database, pool: pg.Pool, plan: CopyPlan, progress: MigrationProgress): Promise<void> {
  const given = new Map(
    (source.prepare('SELECT name, seq FROM sqlite_sequence').all() as { name: string; seq: number }[]).map((r) => [r.name, r.seq]),
  );
  for (const { table, columns } of plan.tables) {
    for (const column of columns) {
      const { rows } = await pool.query<{ seq: string | null }>('SELECT pg_get_serial_sequence($1, $2) AS seq', [table, column.name]);
      const sequence = rows[0]?.seq;
      if (!sequence) continue;
      const max = await pool.query<{ max: number | null }>(`SELECT max("${column.name}") AS max FROM ${table}`);
      const last = Math.max(max.rows[0]?.max ?? 0, given.get(table) ?? 0);
      if (last === 0) continue;
      await pool.query('SELECT setval($1, $2)', [sequence, last]);
      progress({ kind: 'sequence', table, next: last + 1 });
    }
  }
  if (plan.tables.some((t) => t.table === 'captures')) {
    const max = await pool.query<{ max: number | null }>('SELECT max(id) AS max FROM captures');
    const last = Math.max(max.rows[0]?.max ?? 0, given.get('captures') ?? 0);
    await pool.query('UPDATE capture_ids SET last_id = greatest(last_id, $1)', [last]);
    progress({ kind: 'sequence', table: 'captures', next: last + 1 });
  }
}

/** The content hashes the SQLite home's versions need: each version's model file and its package files. */
export function referencedArtifacts(source: Database.Database): string[] {
  const rows = source.prepare('SELECT sha256 FROM model_versions UNION SELECT sha256 FROM model_blobs ORDER BY 1').all() as { sha256: string }[];
  return rows.map((r) => r.sha256);
}
