// Quick, noisy figures for docs/CLUSTER.md: capture rows/s into Postgres from three stores (three replicas' write
// paths) against SQLite from one, and fetching an artifact from Postgres into an empty cache (a replica scaling up).
// Seconds, not minutes: run alone with `npx tsx bench/cluster-limits.ts`; the figures are of this machine at this load.

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { PostgresArtifactStore } from '../src/registry/postgres-artifact-store.js';
import { PostgresStore } from '../src/store/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import type { Store } from '../src/store/store.js';
import { startPostgres } from '../test/support/postgres.js';
import { appendUntil, type AppendShape } from './capture-append.js';

const SECONDS = 3;
const SHAPE: AppendShape = { batch: 100, inputBytes: 64, outputBytes: 64 };

/** Rows per second appended in batches by each store concurrently, for SECONDS. */
async function appendRate(stores: Store[]): Promise<number> {
  const until = Date.now() + SECONDS * 1000;
  const counts = await Promise.all(stores.map((s, i) => appendUntil(s, SHAPE, until, String(i))));
  return counts.reduce((a, c) => a + c.rows, 0) / SECONDS;
}

const pg = await startPostgres();
const dir = mkdtempSync(join(tmpdir(), 'slipway-limits-'));
try {
  const url = await pg.createDatabase();
  const stores = [await PostgresStore.open(url), await PostgresStore.open(url), await PostgresStore.open(url)];
  const pg3 = await appendRate(stores);
  const pg1 = await appendRate(stores.slice(0, 1));
  const sqlite = new SqliteStore(join(dir, 'slipway.db'));
  const sq1 = await appendRate([sqlite]);
  await sqlite.close();
  console.log(`captures, rows/s (batches of ${SHAPE.batch}, 2x64-byte payloads): postgres 3 writers ${Math.round(pg3)}, postgres 1 writer ${Math.round(pg1)}, sqlite 1 writer ${Math.round(sq1)}`);

  const blob = randomBytes(64 * 1024 * 1024);
  const writer = new PostgresArtifactStore(stores[0]!.pool, join(dir, 'cache-a'));
  await writer.init();
  let t = performance.now();
  const stored = await writer.put(Readable.from([blob]));
  const putMs = performance.now() - t;
  const reader = new PostgresArtifactStore(stores[1]!.pool, join(dir, 'cache-b'));
  await reader.init();
  t = performance.now();
  await reader.localPath(stored.sha256);
  const fetchMs = performance.now() - t;
  t = performance.now();
  await reader.localPath(stored.sha256);
  const cachedMs = performance.now() - t;
  console.log(`artifact 64 MiB: push into postgres ${Math.round(putMs)} ms, fetch into an empty cache ${Math.round(fetchMs)} ms (${Math.round(64 / (fetchMs / 1000))} MiB/s), cached ${Math.round(cachedMs)} ms`);
  for (const s of stores) await s.close();
} finally {
  await pg.stop();
  rmSync(dir, { recursive: true, force: true });
}
