// Calls that open a fresh connection each time, so that the cluster module's round robin (or any balancer) spreads
// them over the replicas, and that report which replica answered (x-slipway-replica).

import { request } from 'node:http';
import { DIGITS, golden, rowsRequest } from './loop-harness.js';

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

const ROWS = golden(DIGITS, 'label').rows.slice(0, 1);

/** One digits inference on a fresh connection. */
export function inferDigits(url: string, endpoint = 'digits'): Promise<ReplicaReply> {
  return ask(url, `/v2/models/${endpoint}/infer`, 'POST', rowsRequest(ROWS));
}

/** Replicas the store lists as alive, by id with their pid. */
export async function replicas(url: string): Promise<{ id: string; pid: number }[]> {
  const r = await ask(url, '/api/v1/cluster');
  return (JSON.parse(r.body) as { replicas: { id: string; pid: number }[] }).replicas;
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
