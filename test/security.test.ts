// Safe defaults: loopback by default, an admin token guards the management API, other addresses need one.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from './http.js';
import { CLI, removeHome, ROOT, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';

let server: ServerProcess;
const TOKEN = 's3cret-token';

beforeAll(async () => {
  server = await startServer({ args: ['--admin-token', TOKEN] });
});
afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
});

it('the management API needs the token; inference and health do not', async () => {
  const anonymous = await call<{ error: string }>(`${server.url}/api/v1/models`);
  expect(anonymous.status).toBe(401);
  expect(anonymous.body.error).toMatch(/needs a token/);
  expect((await call(`${server.url}/api/v1/models`, 'GET', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
  expect((await call(`${server.url}/api/v1/models`, 'GET', undefined, { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
  const denied = await runCli(server.url, ['push', join(ROOT, 'examples', 'digits')]);
  expect(denied.code).toBe(1);
  expect(denied.stderr).toMatch(/401/);
  expect((await runCli(server.url, ['--token', TOKEN, 'push', join(ROOT, 'examples', 'digits')])).code).toBe(0);
  expect((await runCli(server.url, ['deploy', 'digits', '--model', 'digits:1'], { SLIPWAY_TOKEN: TOKEN })).code).toBe(0);
  expect((await call(`${server.url}/v2/health/ready`)).status).toBe(200);
  const reply = await call(`${server.url}/v2/models/digits/infer`, 'POST', {
    inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array(64).fill(0) }],
  });
  expect(reply.status).toBe(200);
});

it('serves the OpenAPI document of the management API', async () => {
  const doc = await call<{ openapi: string; paths: Record<string, unknown> }>(`${server.url}/api/docs/json`);
  expect(doc.status).toBe(200);
  expect(doc.body.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/models', '/api/v1/endpoints/{name}', '/api/v1/models/{name}/aliases/{alias}']));
  expect((await fetch(`${server.url}/api/docs`)).status).toBe(200);
});

it('refuses a non-loopback address without a token, and says how to proceed', () => {
  const home = tempHome();
  const r = spawnSync(process.execPath, [CLI, 'serve', '--host', '0.0.0.0', '--port', '0', '--home', home], {
    encoding: 'utf8',
    env: { ...process.env, SLIPWAY_ADMIN_TOKEN: '' },
    timeout: 20_000,
  });
  removeHome(home);
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/refusing to listen on 0.0.0.0 without an admin token.*SLIPWAY_ADMIN_TOKEN.*--insecure/s);
});

it('rejects an invalid configuration with the setting named', () => {
  const r = spawnSync(process.execPath, [CLI, 'serve', '--port', '99999'], { encoding: 'utf8', timeout: 20_000, cwd: tempHome() });
  expect(r.status).toBe(1);
  expect(r.stderr).toMatch(/port: expected an integer from 0 to 65535, got 99999/);
});

it('says what to do when its port is taken', () => {
  const port = new URL(server.url).port;
  const home = tempHome();
  const r = spawnSync(process.execPath, [CLI, 'serve', '--port', port, '--grpc-port', '0', '--home', home], { encoding: 'utf8', timeout: 20_000 });
  removeHome(home);
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(`127.0.0.1:${port} is already in use (another Slipway or Triton?): stop it, or pick another port with --port / SLIPWAY_PORT`);
});
