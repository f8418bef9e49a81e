// `slipway serve` with more than one worker (by default one per core): the primary process that only supervises —
// forks N server processes that share the HTTP and gRPC ports (Node's cluster module), replaces one that dies, and
// forwards SIGTERM/SIGINT for a graceful drain.

import cluster, { type Worker } from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';
import { routeGathers } from './worker-gather.js';

/** What a worker tells the primary once it serves (after its stored endpoints are loaded). */
export interface WorkerReady {
  type: 'slipway-ready';
  url: string;
  grpcUrl: string;
  /** What the first worker says of the examples it pushed (serve --examples), for the primary to print. */
  banner?: string;
}

/** Where the primary says what it does: progress (info) apart from what went wrong (warn). */
export interface SupervisorLog {
  info(message: string): void;
  warn(message: string): void;
}

/** Set in a worker's environment: its number (1…N), and whether it may remove unfinished uploads at start. */
export const WORKER_INDEX_ENV = 'SLIPWAY_WORKER_INDEX';
export const WORKER_RECOVERS_ENV = 'SLIPWAY_WORKER_RECOVERS';

/** A worker that dies sooner than this after it started is not replaced at once (a crash loop backs off). */
const QUICK_DEATH_MS = 5_000;
const BACKOFF_MS = 1_000;

function isReady(message: unknown): message is WorkerReady {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'slipway-ready';
}

/**
 * Forks the first worker alone (it migrates the store and cleans up after an earlier crash), then the others, and
 * resolves with the first worker's addresses once all N serve. A worker that exits before it serves fails the start.
 */
export async function superviseWorkers(count: number, log: SupervisorLog): Promise<WorkerReady> {
  let stopping = false;
  const started = new Map<number, number>();
  const fork = (index: number, recovers: boolean): Worker => {
    const worker = cluster.fork({ [WORKER_INDEX_ENV]: String(index), [WORKER_RECOVERS_ENV]: recovers ? '1' : '0' });
    started.set(worker.id, Date.now());
    worker.on('exit', (code, signal) => {
      if (stopping || !serving.has(worker.id)) return;
      serving.delete(worker.id);
      const lived = Date.now() - (started.get(worker.id) ?? 0);
      log.warn(`worker ${index} (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}); starting another`);
      // Another process on this home may be mid-push: the replacement leaves unfinished uploads alone.
      setTimeout(() => {
        if (!stopping) void waitReady(fork(index, false)).then((w) => serving.add(w.id), (err: Error) => log.warn(err.message));
      }, lived < QUICK_DEATH_MS ? BACKOFF_MS : 0);
    });
    return worker;
  };
  const serving = new Set<number>();
  const waitReady = (worker: Worker): Promise<Worker> =>
    new Promise((resolve, reject) => {
      const onMessage = (message: unknown): void => {
        if (!isReady(message)) return;
        worker.off('exit', onExit);
        ready.set(worker.id, message);
        resolve(worker);
      };
      const onExit = (code: number, signal: string | null): void => {
        worker.off('message', onMessage);
        reject(new Error(`worker (pid ${worker.process.pid}) exited (${signal ?? `code ${code}`}) before it served`));
      };
      worker.on('message', onMessage);
      worker.once('exit', onExit);
    });
  const ready = new Map<number, WorkerReady>();
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    log.info(`${signal} received: each worker finishes its requests in flight, then stops`);
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    let left = workers.length;
    if (left === 0) process.exit(0);
    for (const w of workers) {
      w.once('exit', () => {
        if (--left === 0) process.exit(0);
      });
      w.process.kill('SIGTERM');
    }
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // A worker's dashboard series ask every serving worker through here.
  routeGathers(() => Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined && serving.has(w.id)));
  // A worker's /metrics asks here; prom-client's aggregator collects every worker's registry and sums them.
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    if (!isMetricsRequest(message)) return;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: 'slipway-metrics-res', id: message.id, text }),
      (err: Error) => worker.send({ type: 'slipway-metrics-res', id: message.id, error: err.message }),
    );
  });
  try {
    log.info(`starting worker 1 of ${count} (it brings the store up to date and loads what it serves first)`);
    const first = await waitReady(fork(1, true));
    serving.add(first.id);
    if (count > 1) log.info(`worker 1 serves; starting ${count - 1} more`);
    const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) => waitReady(fork(i + 2, false))));
    for (const w of rest) serving.add(w.id);
    return ready.get(first.id)!;
  } catch (err) {
    stopping = true;
    for (const w of Object.values(cluster.workers ?? {})) w?.process.kill('SIGTERM');
    throw err;
  }
}

/** In a worker: tells the primary it serves. */
export function reportReady(url: string, grpcUrl: string, banner?: string): void {
  const message: WorkerReady = { type: 'slipway-ready', url, grpcUrl, ...(banner !== undefined ? { banner } : {}) };
  process.send?.(message);
}

interface MetricsRequest {
  type: 'slipway-metrics-req';
  id: string;
}

interface MetricsReply {
  type: 'slipway-metrics-res';
  id: string;
  text?: string;
  error?: string;
}

function isMetricsRequest(message: unknown): message is MetricsRequest {
  return typeof message === 'object' && message !== null && (message as { type?: unknown }).type === 'slipway-metrics-req';
}

/**
 * In a worker: hands `local` to prom-client's aggregator (the primary collects it from every worker) and returns what
 * /metrics serves: the sum over all workers, asked of the primary; this worker's alone if the primary does not answer.
 */
export function workerMetrics(local: Registry): () => Promise<string> {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([local]);
  const pending = new Map<string, (reply: MetricsReply) => void>();
  process.on('message', (message: unknown) => {
    const reply = message as MetricsReply;
    if (typeof message === 'object' && message !== null && reply.type === 'slipway-metrics-res') pending.get(reply.id)?.(reply);
  });
  return () =>
    new Promise<string>((resolve) => {
      const id = randomUUID();
      const fallback = (): void => {
        pending.delete(id);
        void local.metrics().then(resolve);
      };
      const timer = setTimeout(fallback, 5_000);
      pending.set(id, (reply) => {
        clearTimeout(timer);
        pending.delete(id);
        if (reply.text !== undefined) resolve(reply.text);
        else fallback();
      });
      const request: MetricsRequest = { type: 'slipway-metrics-req', id };
      process.send?.(request);
    });
}
