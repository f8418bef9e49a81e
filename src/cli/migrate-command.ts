// `slipway migrate --from <home> --to postgres://…`: moves a SQLite home into Postgres. The one command that opens
// stores itself instead of calling a server: it copies between two databases that no server may be using.

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDatabaseUrl, redactedUrl } from '../core/database-url.js';
import { copyArtifacts } from '../registry/artifact-migration.js';
import { FsArtifactStore } from '../registry/fs-artifact-store.js';
import { PostgresArtifactStore } from '../registry/postgres-artifact-store.js';
import { PostgresStore } from '../store/postgres-store.js';
import { copyTables, openSource, planFor, referencedArtifacts } from '../store/store-migration.js';

export interface MigrateFlags {
  from: string;
  to: string;
  force?: boolean;
}

/**
 * Artifacts first, then the tables (parents before children), so a server started on the target mid-way never finds
 * a version without its model file. Prints a line per artifact and per table.
 */
export async function migrateHome(flags: MigrateFlags, print: (line: string) => void = console.log): Promise<void> {
  checkDatabaseUrl(flags.to);
  const source = openSource(join(flags.from, 'slipway.db'));
  const target = await PostgresStore.open(flags.to);
  // The Postgres artifact store keeps a verified disk cache beside each server; the migration needs none after it.
  const cache = await mkdtemp(join(tmpdir(), 'slipway-migrate-'));
  try {
    const plan = await planFor(source, target.pool);
    print(`migrating ${flags.from} into ${redactedUrl(flags.to)}: ${plan.tables.length} tables`);
    const from = new FsArtifactStore(join(flags.from, 'artifacts'));
    const to = new PostgresArtifactStore(target.pool, cache);
    await to.init();
    await copyArtifacts(from, to, referencedArtifacts(source), (e) =>
      print(`artifact ${e.index + 1}/${e.total} ${e.sha256.slice(0, 12)}… ${e.copied ? `copied (${e.size} bytes, hash verified)` : 'already there'}`),
    );
    await copyTables(source, target.pool, plan, {
      force: flags.force === true,
      progress: (e) =>
        print(e.kind === 'table' ? `table ${e.table}: ${e.skipped ? 'copied by an earlier run' : `${e.rows} rows`}` : `table ${e.table}: ids continue at ${e.next}`),
    });
    print('done: start servers with --database pointing at the target; keep the SQLite home until they serve as expected');
  } finally {
    source.close();
    await target.close();
    await rm(cache, { recursive: true, force: true });
  }
}
