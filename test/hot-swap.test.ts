// A deploy under concurrent load is a hot swap: no request fails while versions change, and traffic moves over.

import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

let server: ServerProcess;

beforeAll(async () => {
  server = await startServer();
  for (let i = 0; i < 2; i++) expect((await runCli(server.url, ['push', join(ROOT, 'examples', 'digits')])).code).toBe(0);
  expect((await runCli(server.url, ['deploy', 'digits', '--model', 'digits:1'])).code).toBe(0);
});

afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
});

it('swaps versions under concurrent load with zero failed requests', async () => {
  const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array(64).fill(3) }] });
  const results = { ok: 0, failed: [] as string[], versions: new Map<string, number>() };
  let running = true;
  const client = async (): Promise<void> => {
    while (running) {
      try {
        const r = await fetch(`${server.url}/v2/models/digits/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } });
        const text = await r.text();
        if (r.status !== 200) results.failed.push(`${r.status} ${text}`);
        else {
          results.ok++;
          const v = (JSON.parse(text) as { model_version: string }).model_version;
          results.versions.set(v, (results.versions.get(v) ?? 0) + 1);
        }
      } catch (err) {
        results.failed.push(String(err));
      }
    }
  };
  const clients = Array.from({ length: 16 }, client);
  const swaps: string[][] = [
    ['--model', 'digits:2', '--instances', '2'],
    ['--model', 'digits:1', '--instances', '1'],
    ['--model', 'digits:2', '--intra-op-threads', '2'],
  ];
  const deadline = Date.now() + 60_000;
  for (const args of swaps) {
    await new Promise((r) => setTimeout(r, 400));
    const deploy = await runCli(server.url, ['deploy', 'digits', ...args]);
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(Date.now()).toBeLessThan(deadline);
  }
  await new Promise((r) => setTimeout(r, 400));
  running = false;
  await Promise.all(clients);
  expect(results.failed).toEqual([]);
  expect(results.ok).toBeGreaterThan(100);
  expect(results.versions.get('1')).toBeGreaterThan(0);
  expect(results.versions.get('2')).toBeGreaterThan(0);
  const view = await call<{ variants: { model: string; runtime: { intraOpThreads: number; instances: number } }[] }>(`${server.url}/api/v1/endpoints/digits`);
  expect(view.body.variants[0]).toMatchObject({ model: 'digits:2', runtime: { intraOpThreads: 2, instances: 1 } });
  const history = await call<unknown[]>(`${server.url}/api/v1/endpoints/digits/history`);
  expect(history.body).toHaveLength(4);
});

it('a failed deploy leaves the endpoint serving what it served', async () => {
  const bad = await runCli(server.url, ['deploy', 'digits', '--model', 'digits:99']);
  expect(bad.code).toBe(1);
  expect(bad.stderr).toMatch(/model version digits:99 not found/);
  const reply = await call<{ model_version: string }>(`${server.url}/v2/models/digits/infer`, 'POST', {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array(64).fill(0) }],
  });
  expect(reply.status).toBe(200);
  expect(reply.body.model_version).toBe('2');
});
