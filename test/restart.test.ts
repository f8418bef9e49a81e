// State survives restarts: endpoints come back serving the same versions, aliases and history intact.

import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { call, infer } from './http.js';
import { removeHome, ROOT, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';

const home = tempHome();
let server: ServerProcess | undefined;

afterAll(async () => {
  await server?.stop();
  removeHome(home);
});

const request = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array(64).fill(2) }] };

it('restores endpoints, aliases and history after a clean stop and after SIGKILL', async () => {
  server = await startServer({ home });
  expect((await runCli(server.url, ['push', join(ROOT, 'examples', 'digits')])).code).toBe(0);
  expect((await runCli(server.url, ['push', join(ROOT, 'examples', 'diabetes')])).code).toBe(0);
  expect((await runCli(server.url, ['alias', 'digits@champion', 'digits:1'])).code).toBe(0);
  expect((await runCli(server.url, ['deploy', 'digits', '--model', 'digits@champion', '--instances', '2'])).code).toBe(0);
  expect((await runCli(server.url, ['deploy', 'sugar', '--model', 'diabetes'])).code).toBe(0);
  const before = await infer(server.url, 'digits', request);
  expect(before.status).toBe(200);

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    await server.stop(signal);
    server = await startServer({ home });
    const after = await infer(server.url, 'digits', request);
    expect(after.status).toBe(200);
    expect(after.body.outputs).toEqual(before.body.outputs);
    const sugar = await infer(server.url, 'sugar', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 10], data: new Array(10).fill(0) }] });
    expect(sugar.status).toBe(200);
    const endpoint = await call<{ state: string; variants: { model: string; ref: string; runtime: { instances: number } }[] }>(`${server.url}/api/v1/endpoints/digits`);
    expect(endpoint.body.state).toBe('ready');
    expect(endpoint.body.variants[0]).toMatchObject({ model: 'digits:1', ref: 'digits@champion', runtime: { instances: 2 } });
    const alias = await runCli(server.url, ['alias', 'digits@champion']);
    expect(alias.stdout).toMatch(/digits@champion -> digits:1/);
  }
});
