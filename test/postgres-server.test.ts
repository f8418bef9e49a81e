// A real `slipway serve --database postgres://…` process end to end: push, deploy, infer and capture over HTTP with
// the state and the model files in Postgres (no SQLite file made), then a server on the same database with an empty
// home (another machine, as far as it can tell) finds it all again.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from './http.js';
import { DIGITS, exportJsonl, golden, inferRows, loopStatus, setLoop } from './loop-harness.js';
import { removeHome, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';
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

async function count(url: string, sql: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: string }>(sql);
    return Number(rows[0]!.n);
  } finally {
    await client.end();
  }
}

it('serves from Postgres and finds its endpoint, versions, model files and captures there after a restart elsewhere', async () => {
  const database = await postgres.createDatabase();
  const rows = golden(DIGITS, 'label').rows.slice(0, 5);
  server = await startServer({ home, args: ['--database', database] });
  expect(server.output()).toContain(`database ${database}`);
  expect((await runCli(server.url, ['push', DIGITS])).code).toBe(0);
  expect((await runCli(server.url, ['deploy', 'digits', '--model', 'digits:1'])).code).toBe(0);
  await setLoop(server.url, 'digits', 'capture', { enabled: true, sampleRate: 1 });
  const answers = [];
  for (const row of rows) answers.push(await inferRows(server.url, 'digits', [row], 'label'));
  expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
  expect((await loopStatus(server.url, 'digits')).capture.stats.records).toBe(5);

  // The state is in Postgres, not in a SQLite file in the home.
  expect(existsSync(join(home, 'slipway.db'))).toBe(false);
  expect(await count(database, `SELECT count(*) AS n FROM model_versions WHERE name = 'digits'`)).toBe(1);
  expect(await count(database, `SELECT count(*) AS n FROM captures WHERE endpoint = 'digits'`)).toBe(5);

  await server.stop('SIGTERM');
  server = await startServer({ home: otherHome, args: ['--database', database] });
  const endpoint = await call<{ state: string; variants: { model: string }[] }>(`${server.url}/api/v1/endpoints/digits`);
  expect(endpoint.body).toMatchObject({ state: 'ready', variants: [{ model: 'digits:1' }] });
  const version = await call<{ name: string; version: number }>(`${server.url}/api/v1/models/digits/versions/1`);
  expect(version.body).toMatchObject({ name: 'digits', version: 1 });
  const again = await inferRows(server.url, 'digits', [rows[0]!], 'label');
  expect(again).toMatchObject({ status: 200, prediction: answers[0]!.prediction });
  // The five captures of the first run, with the ids their clients were answered with, and the new one after them.
  const captured = await exportJsonl(server.url, 'digits');
  expect(captured.map((r) => r.request_id)).toEqual([...answers, again].map((a) => a.id));
  expect(existsSync(join(otherHome, 'slipway.db'))).toBe(false);
});
