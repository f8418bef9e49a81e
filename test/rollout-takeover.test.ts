// A rollout step is applied once even when the duty holder that stored the step's spec died before saving the step:
// the holder that goes on finds the spec already stored and saves the step without applying (and recording) it again.

import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { specFor } from '../src/rollout/rollout-machine.js';
import { startLoopServer, waitFor, type LoopServer } from './loop-harness.js';
import { ROOT, runCli } from './server-process.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');
let s: LoopServer;

beforeAll(async () => {
  s = await startLoopServer();
}, 60_000);
afterAll(async () => s?.close());

async function cli(...args: string[]): Promise<void> {
  const r = await runCli(s.url, args);
  if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
}

it('records a step once when its spec was stored by a holder that died before saving the step', async () => {
  await cli('push', join(FIXTURES, 'lookup_safe.onnx'), '--name', 'lookup');
  await cli('push', join(FIXTURES, 'lookup_safe.onnx'), '--name', 'lookup');
  await cli('deploy', 'lookup', '--model', 'lookup:1');
  let running = true;
  const traffic = (async () => {
    const end = Date.now() + 60_000;
    while (running && Date.now() < end) {
      const body = JSON.stringify({ inputs: [{ name: 'idx', datatype: 'INT64', shape: [1], data: [1] }] });
      await fetch(`${s.url}/v2/models/lookup/infer`, { method: 'POST', body, headers: { 'content-type': 'application/json' } }).then((r) => r.text(), () => '');
    }
  })();
  try {
    await cli('rollout', 'lookup', '--to', 'lookup:2', '--steps', '20,50,100', '--bake', '8s', '--gate', 'min_requests>=1', '--force', '--reason', 'test');
    const state = (await s.server.store.latestRollout('lookup'))!;
    // Written well within the first step's bake (8 s), before the holder itself would advance.
    expect(state.stepIndex).toBe(0);
    // What a holder killed between its two writes leaves: the next step's spec and event stored, the step not saved.
    await s.server.store.putEndpoint(specFor({ ...state, stepIndex: 1 }), {
      actor: 'slipway', reason: `rollout ${state.id}: gates passed at 20%: min_requests=1; now 50%`, details: { rollout: state.id, step: 2, share: 50 },
    });
    await waitFor('the next step', async () => {
      const now = (await s.server.store.latestRollout('lookup'))!;
      if (now.status !== 'running') throw new Error(`rollout ended: ${now.status}: ${now.reason}`);
      return now.stepIndex >= 1 ? true : undefined;
    }, 30_000, 50);
    const events = (await s.server.store.endpointEvents('lookup')).filter((e) => (e.details as { rollout?: string } | null)?.rollout === state.id);
    expect(events.filter((e) => e.reason?.includes('now 50%')), JSON.stringify(events.map((e) => [e.action, e.reason, e.spec]))).toHaveLength(1);
    expect((await s.server.store.getEndpoint('lookup'))!.spec.variants.map((v) => v.weight).sort()).toEqual([50, 50]);
  } finally {
    running = false;
    await traffic;
  }
}, 90_000);
