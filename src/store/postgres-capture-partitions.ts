// The day partitions of the Postgres captures table: made ahead of the writes that need them, listed, and dropped
// whole by retention by age. Names and bounds come from capture-days.ts.

import type pg from 'pg';
import { daysToEnsure, parseCaptureDay, type CaptureDay } from './capture-days.js';
import { inTransaction, LOCK_PARTITIONS } from './postgres-db.js';

/** Postgres' check_violation: a new partition's range holds rows already in the default partition. */
const CHECK_VIOLATION = '23514';
/** Postgres' undefined_table. */
const UNDEFINED_TABLE = '42P01';
/** Postgres' lock_not_available: the lock_timeout below ran out. */
const LOCK_NOT_AVAILABLE = '55P03';
/**
 * How long creating or dropping a partition waits for the parent table's lock (a long export holds a share lock).
 * Appends queue behind a waiting exclusive lock, so the wait is kept short and the work tried again later instead.
 */
const PARTITION_LOCK_TIMEOUT = '2s';

export class PostgresCapturePartitions {
  /** Days this process knows to have a partition (or to be left to the default one): checked once per process. */
  private readonly known = new Set<number>();

  constructor(private readonly pool: pg.Pool) {}

  /**
   * Makes the day partitions these capture times need (and each next day), outside the append's transaction: creating
   * a partition locks the parent table briefly, so it happens once a day per process, not per batch.
   */
  async ensure(times: Iterable<number>): Promise<void> {
    const missing = daysToEnsure(times).filter((d) => !this.known.has(d.day));
    for (const day of missing) {
      try {
        await inTransaction(this.pool, async (c) => {
          // Replicas making the same day at once take turns; the second finds it there.
          await c.query('SELECT pg_advisory_xact_lock($1, 0)', [LOCK_PARTITIONS]);
          await c.query(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT}'`);
          await c.query(`CREATE TABLE IF NOT EXISTS ${day.name} PARTITION OF captures FOR VALUES FROM (${day.start}) TO (${day.end})`);
        });
        this.known.add(day.day);
      } catch (err) {
        // The default partition already holds rows of that day: the day stays there, retention deletes them by row.
        const code = (err as { code?: string }).code;
        if (code === CHECK_VIOLATION) this.known.add(day.day);
        // The parent was busy: the next batch tries again; until then a day without its partition lands in the default.
        else if (code !== LOCK_NOT_AVAILABLE) throw err;
      }
    }
  }

  /** The day partitions there are, oldest first. */
  async list(): Promise<CaptureDay[]> {
    const { rows } = await this.pool.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'captures'::regclass`,
    );
    return rows.flatMap((r) => parseCaptureDay(r.name) ?? []).sort((a, b) => a.day - b.day);
  }

  /**
   * Retention by age for one endpoint: drops each day partition that ends by `before` and holds no other endpoint's
   * captures, and returns how many of this endpoint's records went with them. The rest (the boundary day, days shared
   * with other endpoints, the default partition) the caller deletes by row.
   */
  async dropBefore(endpoint: string, before: number): Promise<number> {
    let removed = 0;
    for (const day of await this.list()) {
      if (day.end > before) continue;
      removed += await this.dropDay(day, endpoint);
    }
    return removed;
  }

  private async dropDay(day: CaptureDay, endpoint: string): Promise<number> {
    try {
      // A day another endpoint shares stays (that endpoint's retention may keep it longer). Asked before taking any
      // lock, and it stops at the first such row instead of reading the whole day.
      if (await this.shared(this.pool, day.name, endpoint)) return 0;
      return await inTransaction(this.pool, async (c) => {
        await c.query(`SET LOCAL lock_timeout = '${PARTITION_LOCK_TIMEOUT}'`);
        // No append adds to a past day (captures are stamped when served), but one could be finishing: the lock waits
        // for it, and the count and the drop then see the same rows.
        await c.query(`LOCK TABLE ${day.name} IN ACCESS EXCLUSIVE MODE`);
        if (await this.shared(c, day.name, endpoint)) return 0;
        const { rows } = await c.query<{ mine: number; rows: number; bytes: number }>(
          `SELECT count(*) AS mine, coalesce(sum(rows), 0) AS rows, coalesce(sum(bytes), 0) AS bytes FROM ${day.name}`,
        );
        const gone = rows[0]!;
        await c.query(`DROP TABLE ${day.name}`);
        // The endpoint's totals (capture_totals) lose the day's records in the same transaction.
        await c.query('UPDATE capture_totals SET records = records - $2, rows = rows - $3, bytes = bytes - $4 WHERE endpoint = $1', [
          endpoint, gone.mine, gone.rows, gone.bytes,
        ]);
        this.known.delete(day.day);
        return gone.mine;
      });
    } catch (err) {
      const code = (err as { code?: string }).code;
      // The table was busy: its rows go by the caller's delete this time, the day is dropped on a later run.
      if (code === LOCK_NOT_AVAILABLE) return 0;
      // Another process dropped it since the list was read.
      if (code === UNDEFINED_TABLE) return 0;
      throw err;
    }
  }

  private async shared(on: Pick<pg.Pool, 'query'>, partition: string, endpoint: string): Promise<boolean> {
    const { rowCount } = await on.query(`SELECT 1 FROM ${partition} WHERE endpoint <> $1 LIMIT 1`, [endpoint]);
    return (rowCount ?? 0) > 0;
  }
}
