// How one variant runs: instances, threads, execution provider, dynamic batching and its queue; defaults and validation.

import { boundedJson } from './describe-value.js';
import { InvalidInputError } from './errors.js';

/** Providers onnxruntime-node may offer. Deploys accept 'cpu' only for now; the others are probed by the profiler. */
export type ExecutionProvider = 'cpu' | 'webgpu' | 'cuda' | 'tensorrt';
export const ACCELERATED_PROVIDERS: readonly ExecutionProvider[] = ['webgpu', 'cuda', 'tensorrt'];

export interface RuntimeConfig {
  /**
   * Instances, intra-op threads and batching are picked for the host when the variant loads, from a short measurement
   * of the model (the values below are then where the pick starts from). On when a deploy names none of them.
   */
  auto: boolean;
  /** Concurrent runner instances, each in its own worker thread. */
  instances: number;
  /** Threads one inference may use inside onnxruntime (intra-op parallelism). */
  intraOpThreads: number;
  /**
   * Intra-op threads of a run that starts while another instance of the variant is running; 0: intraOpThreads always.
   * Several instances of several threads each let a lone request use every core, but runs side by side then ask for
   * more threads than there are cores, and sleeping threads that wait on each other lose time (ResNet-18 in 2 worker
   * threads on 2 cores: 2 threads each ran 95 inferences/s for 8 clients, 1 thread each 105). An instance with a
   * different count here holds a second session of the model (its weights twice) and picks one per run.
   */
  busyIntraOpThreads: number;
  /** Threads for running independent graph nodes in parallel (inter-op parallelism). */
  interOpThreads: number;
  executionProvider: ExecutionProvider;
  /**
   * The model runs on the server's event loop instead of a worker thread (one instance): for a model whose run takes
   * less time than the hop to a thread and back, which is then most of a request's CPU. Off by default; `auto` turns
   * it on when it measures that.
   */
  onEventLoop: boolean;
  /** Largest batch (rows along dimension 0) dynamic batching may form; 1 turns batching off. */
  maxBatchSize: number;
  /** How long the oldest queued request may wait for a batch to fill before it runs anyway. 0: never wait. */
  maxQueueDelayMicros: number;
  /** Batch sizes that run at once when reached (e.g. sizes the model is fastest at). */
  preferredBatchSizes: number[];
  /** Requests that may wait for an instance; beyond it requests are refused at once (HTTP 429). */
  maxQueueSize: number;
}

export const DEFAULT_RUNTIME: RuntimeConfig = {
  auto: true,
  instances: 1,
  intraOpThreads: 1,
  busyIntraOpThreads: 0,
  interOpThreads: 1,
  executionProvider: 'cpu',
  onEventLoop: false,
  maxBatchSize: 1,
  maxQueueDelayMicros: 0,
  preferredBatchSizes: [],
  maxQueueSize: 128,
};

const INTEGER_LIMITS = {
  instances: [1, 64],
  intraOpThreads: [1, 256],
  busyIntraOpThreads: [0, 256],
  interOpThreads: [1, 256],
  maxBatchSize: [1, 4096],
  maxQueueDelayMicros: [0, 10_000_000],
  maxQueueSize: [1, 1_000_000],
} as const;

function describe(value: unknown): string {
  return typeof value === 'number' ? String(value) : boundedJson(value) ?? 'nothing';
}

/** The settings `auto` picks: writing any of them (without `auto: true`) fixes the runtime as written. */
export const TUNED_SETTINGS = ['instances', 'intraOpThreads', 'busyIntraOpThreads', 'interOpThreads', 'onEventLoop', 'maxBatchSize', 'maxQueueDelayMicros', 'preferredBatchSizes'] as const;

/**
 * Fills defaults and validates a partial runtime config written by a user. A config that names a tuned setting and
 * not `auto` is fixed (auto off) — as is one stored before `auto` existed, which names them all.
 */
export function resolveRuntimeConfig(partial: Partial<RuntimeConfig> | undefined, defaults = DEFAULT_RUNTIME): RuntimeConfig {
  const written = stripUndefined(partial ?? {});
  const config: RuntimeConfig = { ...defaults, ...written };
  if (written.auto === undefined && TUNED_SETTINGS.some((key) => key in written)) config.auto = false;
  for (const key of ['auto', 'onEventLoop'] as const) {
    if (typeof config[key] !== 'boolean') throw new InvalidInputError(`runtime.${key}: expected true or false, got ${describe(config[key])}`);
  }
  for (const key of Object.keys(INTEGER_LIMITS) as (keyof typeof INTEGER_LIMITS)[]) {
    const value = config[key];
    const [min, max] = INTEGER_LIMITS[key];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new InvalidInputError(`runtime.${key}: expected an integer from ${min} to ${max}, got ${describe(value)}`);
    }
  }
  if (config.busyIntraOpThreads > config.intraOpThreads) {
    throw new InvalidInputError(
      `runtime.busyIntraOpThreads: expected 0 (as intraOpThreads) or at most intraOpThreads (${config.intraOpThreads}), got ${config.busyIntraOpThreads}`,
    );
  }
  if (config.executionProvider !== 'cpu') {
    throw new InvalidInputError(`runtime.executionProvider: expected "cpu", got ${describe(config.executionProvider)}`);
  }
  if (config.onEventLoop && config.instances !== 1) {
    throw new InvalidInputError(`runtime.instances: expected 1 with onEventLoop (the event loop is one thread), got ${config.instances}`);
  }
  const preferred = config.preferredBatchSizes;
  if (!Array.isArray(preferred) || preferred.some((n) => !Number.isInteger(n) || n < 1 || n > config.maxBatchSize)) {
    throw new InvalidInputError(
      `runtime.preferredBatchSizes: expected integers from 1 to maxBatchSize (${config.maxBatchSize}), got ${describe(preferred)}`,
    );
  }
  config.preferredBatchSizes = [...new Set(preferred)].sort((a, b) => a - b);
  return config;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
