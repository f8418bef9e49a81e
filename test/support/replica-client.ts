// Calls to one replica of a cluster that open a fresh connection each time, so that the cluster module's round robin
// (or any balancer) spreads them over the replicas, and that report which replica answered (x-slipway-replica); and
// the cluster's own view (GET /api/v1/cluster). Shared by the whole-server tests and the bench's cluster section.

import { request } from 'node:http';

export interface ReplicaReply {
  status: number;
  /** The replica that answered; undefined when the connection failed. */
  replica: string | undefined;
  body: string;
}

export function ask(url: string, path: string, method = 'GET', body?: object): Promise<ReplicaReply> {
  return new Promise((resolve) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = request(`${url}${path}`, {
      method, agent: false, headers: data === undefined ? {} : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
    }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, replica: res.headers['x-slipway-replica'] as string | undefined, body: text }));
      res.on('error', () => resolve({ status: 0, replica: undefined, body: '' }));
    });
    req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
    req.on('error', () => resolve({ status: 0, replica: undefined, body: '' }));
    req.end(data);
  });
}

/** GET /api/v1/cluster as it answers: the living replicas, and each duty's holder with whether its lease is live. */
export interface ClusterBody {
  self: string;
  replicas: { id: string; pid: number; revisions: Record<string, number> }[];
  duties: { duty: string; holder: string; live: boolean }[];
}

export async function clusterView(url: string): Promise<ClusterBody> {
  const r = await ask(url, '/api/v1/cluster');
  if (r.status !== 200) throw new Error(`GET /api/v1/cluster answered ${r.status}: ${r.body.slice(0, 200)}`);
  return JSON.parse(r.body) as ClusterBody;
}

/** Replicas the store lists as alive, by id with their pid. */
export async function replicas(url: string): Promise<{ id: string; pid: number }[]> {
  return (await clusterView(url)).replicas;
}

/** Asks until every replica in `ids` has answered `path` with 200; resolves with the milliseconds that took. */
export async function untilAllAnswer(ids: string[], ask200: () => Promise<ReplicaReply>, limitMs: number): Promise<number> {
  const started = performance.now();
  const answered = new Set<string>();
  while (performance.now() - started < limitMs) {
    const r = await ask200();
    if (r.status === 200 && r.replica) answered.add(r.replica);
    if (ids.every((id) => answered.has(id))) return performance.now() - started;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`within ${limitMs} ms only ${[...answered].join(', ') || 'no replica'} of ${ids.join(', ')} answered 200`);
}
