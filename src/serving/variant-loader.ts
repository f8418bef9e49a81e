// Turns a variant spec into a loaded, warmed LiveVariant: resolves the artifact, starts instances, runs a warm-up —
// and, for a runtime left to the host (`auto`), times the model first and picks instances, threads and batching.

import type { VariantSpec } from '../core/endpoint-spec.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { InternalError, InvalidInputError, SlipwayError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import { resolveRuntimeConfig, type RuntimeConfig } from '../core/runtime-config.js';
import type { Registry } from '../registry/registry.js';
import type { RuntimePick } from '../runtime/auto-runtime.js';
import { batchingBlocker } from '../runtime/batch-plan.js';
import type { Runner } from '../runtime/runner.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import { pickForHost } from '../runtime/host-timing.js';
import { Scheduler, type BatchListener } from '../runtime/scheduler.js';
import { LiveVariant } from './live-variant.js';
import { warmupRequest } from '../runtime/warmup.js';

export class VariantLoader {
  constructor(
    private readonly registry: Registry,
    private readonly runners: RunnerLoader,
  ) {}

  async load(spec: VariantSpec, onBatch?: BatchListener): Promise<LiveVariant> {
    const version = await this.registry.get(spec.model.name, spec.model.version);
    const label = formatVersionId(spec.model);
    // Specs stored by older releases lack newer settings: fill them with today's defaults.
    const declared = resolveRuntimeConfig(spec.runtime);
    const blocker = batchingBlocker(version.signature);
    if (!declared.auto && declared.maxBatchSize > 1 && blocker) {
      throw new InvalidInputError(`model ${label} cannot use dynamic batching (maxBatchSize ${declared.maxBatchSize}): ${blocker}`);
    }
    const { pool, pick } = declared.auto
      ? await this.loadPicked(version, declared, blocker, label)
      : { pool: await this.runners.loadRunner(version, declared, label), pick: undefined };
    const runtime = pick?.runtime ?? declared;
    try {
      // One warm-up per instance: the pool hands each to the least busy instance, so all of them run one.
      // Each gets its own request because input buffers are transferred to the worker.
      await Promise.all(Array.from({ length: runtime.instances }, () => pool.run(warmupRequest(pool.signature))));
    } catch (err) {
      await pool.dispose();
      throw new InternalError(`model ${label} failed its warm-up inference (zeros at the smallest shape): ${(err as Error).message}`);
    }
    const scheduler = new Scheduler(pool, runtime, runtime.maxBatchSize > 1 && !blocker, label, onBatch);
    return new LiveVariant({ ...spec, runtime: declared }, version, scheduler, pool, runtime, pick?.reason);
  }

  /** Times the model, picks its runtime for this host, and serves with the timed runner when it is what the pick runs. */
  private async loadPicked(version: ModelVersion, base: RuntimeConfig, blocker: string | undefined, label: string): Promise<{ pool: Runner; pick: RuntimePick }> {
    let picked: Awaited<ReturnType<typeof pickForHost>>;
    try {
      picked = await pickForHost(this.runners, version, base, blocker, label);
    } catch (err) {
      // A model its runtime refuses is refused as it would be without `auto`; a run that fails is the model's fault here.
      if (err instanceof SlipwayError && !(err instanceof InternalError)) throw err;
      throw new InternalError(`model ${label} failed while being timed to pick its runtime: ${(err as Error).message}`);
    }
    return { pool: picked.kept ?? (await this.runners.loadRunner(version, picked.pick.runtime, label)), pick: picked.pick };
  }
}
