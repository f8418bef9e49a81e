// kill -9 of a SQLite-backed server in the middle of a push and of a deploy: after the restart the registry holds only
// complete versions whose artifacts verify (and no unreferenced artifact), and each endpoint serves its last committed
// revision, which its history ends with. Each restart is the next scenario's server (fewer starts, same checks).

import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { checkEndpoint, checkRegistry, fsBlobs, killWhenPaused, startPausing } from './fault-harness.js';
import { call, infer } from './http.js';
import { removeHome, ROOT, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';

const DIGITS = join(ROOT, 'examples', 'digits');
const DIABETES = join(ROOT, 'examples', 'diabetes');
const home = tempHome();
const blobs = fsBlobs(home);
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop('SIGKILL');
  removeHome(home);
});

const digitsRequest = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array<number>(64).fill(3) }] };

/** Starts a deploy and lets it run on its own: the server will be killed under it. */
function deployInBackground(url: string, endpoint: string, model: string): void {
  void call(`${url}/api/v1/endpoints/${endpoint}`, 'PUT', { model }).catch(() => undefined);
}

it('a push killed after its artifacts are stored, before its version row: no version, no orphan artifact, the next push numbers on', async () => {
  server = await startPausing(home, 'push:before-version', 2);
  expect((await runCli(server.url, ['push', DIGITS, '--no-validate'])).code).toBe(0); // the first pass goes through
  const push = runCli(server.url, ['push', DIABETES, '--no-validate']);
  await killWhenPaused(server, 'push:before-version');
  expect((await push).code).not.toBe(0); // the client was never told the push succeeded
  // The diabetes files were stored and renamed into place before the kill: they are on disk, referenced by nothing.
  expect((await blobs.list()).length).toBeGreaterThan(3);

  server = await startPausing(home, 'deploy:before-commit', 2);
  expect(await checkRegistry(server.url, blobs)).toEqual(['digits:1']);
  const referenced = (await call<{ sha256: string; files: { sha256: string }[] }[]>(`${server.url}/api/v1/models/digits`)).body
    .flatMap((v) => [v.sha256, ...v.files.map((f) => f.sha256)]);
  expect((await blobs.list()).sort()).toEqual([...new Set(referenced)].sort()); // the orphans were collected at start
  expect((await call(`${server.url}/api/v1/models/diabetes`)).status).toBe(404);
  expect((await runCli(server.url, ['push', DIABETES, '--no-validate'])).stdout).toMatch(/pushed diabetes:1/);
  expect((await runCli(server.url, ['push', DIGITS, '--no-validate'])).stdout).toMatch(/pushed digits:2/);
  expect(await checkRegistry(server.url, blobs)).toEqual(['diabetes:1', 'digits:1', 'digits:2']);
});

it('a deploy killed with its new version loaded but its spec not stored: the old revision serves', async () => {
  expect((await runCli(server!.url, ['deploy', 'digits', '--model', 'digits:1'])).code).toBe(0); // pass 1
  deployInBackground(server!.url, 'digits', 'digits:2');
  await killWhenPaused(server!, 'deploy:before-commit');

  server = await startPausing(home, 'deploy:after-commit');
  expect(await checkEndpoint(server.url, 'digits')).toEqual(['primary=digits:1@100']);
  expect((await call<{ revision: number }>(`${server.url}/api/v1/endpoints/digits`)).body.revision).toBe(1);
  expect((await infer(server.url, 'digits', digitsRequest)).body.model_version).toBe('1');
});

it('a deploy killed with its spec stored but not yet swapped in: the new revision serves after the restart', async () => {
  deployInBackground(server!.url, 'digits', 'digits:2');
  await killWhenPaused(server!, 'deploy:after-commit');

  server = await startServer({ home });
  expect(await checkEndpoint(server.url, 'digits')).toEqual(['primary=digits:2@100']);
  expect((await call<{ revision: number }>(`${server.url}/api/v1/endpoints/digits`)).body.revision).toBe(2);
  expect((await infer(server.url, 'digits', digitsRequest)).body.model_version).toBe('2');
  expect(await checkRegistry(server.url, blobs)).toEqual(['diabetes:1', 'digits:1', 'digits:2']);
});
