// Turns a variant spec into a loaded, warmed LiveVariant: resolves the artifact, starts instances, runs a warm-up.

import type { VariantSpec } from '../core/endpoint-spec.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { InternalError, InvalidInputError } from '../core/errors.js';
import { resolveRuntimeConfig } from '../core/runtime-config.js';
import type { Registry } from '../registry/registry.js';
import { batchingBlocker } from '../runtime/batch-plan.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import { Scheduler } from '../runtime/scheduler.js';
import { LiveVariant } from './live-variant.js';
import { warmupRequest } from './warmup.js';

export class VariantLoader {
  constructor(
    private readonly registry: Registry,
    private readonly runners: RunnerLoader,
  ) {}

  async load(spec: VariantSpec, onBatch?: (rows: number) => void): Promise<LiveVariant> {
    const version = await this.registry.get(spec.model.name, spec.model.version);
    const label = formatVersionId(spec.model);
    // Specs stored by older releases lack newer settings: fill them with today's defaults.
    const runtime = resolveRuntimeConfig(spec.runtime);
    const blocker = batchingBlocker(version.signature);
    if (runtime.maxBatchSize > 1 && blocker) {
      throw new InvalidInputError(`model ${label} cannot use dynamic batching (maxBatchSize ${runtime.maxBatchSize}): ${blocker}`);
    }
    const pool = await this.runners.loadRunner(version, runtime, label);
    try {
      // One warm-up per instance: the pool hands each to the least busy instance, so all of them run one.
      // Each gets its own request because input buffers are transferred to the worker.
      await Promise.all(Array.from({ length: runtime.instances }, () => pool.run(warmupRequest(pool.signature))));
    } catch (err) {
      await pool.dispose();
      throw new InternalError(`model ${label} failed its warm-up inference (zeros at the smallest shape): ${(err as Error).message}`);
    }
    const scheduler = new Scheduler(pool, runtime, runtime.maxBatchSize > 1 && !blocker, label, onBatch);
    return new LiveVariant({ ...spec, runtime }, version, scheduler, pool);
  }
}
