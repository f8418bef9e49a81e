// `slipway migrate`: a SQLite home made by a real server (push, deploy, captured traffic, feedback, a rollout, a
// token) is copied into a fresh Postgres, and a server on that Postgres serves the same versions with the same
// answers, history, captures, feedback, tokens and audit trail. Also: every SQLite table is covered by the copy, a
// running server or an occupied target is refused, and a second run is a no-op.
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../src/store/postgres-store.js';
import { SQLITE_MIGRATIONS } from '../src/store/sqlite-migrations.js';
import { copyTables, openSource, planCopy, planFor } from '../src/store/store-migration.js';
import { call } from './http.js';
import { DIGITS, golden, inferRows, setLoop } from './loop-harness.js';
import { CLI, removeHome, ROOT, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from './support/postgres.js';

let postgres: TestPostgres;
let server: ServerProcess | undefined;
const home = tempHome();
const otherHome = tempHome();

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await server?.stop();
  await postgres?.stop();
  removeHome(home);
  removeHome(otherHome);
});

function migrate(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, 'migrate', ...args], { cwd: ROOT });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.once('exit', (code) => done({ code: code ?? -1, stdout, stderr }));
  });
}

describe('the copy plan', () => {
  it('covers every SQLite table of the schema (or names why not), and reports one Postgres lacks', async () => {
    const sqlite = new Database(':memory:');
    for (const m of SQLITE_MIGRATIONS) sqlite.exec(m);
    sqlite.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
    const store = await PostgresStore.open(await postgres.createDatabase());
    try {
      const plan = await planFor(sqlite, store.pool);
      expect(plan.uncovered).toEqual([]);
      const copied = new Set(plan.tables.map((t) => t.table));
      for (const t of ['model_versions', 'endpoint_events', 'captures', 'feedback', 'access_tokens', 'audit_log', 'rollouts', 'retrain_runs']) {
        expect(copied).toContain(t);
      }
      // Parents before children.
      const at = (t: string): number => plan.tables.findIndex((c) => c.table === t);
      expect(at('model_versions')).toBeLessThan(at('aliases'));
      expect(at('monitor_windows')).toBeLessThan(at('monitor_events'));

      sqlite.exec('CREATE TABLE future_things (id INTEGER PRIMARY KEY, what TEXT)');
      sqlite.exec('ALTER TABLE feedback ADD COLUMN weight REAL');
      expect((await planFor(sqlite, store.pool)).uncovered).toEqual([
        'column feedback.weight: not in the Postgres schema',
        'table future_things: not in the Postgres schema',
      ]);
    } finally {
      sqlite.close();
      await store.close();
    }
  });

  it('needs Postgres columns without a default to come from SQLite', () => {
    const plan = planCopy(
      new Map([['t', { columns: ['a'], references: [] }]]),
      new Map([['t', [{ name: 'a', type: 'text', optional: false }, { name: 'b', type: 'text', optional: false }]]]),
    );
    expect(plan.uncovered).toEqual(['column t.b: required in Postgres, absent in SQLite']);
  });
});

describe('the table copy', () => {
  it('copies captures of many days in several statements into day partitions, and continues their ids', async () => {
    const dir = tempHome();
    const file = join(dir, 'slipway.db');
    const sqlite = new Database(file);
    for (const m of SQLITE_MIGRATIONS) sqlite.exec(m);
    sqlite.pragma(`user_version = ${SQLITE_MIGRATIONS.length}`);
    const insert = sqlite.prepare(
      `INSERT INTO captures (endpoint, request_id, time, variant, model, version, status, latency_ms, rows, inputs, outputs, truncated, error, bytes)
       VALUES ('e', ?, ?, 'primary', 'm', 1, 'ok', 1.5, 1, ?, NULL, 0, NULL, 4)`,
    );
    const day = 86_400_000;
    const today = Math.floor(Date.now() / day) * day;
    sqlite.transaction(() => {
      for (let i = 0; i < 4_500; i++) insert.run(`r${i}`, today - (2 - Math.floor(i / 1_500)) * day + i, Buffer.from([1, 2, 3, i % 256]));
    })();
    // The last 100 trimmed: SQLite never gives their ids again, and neither may Postgres.
    sqlite.exec('DELETE FROM captures WHERE id > 4400');
    sqlite.close();
    const source = openSource(file);
    const store = await PostgresStore.open(await postgres.createDatabase());
    try {
      const tables: string[] = [];
      await copyTables(source, store.pool, await planFor(source, store.pool), { force: false, progress: (e) => e.kind === 'table' && tables.push(`${e.table}:${e.rows}`) });
      expect(tables).toContain('captures:4400');
      // Postgres counts what was copied (SQLite's own totals are not copied: rows deleted by hand above never reached them).
      expect(await store.loop.captureStats('e')).toMatchObject({ records: 4_400, rows: 4_400, bytes: 17_600 });
      const parts = await store.pool.query<{ name: string; n: number }>(
        `SELECT c.relname AS name, (SELECT count(*) FROM captures x WHERE x.tableoid = c.oid) AS n
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'captures'::regclass ORDER BY 1`,
      );
      expect(parts.rows.filter((r) => r.n > 0).map((r) => r.n)).toEqual([1_500, 1_500, 1_400]);
      const [first] = await store.loop.captures({ endpoint: 'e', limit: 1 });
      expect(first).toMatchObject({ id: 1, requestId: 'r0', truncated: false, latencyMs: 1.5, inputs: Buffer.from([1, 2, 3, 0]), outputs: null });
      await store.loop.appendCaptures([{ ...first!, id: undefined, time: Date.now() }]);
      expect(await store.loop.lastCaptureId('e')).toBe(4_501);
      expect(await store.loop.captureStats('e')).toMatchObject({ records: 4_401, bytes: 17_604 });
    } finally {
      source.close();
      await store.close();
      removeHome(dir);
    }
  });
});

