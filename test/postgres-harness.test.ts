// The throwaway Postgres of test/support/postgres.ts: fresh databases on demand, gone when stopped, and a message
// that says what to install when the binaries are missing.

import { readFileSync } from 'node:fs';
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { startPostgres } from './support/postgres.js';

const saved = process.env.SLIPWAY_PG_BIN;
afterEach(() => {
  if (saved === undefined) delete process.env.SLIPWAY_PG_BIN;
  else process.env.SLIPWAY_PG_BIN = saved;
});

async function tables(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string }>(`SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY 1`);
    return rows.map((r) => r.name);
  } finally {
    await client.end();
  }
}

it('gives each caller an empty database of its own, and stops for good', async () => {
  const postgres = await startPostgres();
  const first = await postgres.createDatabase();
  const second = await postgres.createDatabase();
  expect(first).not.toBe(second);
  const client = new pg.Client({ connectionString: first });
  await client.connect();
  await client.query('CREATE TABLE only_in_first (x integer)');
  await client.end();
  expect(await tables(first)).toEqual(['only_in_first']);
  expect(await tables(second)).toEqual([]);
  await postgres.stop();
  await expect(tables(first)).rejects.toThrow(/ECONNREFUSED/);
});

it('says what to install when the Postgres binaries are missing', async () => {
  process.env.SLIPWAY_PG_BIN = '/nonexistent/postgres/bin';
  await expect(startPostgres()).rejects.toThrow(/initdb.*not found in \/nonexistent\/postgres\/bin: .*apt-get install postgresql/);
});

it('runs without durability unless asked to keep it, and names its postmaster', async () => {
  const settings = async (durable: boolean): Promise<{ fsync: string; synchronous_commit: string; parentIsPostmaster: boolean }> => {
    const postgres = await startPostgres({ durable });
    try {
      const client = new pg.Client({ connectionString: postgres.url });
      await client.connect();
      try {
        const fsync = (await client.query<{ fsync: string }>('SHOW fsync')).rows[0]!.fsync;
        const synchronous = (await client.query<{ synchronous_commit: string }>('SHOW synchronous_commit')).rows[0]!.synchronous_commit;
        // The PID it gives is the postmaster's: this connection's backend is its child.
        const backend = (await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
        const parent = Number(readFileSync(`/proc/${backend}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
        return { fsync, synchronous_commit: synchronous, parentIsPostmaster: parent === postgres.pid };
      } finally {
        await client.end();
      }
    } finally {
      await postgres.stop();
    }
  };
  expect(await settings(false)).toEqual({ fsync: 'off', synchronous_commit: 'off', parentIsPostmaster: true });
  expect(await settings(true)).toEqual({ fsync: 'on', synchronous_commit: 'on', parentIsPostmaster: true });
});
