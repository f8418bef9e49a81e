// Baselines of model versions: built from a package's baseline file or from a range of captures, read back for the
// API, and read (cached) by the monitors, whose cache a rebuild refreshes.

import type { BaselineProfile } from '../core/baseline.js';
import { NotFoundError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import type { Registry } from '../registry/registry.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import type { LoopStore } from '../store/loop-store.js';
import { buildCaptureBaseline, buildPackageBaseline } from './baseline-builder.js';

export interface CaptureRange {
  endpoint: string;
  since?: number;
  until?: number;
  variant?: string;
}

export interface BaselinesDeps {
  registry: Pick<Registry, 'artifacts'>;
  /** Loads the version's model for the output distribution, as serving does. */
  runners: RunnerLoader;
  store: Pick<LoopStore, 'saveBaseline' | 'getBaseline' | 'captures'>;
  /** Writes buffered captures, so a baseline from captures sees the newest. */
  flushCaptures: () => Promise<void>;
}

export class Baselines {
  /** Per "name:version"; null (none yet) is looked up again next time, so a baseline built later is found. */
  private readonly cached = new Map<string, BaselineProfile | null>();

  constructor(private readonly deps: BaselinesDeps) {}

  /** Builds a version's baseline from its package file (undefined when it has none), or from a range of an endpoint's captures. */
  async build(version: ModelVersion, fromCaptures?: CaptureRange): Promise<BaselineProfile | undefined> {
    const deps = { registry: this.deps.registry, runners: this.deps.runners, store: this.deps.store };
    if (fromCaptures) await this.deps.flushCaptures();
    const profile = fromCaptures ? await buildCaptureBaseline(version, fromCaptures, deps) : await buildPackageBaseline(version, deps);
    this.cached.delete(`${version.name}:${version.version}`);
    return profile;
  }

  /** The stored baseline of a version, for the API. */
  async of(version: ModelVersion): Promise<BaselineProfile> {
    const profile = await this.deps.store.getBaseline(version.name, version.version);
    if (!profile) throw new NotFoundError(`model version ${version.name}:${version.version} has no baseline; push a package with a baseline file or build one from captures`);
    return profile;
  }

  /** The baseline monitors compare windows with, read once per version until it is rebuilt. */
  async forMonitor(version: ModelVersion): Promise<BaselineProfile | undefined> {
    const key = `${version.name}:${version.version}`;
    if (!this.cached.has(key) || this.cached.get(key) === null) {
      this.cached.set(key, (await this.deps.store.getBaseline(version.name, version.version)) ?? null);
    }
    return this.cached.get(key) ?? undefined;
  }
}
