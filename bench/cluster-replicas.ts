// Cluster section: replicas — separate `slipway serve` processes on one Postgres database, started as the whole-server
// tests start them (test/server-process.ts), each on a home of its own so that one killed starts again on its own
// artifact cache; and which of them holds a duty.

import { removeHome, startServer, tempHome, type ServerProcess } from '../test/server-process.js';
import { ask, clusterView } from '../test/support/replica-client.js';
import type { Duty } from '../src/duty-leases.js';

export interface Replica {
  home: string;
  server: ServerProcess;
}

const START_LIMIT_MS = 60_000;
const STOP_LIMIT_MS = 10_000;

/** Waits (bounded) until the replica reports ready. */
async function ready(server: ServerProcess): Promise<void> {
  const deadline = Date.now() + START_LIMIT_MS;
  while ((await ask(server.url, '/v2/health/ready')).status !== 200) {
    if (Date.now() > deadline) throw new Error(`replica at ${server.url} not ready within ${START_LIMIT_MS} ms:\n${server.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** SIGTERM, then SIGKILL if it has not exited within STOP_LIMIT_MS; by the child's PID. */
async function stopBounded(server: ServerProcess): Promise<void> {
  const stopped = server.stop('SIGTERM');
  const late = await Promise.race([stopped.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), STOP_LIMIT_MS).unref())]);
  if (late) await server.stop('SIGKILL');
}

export class ReplicaSet {
  private constructor(
    private readonly args: string[],
    private readonly env: NodeJS.ProcessEnv,
    readonly replicas: Replica[],
  ) {}

  /** `count` replicas on `database`, started together (Postgres applies the migrations once, under a lock). */
  static async start(database: string, count: number, env: NodeJS.ProcessEnv): Promise<ReplicaSet> {
    const args = ['--database', database];
    const homes = Array.from({ length: count }, () => tempHome());
    const started = await Promise.allSettled(homes.map((home) => startServer({ home, args, env })));
    const replicas = started.flatMap((s, i) => (s.status === 'fulfilled' ? [{ home: homes[i]!, server: s.value }] : []));
    const set = new ReplicaSet(args, env, replicas);
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await set.stop();
      for (const home of homes) removeHome(home);
      throw failed.reason instanceof Error ? failed.reason : new Error(String(failed.reason));
    }
    await Promise.all(replicas.map((r) => ready(r.server)));
    return set;
  }

  /** Starts a replica that was killed again, on its home, and waits until it is ready. */
  async restart(replica: Replica): Promise<void> {
    replica.server = await startServer({ home: replica.home, args: this.args, env: this.env });
    await ready(replica.server);
  }

  /** The duty's holder as the store has it (asked of `via`), and which of ours it is. */
  async holder(duty: Duty, via: Replica): Promise<{ id: string; replica: Replica }> {
    const view = await clusterView(via.server.url);
    const id = view.duties.find((d) => d.duty === duty && d.live)?.holder;
    const pid = view.replicas.find((r) => r.id === id)?.pid;
    const replica = this.replicas.find((r) => r.server.child.pid === pid);
    if (id === undefined || replica === undefined) throw new Error(`no live holder of ${duty} among this set's replicas: ${JSON.stringify(view)}`);
    return { id, replica };
  }

  async stop(): Promise<void> {
    await Promise.all(this.replicas.map((r) => stopBounded(r.server)));
    for (const r of this.replicas) removeHome(r.home);
  }
}
