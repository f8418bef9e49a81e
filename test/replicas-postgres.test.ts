// Two separate `slipway serve` processes on one Postgres: a deploy, a loop setting and a removal made through one are
// followed by the other within a second (LISTEN/NOTIFY, the poll behind it), and the duties are held once; and
// `--workers 2` on Postgres.

import { afterAll, beforeAll, expect, it } from 'vitest';
import { DIGITS, loopStatus, setLoop, waitFor } from './loop-harness.js';
import { ask, inferDigits, untilAllAnswer } from './replica-client.js';
import { removeHome, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

// A fixed runtime: the time measured is the follow-and-swap, not `auto`'s timing of the model on load (which runs
// once per load, in every replica, and takes longer on a loaded machine).
const FIXED_DEPLOY = { model: 'digits:1', runtime: { auto: false, instances: 1 } };

let postgres: TestPostgres;
const servers: ServerProcess[] = [];
const homes = [tempHome(), tempHome()];

beforeAll(async () => {
  postgres = await startPostgres();
}, 60_000);
afterAll(async () => {
  await Promise.all(servers.map((s) => s.stop()));
  await postgres?.stop();
  for (const home of homes) removeHome(home);
});

it('follows a deploy, a loop setting and a removal made through another replica within 1 s, and holds each duty once', async () => {
  const database = await postgres.createDatabase();
  for (const home of homes) servers.push(await startServer({ home, args: ['--database', database] }));
  const [a, b] = servers as [ServerProcess, ServerProcess];
  expect((await runCli(a.url, ['push', DIGITS])).code).toBe(0);

  expect((await ask(a.url, '/api/v1/endpoints/digits', 'PUT', FIXED_DEPLOY)).status).toBe(200);
  const started = performance.now();
  await waitFor('replica B to serve the deploy', async () => (await inferDigits(b.url)).status === 200, 5000, 10);
  const took = performance.now() - started;
  expect(took).toBeLessThan(1000);

  await setLoop(a.url, 'digits', 'capture', { enabled: true, sampleRate: 1 });
  // Only B is sent requests: captures in the store are B's, so B applied the setting A stored (the bound adds the
  // capture pipeline's flush delay to the propagation).
  await waitFor('replica B to capture', async () => {
    await inferDigits(b.url);
    return (await loopStatus(b.url, 'digits')).capture.stats.records > 0;
  }, 5000, 50);

  expect((await ask(a.url, '/api/v1/endpoints/digits', 'DELETE')).status).toBeLessThan(300);
  await waitFor('replica B to drop the endpoint', async () => (await inferDigits(b.url)).status === 404, 1000, 10);

  const cluster = JSON.parse((await ask(b.url, '/api/v1/cluster')).body) as { replicas: { id: string }[]; duties: { duty: string; holder: string; live: boolean }[] };
  expect(cluster.replicas).toHaveLength(2);
  expect(cluster.duties.map((d) => d.duty)).toEqual(['monitors', 'retention', 'retraining', 'rollouts', 'webhooks']);
  expect(cluster.duties.every((d) => d.live && cluster.replicas.some((r) => r.id === d.holder))).toBe(true);
}, 90_000);

it('serves --workers 2 on Postgres: a deploy through one worker is answered by both within 1 s', async () => {
  const database = await postgres.createDatabase();
  const home = tempHome();
  homes.push(home);
  const server = await startServer({ home, args: ['--database', database, '--workers', '2'] });
  servers.push(server);
  expect((await runCli(server.url, ['push', DIGITS])).code).toBe(0);
  const ids = JSON.parse((await ask(server.url, '/api/v1/cluster')).body) as { replicas: { id: string }[] };
  expect(ids.replicas).toHaveLength(2);
  expect((await ask(server.url, '/api/v1/endpoints/digits', 'PUT', FIXED_DEPLOY)).status).toBe(200);
  expect(await untilAllAnswer(ids.replicas.map((r) => r.id), () => inferDigits(server.url), 1000)).toBeLessThan(1000);
}, 90_000);
