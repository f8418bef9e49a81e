// How many connections a Postgres database holds open now (pg_stat_activity, less the one asking): the figure behind
// docs/CLUSTER.md's connections per replica.

import pg from 'pg';

export async function openConnections(url: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}
