// Cluster section, propagation: a spec change made through one replica (a deploy alternating digits:1 and digits:2),
// timed until every other replica answers inference with the new version — from sending the deploy, and from the
// deploying replica's answer (which comes once it serves the change itself).

import { ask } from '../test/support/replica-client.js';
import { CLUSTER_RUNTIME, ENDPOINT } from './cluster-digits.js';
import type { Replica, ReplicaSet } from './cluster-replicas.js';
import type { TabularFixture } from './tabular-fixture.js';

/** A trial that takes longer than this has failed. */
const LIMIT_MS = 10_000;
const POLL_MS = 5;

export interface PropagationTrial {
  /** Index of the replica the deploy went through. */
  via: number;
  model: string;
  /** Until the deploying replica answered the deploy. */
  deployMs: number;
  /** Until each other replica answered with the new version, from sending the deploy. */
  followersMs: number[];
}

/** Asks the replica (a fresh connection each time) until it answers with `version`; ms since `t0`. */
async function servesVersion(replica: Replica, version: string, body: object, t0: number): Promise<number> {
  for (;;) {
    const r = await ask(replica.server.url, `/v2/models/${ENDPOINT}/infer`, 'POST', body);
    const elapsed = performance.now() - t0;
    if (r.status === 200 && (JSON.parse(r.body) as { model_version?: string }).model_version === version) return elapsed;
    if (elapsed > LIMIT_MS) throw new Error(`replica at ${replica.server.url} did not serve ${ENDPOINT} version ${version} within ${LIMIT_MS} ms (last: HTTP ${r.status} ${r.body.slice(0, 200)})`);
    await new Promise((res) => setTimeout(res, POLL_MS));
  }
}

/** `trials` deploys through each replica in turn, alternating two versions; `models` are their refs (digits:1, digits:2). */
export async function measurePropagation(set: ReplicaSet, models: [string, string], fixture: TabularFixture, trials: number): Promise<PropagationTrial[]> {
  const body = JSON.parse(fixture.body) as object;
  const out: PropagationTrial[] = [];
  for (let i = 0; i < trials; i++) {
    const via = i % set.replicas.length;
    const deployer = set.replicas[via]!;
    // The endpoint serves models[0] before the first trial.
    const model = models[(i + 1) % 2]!;
    const version = model.slice(model.lastIndexOf(':') + 1);
    const t0 = performance.now();
    const followers = set.replicas.filter((r) => r !== deployer).map((r) => servesVersion(r, version, body, t0));
    const deployed = await ask(deployer.server.url, `/api/v1/endpoints/${ENDPOINT}`, 'PUT', { model, runtime: CLUSTER_RUNTIME });
    const deployMs = performance.now() - t0;
    if (deployed.status !== 200) throw new Error(`deploy of ${model} through replica ${via}: HTTP ${deployed.status}: ${deployed.body.slice(0, 300)}`);
    const trial = { via, model, deployMs, followersMs: await Promise.all(followers) };
    out.push(trial);
    console.log(`[cluster] propagation #${i + 1}: ${model} through replica ${via + 1} answered in ${deployMs.toFixed(0)} ms; others served it at ${trial.followersMs.map((v) => v.toFixed(0)).join(', ')} ms`);
  }
  return out;
}
