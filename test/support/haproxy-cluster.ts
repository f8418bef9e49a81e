// A cluster for whole-system tests: N real `slipway serve` replicas on one throwaway Postgres behind a real HAProxy, each
// replica restartable on its own home and port, and closed-loop load through the balancer that counts what came back.

import { removeHome, startServer, tempHome, type ServerProcess } from '../server-process.js';
import { freePort } from './free-port.js';
import { haproxyBinary, startHaproxy, type TestHaproxy } from './haproxy.js';
import { startPostgres, type TestPostgres } from './postgres.js';

export interface ClusterReplica {
  home: string;
  port: number;
  server: ServerProcess;
}

export interface Load {
  ok: number;
  failed: number;
  statuses: Map<number, number>;
  /** Answers per replica (x-slipway-replica). */
  replicas: Map<string, number>;
  /** The request id of every 200 answer (the body's "id"), in the order they came. */
  ids: string[];
  /** The first body seen of each status other than 200 (what went wrong, for the failure message). */
  samples: Map<number, string>;
  /** Resolves when every caller has stopped (by itself at a bound, or through stop). */
  done: Promise<void>;
  /** Stops the callers and waits for the requests in flight. */
  stop(): Promise<void>;
}

export interface LoadOptions {
  /** Concurrent callers, each sending its next request when the last one is answered. */
  clients?: number;
  /** Stops by itself after this long. */
  maxMs?: number;
  /** Stops by itself after this many requests were sent. */
  maxRequests?: number;
}

export interface TestCluster {
  postgres: TestPostgres;
  database: string;
  replicas: ClusterReplica[];
  proxy: TestHaproxy;
  /** Starts (again) the replica's server on its home and port. */
  start(replica: ClusterReplica): Promise<ServerProcess>;
  /** Closed-loop load through the balancer: `body(n)` is the n-th request's body (n counts from 0 over every caller). */
  load(endpoint: string, body: (n: number) => object, options?: LoadOptions): Load;
  /** Stops the loads, the balancer, the replicas and Postgres (each by its PID), and removes their files. */
  stop(): Promise<void>;
}

/**
 * Starts Postgres, `count` replicas on it (all at once: Postgres applies the migrations under an advisory lock, once)
 * with `env`, and HAProxy over them. Throws if haproxy is not installed: the caller's test is about it.
 */
export async function startCluster(count: number, env: NodeJS.ProcessEnv): Promise<TestCluster> {
  if (!haproxyBinary()) throw new Error('haproxy is not installed (Debian/Ubuntu: apt-get install haproxy)');
  const postgres = await startPostgres();
  const replicas: ClusterReplica[] = [];
  const loads: Load[] = [];
  let proxy: TestHaproxy | undefined;
  const stop = async (): Promise<void> => {
    await Promise.all(loads.map((l) => l.stop()));
    await proxy?.stop();
    await Promise.all(replicas.map((r) => r.server.stop()));
    await postgres.stop();
    for (const r of replicas) removeHome(r.home);
  };
  try {
    const database = await postgres.createDatabase();
    const start = (r: Pick<ClusterReplica, 'home' | 'port'>): Promise<ServerProcess> =>
      startServer({ home: r.home, args: ['--database', database, '--port', String(r.port)], env });
    const started = await Promise.allSettled(Array.from({ length: count }, async () => {
      const home = tempHome();
      const port = await freePort();
      const replica = { home, port, server: await start({ home, port }) };
      replicas.push(replica);
      return replica;
    }));
    const failure = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    proxy = await startHaproxy(replicas.map((r) => `127.0.0.1:${r.port}`));
    const url = proxy.url;
    return {
      postgres, database, replicas, proxy, stop,
      start: async (replica) => (replica.server = await start(replica)),
      load: (endpoint, body, options = {}) => {
        const load = closedLoad(`${url}/v2/models/${endpoint}/infer`, body, options);
        loads.push(load);
        return load;
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

function closedLoad(inferUrl: string, body: (n: number) => object, options: LoadOptions): Load {
  const { clients = 4, maxMs = 60_000, maxRequests = Infinity } = options;
  let running = true;
  let sent = 0;
  const end = Date.now() + maxMs;
  const result: Load = { ok: 0, failed: 0, statuses: new Map(), replicas: new Map(), ids: [], samples: new Map(), done: Promise.resolve(), stop: async () => undefined };
  const loop = async (): Promise<void> => {
    while (running && Date.now() < end && sent < maxRequests) {
      const payload = JSON.stringify(body(sent++));
      let status = 0;
      try {
        const r = await fetch(inferUrl, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } });
        const text = await r.text();
        status = r.status;
        const replica = r.headers.get('x-slipway-replica') ?? '';
        if (status === 200) result.ids.push((JSON.parse(text) as { id: string }).id);
        else if (!result.samples.has(status)) result.samples.set(status, `${replica || 'balancer'}: ${text.slice(0, 300)}`);
        result.replicas.set(replica, (result.replicas.get(replica) ?? 0) + 1);
      } catch {
        status = 0;
      }
      result.statuses.set(status, (result.statuses.get(status) ?? 0) + 1);
      if (status === 200) result.ok++;
      else result.failed++;
    }
  };
  const loops = Array.from({ length: clients }, loop);
  result.done = Promise.all(loops).then(() => undefined);
  result.stop = async () => {
    running = false;
    await result.done;
  };
  return result;
}
