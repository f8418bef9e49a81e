// Tokens across replicas: two `slipway serve` processes on one Postgres. A token created through one works through
// the other; revoked through one, it is refused by the other's management API at the next request (read from the
// store) and by its inference within a second, although inference had cached it (the tokens change counter, NOTIFY).

import { afterAll, beforeAll, expect, it } from 'vitest';
import { call } from './http.js';
import { DIGITS, waitFor } from './loop-harness.js';
import { removeHome, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

const ADMIN = 'replica-admin-secret';
let postgres: TestPostgres;
const servers: ServerProcess[] = [];
const homes = [tempHome(), tempHome()];
const bearer = (secret: string): Record<string, string> => ({ authorization: `Bearer ${secret}` });
const body = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array(64).fill(0) }] };

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await postgres?.stop();
  for (const home of homes) removeHome(home);
});

it('refuses a token revoked through another replica: management at once, cached inference within 1 s', async () => {
  const database = await postgres.createDatabase();
  for (const home of homes) servers.push(await startServer({ home, args: ['--database', database, '--require-infer-token', '--admin-token', ADMIN] }));
  const [a, b] = servers as [ServerProcess, ServerProcess];
  expect((await runCli(a.url, ['push', DIGITS], { SLIPWAY_TOKEN: ADMIN })).code).toBe(0);
  const deploy = await call(`${a.url}/api/v1/endpoints/digits`, 'PUT', { model: 'digits:1', runtime: { auto: false, instances: 1 } }, bearer(ADMIN));
  expect(deploy.status).toBe(200);
  const make = async (name: string, scope: string): Promise<string> => {
    const reply = await call<{ secret: string }>(`${a.url}/api/v1/tokens`, 'POST', { name, scope }, bearer(ADMIN));
    expect(reply.status).toBe(201);
    return reply.body.secret;
  };
  const reader = await make('reader', 'read');
  const app = await make('app', 'infer');
  expect((await call(`${b.url}/api/v1/models`, 'GET', undefined, bearer(reader))).status).toBe(200);
  await waitFor('replica B to serve digits', async () => (await call(`${b.url}/v2/models/digits/infer`, 'POST', body, bearer(app))).status === 200, 10_000, 50);
  expect((await call(`${b.url}/v2/models/digits/infer`, 'POST', body, bearer(app))).status).toBe(200);

  expect((await call(`${a.url}/api/v1/tokens/reader`, 'DELETE', undefined, bearer(ADMIN))).status).toBe(200);
  expect((await call(`${b.url}/api/v1/models`, 'GET', undefined, bearer(reader))).status).toBe(401);

  expect((await call(`${a.url}/api/v1/tokens/app`, 'DELETE', undefined, bearer(ADMIN))).status).toBe(200);
  const started = performance.now();
  await waitFor('replica B to refuse the revoked token', async () => (await call(`${b.url}/v2/models/digits/infer`, 'POST', body, bearer(app))).status === 401, 5000, 10);
  expect(performance.now() - started).toBeLessThan(1000);

  // One audit trail for the cluster: what B refused is read through A.
  const audit = await call<{ actor: string; action: string; outcome: string }[]>(`${a.url}/api/v1/audit?limit=100`, 'GET', undefined, bearer(ADMIN));
  expect(audit.body).toContainEqual(expect.objectContaining({ action: 'GET /api/v1/models', outcome: 'unauthenticated' }));
  expect(audit.body).toContainEqual(expect.objectContaining({ actor: 'admin', action: 'token.revoke', outcome: 'ok' }));
}, 120_000);
