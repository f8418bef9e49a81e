// Asking every worker of `serve --workers` one question through the primary, for views that must cover the whole
// server (the dashboard's series): a worker asks, the primary forwards to each serving worker (the asker too), collects
// the answers and hands them back. Workers that do not answer in time are left out rather than waited for.

import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';

interface GatherRequest { type: 'slipway-gather-req'; id: string; kind: string; question: unknown }
interface GatherAsk { type: 'slipway-gather-ask'; id: string; kind: string; question: unknown }
interface GatherAnswer { type: 'slipway-gather-ans'; id: string; answer?: unknown }
interface GatherReply { type: 'slipway-gather-res'; id: string; answers: unknown[] }

/** How long the primary waits for the workers' answers, and a worker for the primary's reply. */
const GATHER_TIMEOUT_MS = 2_000;

function isMessage<T extends { type: string }>(message: unknown, type: T['type']): message is T {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === type;
}

/** In the primary: answers gathers among `workers()` (the workers that serve). */
export function routeGathers(workers: () => Worker[], timeoutMs = GATHER_TIMEOUT_MS): void {
  const pending = new Map<string, { answers: unknown[]; left: number; done: () => void }>();
  cluster.on('message', (from, message: unknown) => {
    if (isMessage<GatherAnswer>(message, 'slipway-gather-ans')) {
      const gather = pending.get(message.id);
      if (!gather) return;
      if (message.answer !== undefined) gather.answers.push(message.answer);
      if (--gather.left === 0) gather.done();
      return;
    }
    if (!isMessage<GatherRequest>(message, 'slipway-gather-req')) return;
    const asked = workers().filter((w) => w.isConnected());
    const id = randomUUID();
    const answers: unknown[] = [];
    const done = (): void => {
      clearTimeout(timer);
      pending.delete(id);
      const reply: GatherReply = { type: 'slipway-gather-res', id: message.id, answers };
      if (from.isConnected()) from.send(reply);
    };
    const timer = setTimeout(done, timeoutMs);
    pending.set(id, { answers, left: asked.length, done });
    if (asked.length === 0) done();
    const ask: GatherAsk = { type: 'slipway-gather-ask', id, kind: message.kind, question: message.question };
    for (const w of asked) w.send(ask);
  });
}

/**
 * In a worker: answers `kind` questions with `answer`, and returns how to ask them of every worker. Without a primary
 * that answers (no IPC, or none in time) the result is this worker's answer alone.
 */
export function workerGather<Q, A>(kind: string, answer: (question: Q) => A): (question: Q) => Promise<A[]> {
  const waiting = new Map<string, (answers: A[]) => void>();
  process.on('message', (message: unknown) => {
    if (isMessage<GatherReply>(message, 'slipway-gather-res')) {
      waiting.get(message.id)?.(message.answers as A[]);
      return;
    }
    if (!isMessage<GatherAsk>(message, 'slipway-gather-ask') || message.kind !== kind) return;
    let reply: GatherAnswer;
    try {
      reply = { type: 'slipway-gather-ans', id: message.id, answer: answer(message.question as Q) };
    } catch {
      // The asker gets the others' answers; this one's failure is the asker's to see in its own answer.
      reply = { type: 'slipway-gather-ans', id: message.id };
    }
    process.send?.(reply);
  });
  return (question) =>
    new Promise<A[]>((resolve) => {
      if (!process.send) {
        resolve([answer(question)]);
        return;
      }
      const id = randomUUID();
      const finish = (answers: A[]): void => {
        clearTimeout(timer);
        waiting.delete(id);
        resolve(answers.length > 0 ? answers : [answer(question)]);
      };
      const timer = setTimeout(() => finish([]), GATHER_TIMEOUT_MS + 500);
      waiting.set(id, finish);
      const request: GatherRequest = { type: 'slipway-gather-req', id, kind, question };
      process.send(request);
    });
}
