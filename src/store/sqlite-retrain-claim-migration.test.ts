// The retraining-claim migration: runs an earlier Slipway left running side by side for one endpoint are settled (the
// newest kept) before the one-run-in-progress index is made, and the claim holds afterwards.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteStore } from './sqlite-store.js';
import { sqliteBefore } from '../../test/support/sqlite-before.js';

const dir = mkdtempSync(join(tmpdir(), 'slipway-retrain-claim-'));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('keeps the newest of the runs left running for an endpoint, fails the others, and then claims one run per endpoint', async () => {
  const file = join(dir, 'slipway.db');
  const before = sqliteBefore(file, 'retrain_runs_running');
  const insert = before.prepare(`INSERT INTO retrain_runs (endpoint, trigger, event_id, status, started_at, log) VALUES (?, 'manual', NULL, ?, '2026-01-01T00:00:00.000Z', '')`);
  for (const [endpoint, status] of [['e', 'running'], ['e', 'running'], ['e', 'succeeded'], ['f', 'running']] as const) insert.run(endpoint, status);
  before.close();
  const store = new SqliteStore(file);
  try {
    const e = await store.loop.retrainRuns('e', 10);
    expect(e.map((r) => [r.id, r.status])).toEqual([[3, 'succeeded'], [2, 'running'], [1, 'failed']]);
    expect(e[2]).toMatchObject({ error: 'another run of the endpoint was running at the same time', replica: null });
    expect(e[2]!.finishedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect((await store.loop.retrainRuns('f', 10)).map((r) => r.status)).toEqual(['running']);
    expect(await store.loop.startRetrainRun({ endpoint: 'e', trigger: 'manual', eventId: null, replica: 'r1' })).toBeUndefined();
    // Left by no recorded replica: an orphan, whose endpoint is then free.
    expect(await store.loop.failOrphanedRuns('the server stopped', 60_000)).toBe(2);
    expect(await store.loop.startRetrainRun({ endpoint: 'e', trigger: 'manual', eventId: null, replica: 'r1' })).toMatchObject({ status: 'running', replica: 'r1' });
  } finally {
    await store.close();
  }
});
