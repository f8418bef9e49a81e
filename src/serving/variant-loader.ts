// Turns a variant spec into a loaded, warmed LiveVariant: resolves the artifact, starts instances, runs a warm-up.

import type { VariantSpec } from '../core/endpoint-spec.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { InternalError } from '../core/errors.js';
import type { Registry } from '../registry/registry.js';
import { InstancePool } from '../runtime/instance-pool.js';
import { LiveVariant } from './live-variant.js';
import { warmupRequest } from './warmup.js';

export class VariantLoader {
  constructor(private readonly registry: Registry) {}

  async load(spec: VariantSpec): Promise<LiveVariant> {
    const version = await this.registry.get(spec.model.name, spec.model.version);
    const label = formatVersionId(spec.model);
    const pool = await InstancePool.load(await this.registry.modelSource(version), spec.runtime, label);
    try {
      // One warm-up per instance: the pool hands each to the least busy instance, so all of them run one.
      // Each gets its own request because input buffers are transferred to the worker.
      await Promise.all(Array.from({ length: spec.runtime.instances }, () => pool.run(warmupRequest(pool.signature))));
    } catch (err) {
      await pool.dispose();
      throw new InternalError(`model ${label} failed its warm-up inference (zeros at the smallest shape): ${(err as Error).message}`);
    }
    return new LiveVariant(spec, version, pool);
  }
}
