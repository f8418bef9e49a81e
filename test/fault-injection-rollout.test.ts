// kill -9 of the server during a rollout — between a start's two writes, mid-bake, and between a step's spec and its
// stored state: after the restart the rollout resumes at a stated step whose spec the endpoint serves (no step taken
// twice, none lost, none stuck) and runs to its end. Each restart is the next scenario's server.

import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { checkEndpoint, killWhenPaused, startPausing, waitUntil } from './fault-harness.js';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';

const DIGITS = join(ROOT, 'examples', 'digits');
const home = tempHome();
let server: ServerProcess | undefined;

interface RolloutView {
  id: string;
  status: string;
  stepIndex: number;
}

beforeAll(async () => {
  server = await startPausing(home, 'rollout:start-between-writes');
  for (let i = 0; i < 2; i++) expect((await runCli(server.url, ['push', DIGITS])).code).toBe(0);
  expect((await runCli(server.url, ['deploy', 'digits', '--model', 'digits:1'])).code).toBe(0);
});

afterAll(async () => {
  await server?.stop('SIGKILL');
  removeHome(home);
});

function startRollout(url: string, model: string, bake: string): Promise<{ status: number; body: RolloutView }> {
  return call<RolloutView>(`${url}/api/v1/endpoints/digits/rollouts`, 'POST', { model, steps: [50, 100], bake, gates: [] });
}

async function rolloutOf(url: string): Promise<RolloutView> {
  return (await call<RolloutView>(`${url}/api/v1/endpoints/digits/rollout`)).body;
}

let firstId = '';

it('a start killed between storing the rollout and applying its spec resumes the rollout at its first step', async () => {
  void startRollout(server!.url, 'digits:2', '10m').catch(() => undefined);
  await killWhenPaused(server!, 'rollout:start-between-writes');

  server = await startServer({ home });
  const resumed = await rolloutOf(server.url);
  expect(resumed).toMatchObject({ status: 'running', stepIndex: 0 });
  firstId = resumed.id;
  expect(await checkEndpoint(server.url, 'digits')).toEqual(['primary=digits:1@50', 'digits-2=digits:2@50']);
});

it('a rollout killed mid-bake resumes at the same step with the same weights', async () => {
  await server!.stop('SIGKILL');
  // Its first transition (the abort below) goes through; the second is where it stops.
  server = await startPausing(home, 'rollout:step-between-writes', 2);
  expect(await rolloutOf(server.url)).toMatchObject({ id: firstId, status: 'running', stepIndex: 0 });
  expect(await checkEndpoint(server.url, 'digits')).toEqual(['primary=digits:1@50', 'digits-2=digits:2@50']);
  expect((await call(`${server.url}/api/v1/endpoints/digits/rollout/abort`, 'POST', {})).status).toBe(200);
  expect(await checkEndpoint(server.url, 'digits')).toEqual(['primary=digits:1@100']);
});

it('a step killed between applying its spec and storing its state resumes the stored step, then advances once per step', async () => {
  const started = await startRollout(server!.url, 'digits:2', '1s');
  expect(started.status).toBe(201);
  await killWhenPaused(server!, 'rollout:step-between-writes'); // the tick to 100% applied its spec, then the kill

  server = await startServer({ home });
  // The stored state said step 1 (50%): restore serves that step again, as a stated resume in the history.
  expect(await rolloutOf(server.url)).toMatchObject({ id: started.body.id, status: 'running', stepIndex: 0 });
  await waitUntil(async () => (await rolloutOf(server!.url)).status !== 'running', 'the resumed rollout to finish', 30_000);
  expect(await rolloutOf(server.url)).toMatchObject({ id: started.body.id, status: 'succeeded' });
  expect(await checkEndpoint(server.url, 'digits')).toEqual(['digits-2=digits:2@100']);
  const history = (await call<{ reason: string | null }[]>(`${server.url}/api/v1/endpoints/digits/history`)).body;
  const reasons = history.map((e) => e.reason ?? '').filter((r) => r.includes(started.body.id));
  // started; advanced (killed before its state was stored); resumed at step 1; advanced; completed — each once.
  expect(reasons).toHaveLength(5);
  expect(reasons[0]).toMatch(/started/);
  expect(reasons[1]).toMatch(/now 100%/);
  expect(reasons[2]).toMatch(/resumed after a restart/);
  expect(reasons[3]).toMatch(/now 100%/);
  expect(reasons[4]).toMatch(/all steps passed/);
});
