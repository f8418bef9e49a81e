// Registry versions loaded on demand for /v2/models/{m}/versions/{v}: one instance each, freed after idling.

import { formatVersionId } from '../core/endpoint-spec.js';
import type { ModelVersion } from '../core/model-version.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import type { BatchListener } from '../runtime/scheduler.js';
import type { LiveVariant } from './live-variant.js';
import type { VariantLoader } from './variant-loader.js';

const IDLE_MS = 5 * 60_000;

interface Entry {
  variant: Promise<LiveVariant>;
  timer: NodeJS.Timeout | undefined;
}

export class VersionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly loader: VariantLoader,
    private readonly runtime: RuntimeConfig,
  ) {}

  isLoaded(name: string, version: number): boolean {
    return this.entries.has(`${name}:${version}`);
  }

  get(version: ModelVersion, onBatch?: BatchListener): Promise<LiveVariant> {
    const key = formatVersionId(version);
    let entry = this.entries.get(key);
    if (!entry) {
      const variant = this.loader.load({
        name: `version-${version.version}`,
        model: { name: version.name, version: version.version },
        ref: key,
        weight: 0,
        shadow: false,
        runtime: { ...this.runtime, instances: 1 },
      }, onBatch);
      entry = { variant, timer: undefined };
      this.entries.set(key, entry);
      // A failed load is not cached: the next request tries again.
      variant.catch(() => this.entries.delete(key));
    }
    this.touch(key, entry);
    return entry.variant;
  }

  async close(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    for (const e of all) clearTimeout(e.timer);
    await Promise.all(all.map((e) => e.variant.then((v) => v.retire(), () => undefined)));
  }

  private touch(key: string, entry: Entry): void {
    clearTimeout(entry.timer);
    entry.timer = setTimeout(() => {
      this.entries.delete(key);
      void entry.variant.then((v) => v.retire(), () => undefined);
    }, IDLE_MS);
    entry.timer.unref();
  }
}
