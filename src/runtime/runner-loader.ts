// The one way a stored model version is loaded to run: its format's runners, `instances` of them behind an InstancePool.

import { formatVersionId } from '../core/endpoint-spec.js';
import type { ModelVersion } from '../core/model-version.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import { InstancePool } from './instance-pool.js';
import type { ModelSource, Runner } from './runner.js';
import type { RunnerFactory } from './runner-factory.js';

/** Where a version's model file lies on this host (the registry knows; runtime does not import it). */
export type SourceOf = (version: ModelVersion) => Promise<ModelSource>;

export class RunnerLoader {
  constructor(
    readonly factory: RunnerFactory,
    private readonly sourceOf: SourceOf,
  ) {}

  /**
   * Loads `runtime.instances` runners of the version's format (each told the runtime's thread and provider settings).
   * Serving, validation, baselines, the profiler and the provider probe all load models here.
   */
  async loadRunner(version: ModelVersion, runtime: RuntimeConfig, label = formatVersionId(version)): Promise<Runner> {
    this.factory.check(version.format);
    const source = await this.sourceOf(version);
    return InstancePool.load(() => this.factory.create(version.format, source, runtime, label), runtime.instances, label);
  }
}
