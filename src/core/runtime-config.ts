// How one variant runs: instances, threads and execution provider; with defaults and validation.

import { InvalidInputError } from './errors.js';

export type ExecutionProvider = 'cpu';

export interface RuntimeConfig {
  /** Concurrent runner instances, each in its own worker thread. */
  instances: number;
  /** Threads one inference may use inside onnxruntime (intra-op parallelism). */
  intraOpThreads: number;
  /** Threads for running independent graph nodes in parallel (inter-op parallelism). */
  interOpThreads: number;
  executionProvider: ExecutionProvider;
}

export const DEFAULT_RUNTIME: RuntimeConfig = {
  instances: 1,
  intraOpThreads: 1,
  interOpThreads: 1,
  executionProvider: 'cpu',
};

const LIMITS = { instances: 64, intraOpThreads: 256, interOpThreads: 256 } as const;

/** Fills defaults and validates a partial runtime config written by a user. */
export function resolveRuntimeConfig(partial: Partial<RuntimeConfig> | undefined, defaults = DEFAULT_RUNTIME): RuntimeConfig {
  const config: RuntimeConfig = { ...defaults, ...stripUndefined(partial ?? {}) };
  for (const key of ['instances', 'intraOpThreads', 'interOpThreads'] as const) {
    const value = config[key];
    if (!Number.isInteger(value) || value < 1 || value > LIMITS[key]) {
      throw new InvalidInputError(`runtime.${key}: expected an integer from 1 to ${LIMITS[key]}, got ${typeof value === 'number' ? String(value) : JSON.stringify(value)}`);
    }
  }
  if (config.executionProvider !== 'cpu') {
    throw new InvalidInputError(`runtime.executionProvider: expected "cpu", got ${JSON.stringify(config.executionProvider)}`);
  }
  return config;
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
