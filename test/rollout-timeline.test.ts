// The Rollout page's data over real HTTP with real models: a canary's timeline has each step's weights, the gates'
// samples during the bake against their thresholds, the decision and its reason — for a rollback, a promotion and an
// abort; past rollouts are listed and each can be read by id; unknown ones are 404 and the OpenAPI document has them.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import { deploy, push, ROOT, startLoopServer, waitFor, type LoopServer } from './loop-harness.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');

interface GateView { name: string; metric: string; comparator: string; threshold: number; samples: { t: number; value: number | null }[]; final: { value: number | null; passed: boolean | null } | null }
interface Timeline {
  id: string;
  status: string;
  reason: string | null;
  candidate: { variant: string; model: string };
  gates: { name: string; threshold: number; comparator: string }[];
  steps: { step: number; share: number; weights: Record<string, number>; startedAt: number; endedAt: number | null; decision: string | null; reason: string | null; gates: GateView[] }[];
}
interface Summary { id: string; status: string; from: string; to: string; steps: number[] }

let loop: LoopServer;
const loads: { stop: () => Promise<void> }[] = [];

/** Closed-loop load from `clients` callers until stopped. */
function load(endpoint: string, body: () => object, clients = 3): { stop: () => Promise<void> } {
  let running = true;
  const loops = Array.from({ length: clients }, async () => {
    while (running) {
      const r = await fetch(`${loop.url}/v2/models/${endpoint}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body()) });
      await r.arrayBuffer();
    }
  });
  const handle = { stop: async () => { running = false; await Promise.all(loops.map((l) => l.catch(() => undefined))); } };
  loads.push(handle);
  return handle;
}

const lookupBody = (): object => ({ inputs: [{ name: 'idx', datatype: 'INT64', shape: [1], data: [Math.floor(Math.random() * 5)] }] });
const twinBody = (): object => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => i) }] });

async function startRollout(endpoint: string, body: object): Promise<string> {
  const r = await call<{ id: string }>(`${loop.url}/api/v1/endpoints/${endpoint}/rollouts`, 'POST', body);
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}

const timeline = async (endpoint: string, id?: string): Promise<Timeline> => {
  const r = await call<Timeline>(`${loop.url}/api/v1/endpoints/${endpoint}/${id ? `rollouts/${id}/timeline` : 'rollout/timeline'}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body;
};

const finished = (endpoint: string, status: string): Promise<Timeline> =>
  waitFor(`rollout of ${endpoint} ${status}`, async () => {
    const t = await timeline(endpoint);
    return t.status === status ? t : undefined;
  }, 30_000);

beforeAll(async () => {
  loop = await startLoopServer();
  await push(loop.url, join(FIXTURES, 'lookup_safe.onnx'), 'lookup');
  await push(loop.url, join(FIXTURES, 'lookup_short.onnx'), 'lookup');
  await deploy(loop.url, 'lookup', 'lookup:1', { instances: 1 });
  await push(loop.url, join(FIXTURES, 'twin_fast.onnx'), 'twin');
  await push(loop.url, join(FIXTURES, 'twin_fast.onnx'), 'twin');
  await deploy(loop.url, 'twin', 'twin:1', { instances: 1 });
});

afterAll(async () => {
  await Promise.all(loads.map((l) => l.stop()));
  await loop?.close();
});

describe('rollout timeline', () => {
  it('has no rollout to show before the first one', async () => {
    const r = await call<{ code: string; error: string }>(`${loop.url}/api/v1/endpoints/twin/rollout/timeline`);
    expect(r.status).toBe(404);
    expect(r.body.error).toContain('twin');
    expect((await call<unknown[]>(`${loop.url}/api/v1/endpoints/twin/rollouts`)).body).toEqual([]);
  });

  it('shows a rollback: the failing gate\'s samples over the step against its threshold, the decision and its reason', async () => {
    const traffic = load('lookup', lookupBody, 4);
    const id = await startRollout('lookup', { model: 'lookup:2', steps: [10, 50, 100], bake: '60s', gates: ['error_rate<=0.05', 'min_requests>=40'] });
    const t = await finished('lookup', 'rolled_back');
    await traffic.stop();
    expect(t.id).toBe(id);
    expect(t.candidate).toEqual({ variant: 'lookup-2', model: 'lookup:2' });
    expect(t.gates).toEqual([
      { name: 'error_rate<=0.05', metric: 'error_rate', comparator: '<=', threshold: 0.05 },
      { name: 'min_requests>=40', metric: 'min_requests', comparator: '>=', threshold: 40 },
    ]);
    expect(t.steps).toHaveLength(1);
    const [step] = t.steps;
    expect(step).toMatchObject({ step: 1, share: 10, weights: { primary: 90, 'lookup-2': 10 }, decision: 'rolled_back' });
    expect(step!.reason).toMatch(/^step 1 \(10%\): gate error_rate<=0\.05 failed: measured 0\.\d+/);
    expect(step!.endedAt!).toBeGreaterThanOrEqual(step!.startedAt);
    const errorRate = step!.gates[0]!;
    expect(errorRate.samples.length).toBeGreaterThanOrEqual(1);
    for (const s of errorRate.samples) expect(s.t).toBeGreaterThanOrEqual(step!.startedAt);
    expect(errorRate.final!.passed).toBe(false);
    expect(errorRate.final!.value!).toBeGreaterThan(0.05);
    expect(step!.gates[1]!.final!.value!).toBeGreaterThanOrEqual(40);
  });

  it('shows a promotion step by step, each with its weights and gate samples, kept in the store once finished', async () => {
    const traffic = load('twin', twinBody, 3);
    // Bakes long enough that a busy test machine still gets requests and samples into every step.
    const id = await startRollout('twin', { model: 'twin:2', steps: [20, 50, 100], bake: '3s', gates: ['error_rate<=0.01', 'min_requests>=2'] });
    // While it runs, the timeline shows the running step's samples as they come.
    const running = await waitFor('a sample of the running step', async () => {
      const now = await timeline('twin');
      return now.status === 'running' && (now.steps.at(-1)?.gates[0]?.samples.length ?? 0) > 0 ? now : undefined;
    });
    expect(running.steps.at(-1)!.decision).toBeNull();
    const t = await finished('twin', 'succeeded');
    await traffic.stop();
    expect(t.steps.map((s) => [s.step, s.share, s.decision])).toEqual([[1, 20, 'advanced'], [2, 50, 'advanced'], [3, 100, 'completed']]);
    expect(t.steps.map((s) => s.weights)).toEqual([{ primary: 80, 'twin-2': 20 }, { primary: 50, 'twin-2': 50 }, { primary: 0, 'twin-2': 100 }]);
    for (const step of t.steps) {
      // A 3 s bake sampled every 250 ms (fewer when the machine is busy).
      expect(step.gates[0]!.samples.length, `step ${step.step}`).toBeGreaterThanOrEqual(2);
      expect(step.gates[0]!.samples.every((s) => s.value === 0)).toBe(true);
      expect(step.gates[0]!.final).toEqual({ value: 0, passed: true });
      expect(step.endedAt! - step.startedAt).toBeGreaterThanOrEqual(2900);
    }
    expect(t.steps[0]!.reason).toMatch(/gates passed at 20%/);
    // Read back by id: the same timeline (finished rollouts come from the store).
    expect(await timeline('twin', id)).toEqual(t);
  });

  it('shows an abort as the decision of the running step, and lists past rollouts newest first', async () => {
    const traffic = load('twin', twinBody, 2);
    const id = await startRollout('twin', { model: 'twin:1', steps: [30, 100], bake: '60s', gates: ['error_rate<=0.01'] });
    await waitFor('a sample', async () => ((await timeline('twin')).steps[0]?.gates[0]?.samples.length ?? 0) > 0);
    const aborted = await call<{ status: string }>(`${loop.url}/api/v1/endpoints/twin/rollout/abort`, 'POST');
    expect(aborted.body.status).toBe('aborted');
    await traffic.stop();
    const t = await timeline('twin', id);
    expect(t.status).toBe('aborted');
    expect(t.steps.map((s) => [s.share, s.decision, s.reason])).toEqual([[30, 'aborted', expect.stringContaining('aborted by')]]);
    const endpoint = (await call<{ variants: { model: string; weight: number }[] }>(`${loop.url}/api/v1/endpoints/twin`)).body;
    expect(endpoint.variants).toEqual([expect.objectContaining({ model: 'twin:2', weight: 100 })]);

    const list = (await call<Summary[]>(`${loop.url}/api/v1/endpoints/twin/rollouts`)).body;
    expect(list.map((r) => [r.status, r.from, r.to])).toEqual([['aborted', 'twin:2', 'twin:1'], ['succeeded', 'twin:1', 'twin:2']]);
    expect((await call<Summary[]>(`${loop.url}/api/v1/endpoints/twin/rollouts?limit=1`)).body.map((r) => r.id)).toEqual([id]);
  });

  it('says 404 for an unknown rollout or endpoint, 400 for a bad limit, and describes the routes in the OpenAPI document', async () => {
    const lookupId = (await call<Summary[]>(`${loop.url}/api/v1/endpoints/lookup/rollouts`)).body[0]!.id;
    // A rollout of another endpoint is not this one's.
    expect((await call(`${loop.url}/api/v1/endpoints/twin/rollouts/${lookupId}/timeline`)).status).toBe(404);
    expect((await call(`${loop.url}/api/v1/endpoints/twin/rollouts/nope/timeline`)).status).toBe(404);
    expect((await call(`${loop.url}/api/v1/endpoints/ghost/rollouts`)).status).toBe(404);
    expect((await call(`${loop.url}/api/v1/endpoints/twin/rollouts?limit=0`)).status).toBe(400);
    const doc = (await call<{ paths: Record<string, { get?: { responses: Record<string, unknown> } }> }>(`${loop.url}/api/docs/json`)).body;
    for (const path of ['/api/v1/endpoints/{name}/rollouts', '/api/v1/endpoints/{name}/rollout/timeline', '/api/v1/endpoints/{name}/rollouts/{id}/timeline']) {
      expect(doc.paths[path]?.get?.responses['200'], path).toBeDefined();
    }
  });
});
