// The one way a stored model version is loaded to run: its format's runners, `instances` of them behind an InstancePool.

import { formatVersionId } from '../core/endpoint-spec.js';
import type { ModelVersion } from '../core/model-version.js';
import { usableCores } from '../core/usable-cores.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import { InstancePool } from './instance-pool.js';
import type { ModelSource, Runner, RunnerOptions } from './runner.js';
import type { RunnerFactory } from './runner-factory.js';

/** Where a version's model file lies on this host (the registry knows; runtime does not import it). */
export type SourceOf = (version: ModelVersion) => Promise<ModelSource>;

/** The host's cores and the server processes sharing them (`serve --workers`: each runs its own instances). */
export interface HostShare {
  cores: number;
  processes: number;
}

/** This host, served by `processes` server processes. */
export function hostShare(processes = 1): HostShare {
  return { cores: usableCores(), processes };
}

/**
 * Whether a runtime's intra-op threads may spin between parallel sections: only when every instance's threads and the
 * event loop, in every server process on the host, each have a core. Otherwise a thread that spins burns the core another instance or the event loop needs;
 * measured on 2 cores with ResNet-18, 2 instances × 2 threads ran 56 inferences/s spinning and 97 sleeping (2 × 1:
 * 99), while one instance × 2 threads alone ran alike either way.
 */
export function threadsMaySpin(runtime: Pick<RuntimeConfig, 'instances' | 'intraOpThreads' | 'interOpThreads' | 'onEventLoop'>, host: HostShare): boolean {
  if (runtime.onEventLoop) return false;
  return host.processes * (runtime.instances * Math.max(runtime.intraOpThreads, runtime.interOpThreads) + 1) <= host.cores;
}

export class RunnerLoader {
  constructor(
    readonly factory: RunnerFactory,
    private readonly sourceOf: SourceOf,
    /** The host's cores and the server processes sharing them, for fitting threads and instances to them. */
    readonly host: HostShare = hostShare(),
  ) {}

  /**
   * Loads `runtime.instances` runners of the version's format (each told the runtime's thread and provider settings,
   * and whether its threads may spin on this host). Serving, validation, baselines, the profiler and the provider probe
   * all load models here.
   */
  async loadRunner(version: ModelVersion, runtime: RuntimeConfig, label = formatVersionId(version)): Promise<Runner> {
    this.factory.check(version.format);
    const source = await this.sourceOf(version);
    const options: RunnerOptions = { ...runtime, spinning: threadsMaySpin(runtime, this.host) };
    return InstancePool.load(() => this.factory.create(version.format, source, options, label), runtime.instances, label);
  }
}
