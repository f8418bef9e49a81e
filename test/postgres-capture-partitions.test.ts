// Captures in Postgres live in day partitions: the writer makes them, retention by age drops whole past days (seen in
// pg_inherits) and deletes by row only within the boundary day, and the migration moves rows of an older schema in.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../src/core/capture-config.js';
import { DAY_MS } from '../src/store/capture-days.js';
import { POSTGRES_MIGRATIONS } from '../src/store/postgres-migrations.js';
import { PostgresStore } from '../src/store/postgres-store.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

function capture(endpoint: string, time: number, i: number): CaptureRecord {
  return {
    endpoint, requestId: `r${i}`, time, variant: 'primary', model: 'm', version: 1, status: 'ok', latencyMs: 1, rows: 1,
    inputs: new Uint8Array([i % 256]), outputs: null, truncated: false, error: null,
  };
}

async function partitions(store: PostgresStore): Promise<string[]> {
  const { rows } = await store.pool.query<{ name: string }>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'captures'::regclass ORDER BY 1`,
  );
  return rows.map((r) => r.name);
}

describe('Postgres capture partitions', () => {
  const today = Math.floor(Date.now() / DAY_MS) * DAY_MS;
  const name = (start: number): string => `captures_p${new Date(start).toISOString().slice(0, 10).replace(/-/g, '')}`;

  it('drops the days wholly before the cutoff, deletes rows of the boundary day, keeps another endpoint’s days', async () => {
    const store = await PostgresStore.open(await postgres.createDatabase());
    try {
      const days = [today - 3 * DAY_MS, today - 2 * DAY_MS, today - DAY_MS, today];
      // Ten captures a day of endpoint e, at 01:00 and 13:00; one of endpoint other three days ago.
      let i = 0;
      for (const start of days) {
        await store.loop.appendCaptures(Array.from({ length: 10 }, (_, k) => capture('e', start + (k < 5 ? 1 : 13) * 3_600_000, i++)));
      }
      await store.loop.appendCaptures([capture('other', days[0]! + 1000, i++)]);
      const made = await partitions(store);
      expect(made).toEqual([...days.map(name), name(today + DAY_MS), 'captures_default'].sort());

      // Cutoff at noon yesterday: three days ago is shared with `other` (rows deleted), two days ago goes whole,
      // yesterday loses its morning rows only.
      const removed = await store.loop.trimCaptures('e', { before: days[2]! + 12 * 3_600_000, keepRows: null, keepBytes: null });
      expect(removed).toBe(25);
      expect(await partitions(store)).toEqual([name(days[0]!), name(days[2]!), name(days[3]!), name(today + DAY_MS), 'captures_default'].sort());
      expect((await store.loop.captureStats('e')).records).toBe(15);
      expect((await store.loop.captureStats('other')).records).toBe(1);

      // Once `other` lets its day go, the day three days ago is dropped too; ids are never given out again.
      const lastId = await store.loop.lastCaptureId('e');
      expect(await store.loop.trimCaptures('other', { before: days[1]!, keepRows: null, keepBytes: null })).toBe(1);
      expect(await partitions(store)).not.toContain(name(days[0]!));
      expect(await store.loop.captureStats('other')).toMatchObject({ records: 0, rows: 0, bytes: 0 });
      await store.loop.appendCaptures([capture('e', Date.now(), i++)]);
      expect(await store.loop.lastCaptureId('e')).toBeGreaterThan(lastId);
    } finally {
      await store.close();
    }
  });

  it('moves the captures of a database made before partitions into day partitions, ids and all', async () => {
    const url = await postgres.createDatabase();
    // The number of the migration that partitions captures (later migrations come after it).
    const partitioned = POSTGRES_MIGRATIONS.findIndex((m) => m.includes('PARTITION BY RANGE (time)')) + 1;
    expect(partitioned).toBeGreaterThan(0);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      // The schema as the previous Slipway left it, with captures of two days and one before 1970.
      await client.query('CREATE TABLE slipway_schema (version integer PRIMARY KEY, applied_at timestamptz NOT NULL)');
      for (let v = 0; v < partitioned - 1; v++) {
        await client.query(POSTGRES_MIGRATIONS[v]!);
        await client.query('INSERT INTO slipway_schema VALUES ($1, now())', [v + 1]);
      }
      for (const [id, time] of [[7, today - DAY_MS], [8, today + 5], [9, -5]] as const) {
        await client.query(
          `INSERT INTO captures (id, endpoint, request_id, time, variant, model, version, status, latency_ms, rows, truncated, bytes)
           VALUES ($1, 'e', $2, $3, 'primary', 'm', 1, 'ok', 1, 1, false, 0)`,
          [id, `r${id}`, time],
        );
      }
      await client.query('UPDATE capture_ids SET last_id = 9');
    } finally {
      await client.end();
    }
    const store = await PostgresStore.open(url);
    try {
      expect(await partitions(store)).toEqual([name(today - DAY_MS), name(today), 'captures_default'].sort());
      const moved = await store.loop.captures({ endpoint: 'e', limit: 10 });
      expect(moved.map((r) => [r.id, r.time])).toEqual([[7, today - DAY_MS], [8, today + 5], [9, -5]]);
      // The migration that keeps capture totals counted the captures there were.
      expect(await store.loop.captureStats('e')).toMatchObject({ records: 3, rows: 3, bytes: 0 });
      await store.loop.appendCaptures([capture('e', Date.now(), 10)]);
      expect(await store.loop.lastCaptureId('e')).toBe(10);
      expect((await store.loop.captureStats('e')).records).toBe(4);
    } finally {
      await store.close();
    }
  });
});