describe('slipway migrate', () => {
  it('moves a real SQLite home into Postgres, and a server there serves it as before', async () => {
    const rows = golden(DIGITS, 'label').rows.slice(0, 6);
    server = await startServer({ home });
    const cli = async (...args: string[]): Promise<string> => {
      const r = await runCli(server!.url, args);
      expect(r.code, r.stderr).toBe(0);
      return r.stdout;
    };
    await cli('push', DIGITS);
    await cli('push', DIGITS);
    await cli('deploy', 'digits', '--model', 'digits:1');
    await setLoop(server.url, 'digits', 'capture', { enabled: true, sampleRate: 1 });
    const before = [];
    for (const [i, row] of rows.entries()) before.push(await inferRows(server.url, 'digits', [row], 'label', `req-${i}`));
    expect(before.map((a) => a.status)).toEqual(rows.map(() => 200));
    const fb = await call(`${server.url}/api/v1/endpoints/digits/feedback`, 'POST', { feedback: [{ request_id: 'req-0', label: 3 }, { request_id: 'req-1', label: 7 }] });
    expect(fb.status, JSON.stringify(fb.body)).toBe(200);
    await cli('rollout', 'digits', '--to', 'digits:2', '--bake', '10m');
    await cli('rollout', 'abort', 'digits');
    const created = JSON.parse(await cli('--json', 'token', 'create', 'ops', '--scope', 'admin')) as { secret: string };
    const auth = { authorization: `Bearer ${created.secret}` };
    const history = (await call<unknown[]>(`${server.url}/api/v1/endpoints/digits/history`, 'GET', undefined, auth)).body;
    const models = (await call(`${server.url}/api/v1/models/digits`, 'GET', undefined, auth)).body;
    const audit = (await call<unknown[]>(`${server.url}/api/v1/audit`, 'GET', undefined, auth)).body;
    const captured = (await call<{ capture: { stats: { records: number } } }>(`${server.url}/api/v1/endpoints/digits/monitor/status`, 'GET', undefined, auth)).body;
    expect(captured.capture.stats.records).toBe(6);
    expect(history.length).toBeGreaterThan(2);

    const database = await postgres.createDatabase();
    // Refused while the server runs on the home.
    const running = await migrate(['--from', home, '--to', database]);
    expect(running.code).not.toBe(0);
    expect(running.stderr).toMatch(/a server is running on .*slipway\.db.*stop it first/);
    await server.stop('SIGTERM');
    server = undefined;

    const started = performance.now();
    const moved = await migrate(['--from', home, '--to', database]);
    expect(moved.code, moved.stderr + moved.stdout).toBe(0);
    console.log(`migrate took ${Math.round(performance.now() - started)} ms:\n${moved.stdout}`);
    expect(moved.stdout).toMatch(/artifact 1\/\d+ .* copied \(\d+ bytes, hash verified\)/);
    expect(moved.stdout).toMatch(/table captures: 6 rows/);
    expect(moved.stdout).toMatch(/table feedback: 2 rows/);
    // A second run finds everything done.
    const again = await migrate(['--from', home, '--to', database]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toMatch(/table captures: copied by an earlier run/);
    expect(again.stdout).not.toMatch(/ copied \(/);

    server = await startServer({ home: otherHome, args: ['--database', database] });
    // The token works (and the API is closed without it, as it was).
    expect((await call(`${server.url}/api/v1/models`)).status).toBe(401);
    expect((await call(`${server.url}/api/v1/models/digits`, 'GET', undefined, auth)).body).toEqual(models);
    expect((await call(`${server.url}/api/v1/endpoints/digits/history`, 'GET', undefined, auth)).body).toEqual(history);
    const auditAfter = (await call<unknown[]>(`${server.url}/api/v1/audit`, 'GET', undefined, auth)).body;
    expect(auditAfter.slice(-audit.length)).toEqual(audit);
    // Same answers from the versions' model files, now from Postgres; captures and feedback came along.
    for (const [i, row] of rows.entries()) expect((await inferRows(server.url, 'digits', [row], 'label')).prediction).toEqual(before[i]!.prediction);
    const status = (await call<{ capture: { stats: { records: number; withFeedback: number } } }>(`${server.url}/api/v1/endpoints/digits/monitor/status`, 'GET', undefined, auth)).body;
    expect(status.capture.stats.withFeedback).toBe(2);
    expect(status.capture.stats.records).toBeGreaterThanOrEqual(6);
    await server.stop('SIGTERM');
    server = undefined;

    // New ids continue past the copied ones.
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      const ids = await client.query<{ n: string; max: string }>('SELECT count(*) AS n, max(id) AS max FROM captures');
      expect(Number(ids.rows[0]!.n)).toBe(12);
      expect(Number(ids.rows[0]!.max)).toBe(12);
    } finally {
      await client.end();
    }
  });

  it('refuses a target that already holds data unless --force', async () => {
    const database = await postgres.createDatabase();
    const store = await PostgresStore.open(database);
    await store.pool.query(`INSERT INTO audit_log (time_ms, actor, action, object, address, outcome, status) VALUES (1, 'x', 'y', 'z', '', 'ok', 200)`);
    await store.close();
    const refused = await migrate(['--from', home, '--to', database]);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/already holds data \(audit_log\).*--force/);
    const forced = await migrate(['--from', home, '--to', database, '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/table model_versions: 2 rows/);
  });
});
