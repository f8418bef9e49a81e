// Cluster section, duty takeover: the holder of the rollouts duty is killed (SIGKILL: a crashed process on this host,
// which survivors notice at their next renewal) or frozen (SIGSTOP: a hung holder, or one on a host that vanished, whose
// lease must run out), and the time until another replica holds the duty in GET /api/v1/cluster is taken.

import { clusterView } from '../test/support/replica-client.js';
import type { ReplicaSet } from './cluster-replicas.js';

export type Stop = 'SIGKILL' | 'SIGSTOP';

export interface TakeoverTrial {
  how: Stop;
  ms: number;
}

const DUTY = 'rollouts';
const POLL_MS = 20;

/** Asks the survivors in turn until one shows a live holder other than `from`; ms since `t0`, bounded by `limitMs`. */
async function newHolder(from: string, survivors: ReplicaSet['replicas'], t0: number, limitMs: number): Promise<number> {
  for (let i = 0; ; i++) {
    const via = survivors[i % survivors.length]!;
    const view = await clusterView(via.server.url).catch(() => undefined);
    const elapsed = performance.now() - t0;
    const duty = view?.duties.find((d) => d.duty === DUTY);
    if (duty?.live && duty.holder !== from) return elapsed;
    if (elapsed > limitMs) throw new Error(`no other replica held ${DUTY} within ${limitMs} ms of stopping its holder ${from}: ${JSON.stringify(view)}`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/**
 * One trial: stops the duty's holder `how`, times the takeover, then brings the holder back (a killed one is started
 * again on its home; a frozen one is continued, finds its lease taken, and gives the duty up) so the set is whole again.
 */
export async function takeover(set: ReplicaSet, how: Stop, lease: { ttlMs: number; renewMs: number }): Promise<TakeoverTrial> {
  // A holder dies at any moment of the renewal period. Without this wait a trial starts in step with the survivors'
  // renewals (it follows the last takeover, seen just after one) and would measure the longest case every time.
  await new Promise((r) => setTimeout(r, Math.random() * lease.renewMs));
  const { id, replica } = await set.holder(DUTY, set.replicas[0]!);
  const survivors = set.replicas.filter((r) => r !== replica);
  const pid = replica.server.child.pid!;
  const exited = new Promise<void>((resolve) => replica.server.child.once('exit', () => resolve()));
  const t0 = performance.now();
  process.kill(pid, how);
  try {
    // Well past the longest a takeover may take: the lease's full length and one renewal, plus time for a slow machine.
    const ms = await newHolder(id, survivors, t0, 2 * (lease.ttlMs + lease.renewMs) + 5_000);
    return { how, ms };
  } finally {
    if (how === 'SIGSTOP') {
      process.kill(pid, 'SIGCONT');
      // Past its next renewal it knows the lease is gone (its own clock already says so: it acts on none meanwhile).
      await new Promise((r) => setTimeout(r, 2 * lease.renewMs));
    } else {
      await exited;
      await set.restart(replica);
    }
  }
}

/** `trials` takeovers one after another; the holder each time is whichever replica holds the duty then. */
export async function measureTakeover(set: ReplicaSet, how: Stop, lease: { ttlMs: number; renewMs: number }, trials: number, label: string): Promise<TakeoverTrial[]> {
  const out: TakeoverTrial[] = [];
  for (let i = 0; i < trials; i++) {
    const trial = await takeover(set, how, lease);
    out.push(trial);
    console.log(`[cluster] takeover ${label} #${i + 1} (${how}): ${trial.ms.toFixed(0)} ms`);
  }
  return out;
}
