// kill -9 of a Postgres-backed server mid-upload, inside an artifact's transaction, between a push's artifacts and its
// version row, and inside a capture batch's transaction under traffic: after each restart the registry holds only
// complete versions whose artifacts (rows and chunks in the database) verify, and the captures acknowledged as written
// are there once each, the cut batch absent. Each restart is the next scenario's server.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkRegistry, filesUnder, killWhenPaused, pgBlobs, sha256, startPartialUpload, startPausing, waitUntil, type BlobReader } from './fault-harness.js';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

const DIGITS = join(ROOT, 'examples', 'digits');
const DIABETES = join(ROOT, 'examples', 'diabetes');
const home = tempHome();
let postgres: TestPostgres;
let database = '';
let blobs: BlobReader;
let server: ServerProcess | undefined;
const ACKED = 10;

beforeAll(async () => {
  postgres = await startPostgres();
  database = await postgres.createDatabase();
  blobs = pgBlobs(database);
});

afterAll(async () => {
  await server?.stop('SIGKILL');
  await postgres?.stop();
  removeHome(home);
});

const args = (): string[] => ['--database', database];
const request = (id: string): object => ({ id, inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array<number>(64).fill(5) }] });

async function capturedCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/slipway_capture_records_total\{endpoint="digits"\} (\d+)/.exec(text)?.[1] ?? 0);
}

it('a push killed mid-upload leaves no artifact and no version', async () => {
  server = await startServer({ home, args: args() });
  expect((await runCli(server.url, ['push', DIGITS, '--no-validate'])).code).toBe(0);
  expect((await runCli(server.url, ['deploy', 'digits', '--model', 'digits:1'])).code).toBe(0);
  expect((await call(`${server.url}/api/v1/endpoints/digits/capture`, 'PUT', { enabled: true })).status).toBe(200);
  for (let i = 0; i < ACKED; i++) expect((await call(`${server.url}/v2/models/digits/infer`, 'POST', request(`a-${i}`))).status).toBe(200);
  await waitUntil(async () => (await capturedCount(server!.url)) === ACKED, 'the captures to be written');
  const before = await blobs.list();
  const upload = startPartialUpload(server.url, 'big', 4 * 1024 * 1024, 32 * 1024 * 1024);
  await waitUntil(() => filesUnder(join(home, 'artifact-cache', 'tmp')).length > 0, 'the upload to reach the disk');
  await server.stop('SIGKILL');
  upload.destroy();

  server = await startPausing(home, 'push:artifact-in-transaction', 1, args());
  expect(filesUnder(join(home, 'artifact-cache', 'tmp'))).toEqual([]);
  expect(await blobs.list()).toEqual(before);
  expect(await checkRegistry(server.url, blobs)).toEqual(['digits:1']);
});

it('a push killed inside an artifact transaction leaves no row of it', async () => {
  const model = join(DIABETES, 'model.onnx');
  const push = runCli(server!.url, ['push', model, '--name', 'bare', '--no-validate']);
  await killWhenPaused(server!, 'push:artifact-in-transaction');
  expect((await push).code).not.toBe(0);

  server = await startPausing(home, 'push:before-version', 1, args());
  expect(await blobs.list()).not.toContain(sha256(readFileSync(model)));
  expect(await checkRegistry(server.url, blobs)).toEqual(['digits:1']);
});

it('a push killed between its artifacts and its version row leaves no version; the next push takes the number', async () => {
  const push = runCli(server!.url, ['push', DIABETES, '--no-validate']);
  await killWhenPaused(server!, 'push:before-version');
  expect((await push).code).not.toBe(0);

  server = await startPausing(home, 'capture:before-commit', 1, args());
  // Its artifacts were committed (each in its own transaction) and no version refers to them: they stay for the
  // collection grace time (another server's push may be using them), then go.
  expect(await checkRegistry(server.url, blobs)).toEqual(['digits:1']);
  expect((await call(`${server.url}/api/v1/models/diabetes`)).status).toBe(404);
  expect((await runCli(server.url, ['push', DIABETES, '--no-validate'])).stdout).toMatch(/pushed diabetes:1/);
  expect(await checkRegistry(server.url, blobs)).toEqual(['diabetes:1', 'digits:1']);
});

it('captures acknowledged as written survive; a batch killed inside its transaction leaves no row', async () => {
  let answered = 0;
  const traffic = (async () => {
    const end = Date.now() + 20_000;
    for (let i = 0; Date.now() < end; i++) {
      try {
        if ((await call(`${server!.url}/v2/models/digits/infer`, 'POST', request(`b-${i}`))).status === 200) answered++;
      } catch {
        return; // the server is gone
      }
    }
  })();
  await killWhenPaused(server!, 'capture:before-commit');
  await traffic;
  expect(answered).toBeGreaterThan(0);

  server = await startServer({ home, args: args() });
  const client = new pg.Client({ connectionString: database });
  await client.connect();
  try {
    const { rows } = await client.query<{ request_id: string }>(`SELECT request_id FROM captures WHERE endpoint = 'digits' ORDER BY id`);
    expect(rows.map((r) => r.request_id)).toEqual(Array.from({ length: ACKED }, (_, i) => `a-${i}`));
  } finally {
    await client.end();
  }
  // And the next capture is written after them (the id counter was not left locked or ahead of the rows).
  expect((await call(`${server.url}/v2/models/digits/infer`, 'POST', request('c-0'))).status).toBe(200);
  await waitUntil(async () => (await capturedCount(server!.url)) === 1, 'the new capture to be written');
  const exported = await (await fetch(`${server.url}/api/v1/endpoints/digits/export?format=jsonl`)).text();
  const ids = exported.trim().split('\n').map((line) => (JSON.parse(line) as { request_id: string }).request_id);
  expect(ids).toEqual([...Array.from({ length: ACKED }, (_, i) => `a-${i}`), 'c-0']);
});
