// The Postgres connection pool as the stores use it: how values come back (numbers, ISO times), transactions, the
// advisory locks that serialize one endpoint's changes, and bringing the schema up to date.

import pg from 'pg';
import { redactedUrl } from '../core/database-url.js';
import { UnavailableError } from '../core/errors.js';
import { POSTGRES_MIGRATIONS } from './postgres-migrations.js';

/** Anything a query can run on: the pool (one statement, autocommit) or a client inside a transaction. */
export type Queryable = Pick<pg.Pool | pg.PoolClient, 'query'>;

const INT8 = 20;
const NUMERIC = 1700;
const TIMESTAMPTZ = 1184;
const parseTimestamp = pg.types.getTypeParser(TIMESTAMPTZ);

/**
 * bigint and numeric (counts, sums, ids) as numbers: every one the stores keep fits in 2^53. timestamptz as the
 * ISO-8601 string the Store contract promises. Set on this pool only, not on the pg module's global parsers.
 */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === INT8 || oid === NUMERIC) return (value: string) => Number(value);
    if (oid === TIMESTAMPTZ) return (value: string) => (parseTimestamp(value) as Date).toISOString();
    return format === 'binary' ? pg.types.getTypeParser(oid, 'binary') : pg.types.getTypeParser(oid);
  }) as pg.CustomTypesConfig['getTypeParser'],
};

/** Now on the database's clock, in milliseconds since the epoch: times replicas on different machines compare. */
export const NOW_MS = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/** Advisory lock classes (the first key of the two-key form), so locks of different kinds never collide. */
export const LOCK_MIGRATIONS = 0x51_1b_0001;
export const LOCK_ENDPOINT = 0x51_1b_0002;
export const LOCK_PARTITIONS = 0x51_1b_0003;

export function createPool(url: string, max = 10): pg.Pool {
  // A database that does not answer fails a call after 10 s instead of holding it (and start-up) forever.
  const pool = new pg.Pool({ connectionString: url, max, types: TYPES, connectionTimeoutMillis: 10_000 });
  // An idle connection that the server drops emits here; without a listener it would crash the process. The pool
  // discards that client, and the next query opens a fresh one.
  pool.on('error', () => undefined);
  return pool;
}

/**
 * Runs `work` in one transaction on one connection (READ COMMITTED; what needs more takes row or advisory locks):
 * committed when it resolves, rolled back when it throws.
 */
export async function inTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch (rollbackError) {
      // A connection that cannot roll back is not handed to the next caller.
      broken = rollbackError as Error;
    }
    throw err;
  } finally {
    client.release(broken);
  }
}

/** Takes a transaction-scoped advisory lock: released by COMMIT or ROLLBACK. */
export async function lockKey(client: pg.PoolClient, lockClass: number, key: string): Promise<void> {
  await client.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [lockClass, key]);
}

/**
 * Applies the migrations this database has not had, in one transaction under an advisory lock: replicas starting
 * together on one database apply each migration once.
 */
export async function migrate(pool: pg.Pool, url: string): Promise<void> {
  try {
    await inTransaction(pool, async (client) => {
      await client.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_MIGRATIONS]);
      await client.query('CREATE TABLE IF NOT EXISTS slipway_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)');
      const { rows } = await client.query<{ version: number | null }>('SELECT max(version) AS version FROM slipway_schema');
      const current = rows[0]?.version ?? 0;
      if (current > POSTGRES_MIGRATIONS.length) {
        throw new UnavailableError(
          `database ${redactedUrl(url)} has schema version ${current}, newer than this Slipway knows (${POSTGRES_MIGRATIONS.length}); upgrade Slipway`,
        );
      }
      for (let i = current; i < POSTGRES_MIGRATIONS.length; i++) {
        await client.query(POSTGRES_MIGRATIONS[i]!);
        await client.query('INSERT INTO slipway_schema (version, applied_at) VALUES ($1, now())', [i + 1]);
      }
    });
  } catch (err) {
    if (err instanceof UnavailableError) throw err;
    throw new UnavailableError(`database ${redactedUrl(url)}: could not open it and bring its schema up to date: ${(err as Error).message}`, {
      cause: err,
    });
  }
}
