// Two replicas on one store: the replica that does not hold the rollout duty shows the gate samples the ticking one
// saves while a step runs, so the Rollout page reads the same timeline whichever replica answers.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app.js';
import { startServer } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { call } from './http.js';
import { deploy, push, ROOT, waitFor } from './loop-harness.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');
const home = mkdtempSync(join(tmpdir(), 'slipway-replicas-'));
const replicas: RunningServer[] = [];
let running = true;
let traffic: Promise<void>[] = [];

interface Timeline { status: string; steps: { decision: string | null; gates: { samples: { t: number }[] }[] }[] }

async function replica(): Promise<RunningServer> {
  const server = await startServer(loadConfig({ home, port: 0, grpcPort: 0, logLevel: 'error' }, {}, home));
  await server.restored;
  replicas.push(server);
  return server;
}

beforeAll(async () => {
  const a = await replica();
  await push(a.url, join(FIXTURES, 'twin_fast.onnx'), 'twin');
  await push(a.url, join(FIXTURES, 'twin_fast.onnx'), 'twin');
  await deploy(a.url, 'twin', 'twin:1', { instances: 1 });
  await replica();
});

afterAll(async () => {
  running = false;
  await Promise.all(traffic.map((t) => t.catch(() => undefined)));
  for (const r of replicas) await r.close();
  rmSync(home, { recursive: true, force: true });
});

describe('rollout timeline across replicas', () => {
  it('shows the running step\'s saved samples through the replica that does not tick', async () => {
    const ids = await Promise.all(replicas.map(async (r) => (await fetch(`${r.url}/api/v1/cluster`)).headers.get('x-slipway-replica')));
    const cluster = (await call<{ duties: { duty: string; holder: string }[] }>(`${replicas[0]!.url}/api/v1/cluster`)).body;
    const holder = cluster.duties.find((d) => d.duty === 'rollouts')!.holder;
    const follower = replicas[ids.findIndex((id) => id !== holder)]!;
    expect(ids).toContain(holder);
    // Traffic through both replicas: each serves its share of the canary.
    traffic = replicas.map(async (r) => {
      while (running) {
        const res = await fetch(`${r.url}/v2/models/twin/infer`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => i) }] }),
        }).catch(() => undefined);
        await res?.arrayBuffer();
      }
    });
    const started = await call<{ id: string }>(`${follower.url}/api/v1/endpoints/twin/rollouts`, 'POST', { model: 'twin:2', steps: [50, 100], bake: '60s', gates: ['error_rate<=0.01'] });
    expect(started.status, JSON.stringify(started.body)).toBe(201);
    // Samples are saved at least every 5 s while a step runs; the follower reads them from the store.
    const seen = await waitFor('saved samples on the follower', async () => {
      const t = (await call<Timeline>(`${follower.url}/api/v1/endpoints/twin/rollout/timeline`)).body;
      return t.status === 'running' && (t.steps[0]?.gates[0]?.samples.length ?? 0) >= 2 ? t : undefined;
    }, 20_000, 250);
    expect(seen.steps[0]!.decision).toBeNull();
    const aborted = await call<{ status: string }>(`${follower.url}/api/v1/endpoints/twin/rollout/abort`, 'POST');
    expect(aborted.body.status).toBe('aborted');
    const done = await waitFor('the abort on both replicas', async () => {
      const both = await Promise.all(replicas.map(async (r) => (await call<Timeline>(`${r.url}/api/v1/endpoints/twin/rollouts/${started.body.id}/timeline`)).body));
      return both.every((t) => t.status === 'aborted') ? both : undefined;
    });
    for (const t of done) expect(t.steps.map((s) => s.decision)).toEqual(['aborted']);
  });
});
