// Endpoint management: apply specs (load, warm, persist, swap, drain — reusing variants that did not change), deploy,
// remove, restore after restart, one change at a time per endpoint; the live table it changes serves the requests.

import type { EndpointSpec, VariantSpec } from '../core/endpoint-spec.js';
import { checkEndpointSpec, DEFAULT_ROUTING, formatVersionId, normalizeSpec } from '../core/endpoint-spec.js';
import type { ModelRef } from '../core/model-ref.js';
import { formatModelRef } from '../core/model-ref.js';
import type { ModelVersion } from '../core/model-version.js';
import { checkName } from '../core/names.js';
import { pauseAt } from '../core/test-pause.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import { resolveRuntimeConfig } from '../core/runtime-config.js';
import type { ServingObserver } from './serving-observer.js';
import type { Registry } from '../registry/registry.js';
import type { ChangeContext, EndpointRecord, Store } from '../store/store.js';
import type { LiveVariant } from './live-variant.js';
import type { EndpointState, LiveEndpoint, LiveEndpoints } from './live-endpoints.js';
import type { VariantLoader } from './variant-loader.js';
import type { WindowSnapshot } from './variant-window.js';
import type { WindowCounts } from '../core/window-counts.js';

export interface EndpointStatus {
  record: EndpointRecord;
  state: EndpointState;
  error?: string;
  /** Per loaded variant, by name: the runtime it runs (what `auto` picked, or the spec's) and why it was picked. */
  running: Map<string, { runtime: RuntimeConfig; picked?: string }>;
}

export interface DeployOptions {
  runtime?: Partial<RuntimeConfig>;
  change: ChangeContext;
}

export interface VariantStats extends WindowSnapshot {
  variant: string;
  model: string;
  weight: number;
  shadow: boolean;
}

export class EndpointManager {
  /** Serialises changes per endpoint: two changes of one endpoint never interleave their load and swap. */
  private readonly locks = new Map<string, Promise<unknown>>();
  /** Per endpoint, the stored revision (and time) that reconcile could not load. */
  private readonly failedToFollow = new Map<string, string>();
  /** Per endpoint, the key of the window its variants count in now (resetWindows). */
  private readonly windowKeys = new Map<string, string>();

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly loader: VariantLoader,
    private readonly defaultRuntime: RuntimeConfig,
    private readonly metrics: ServingObserver,
    /** The table requests are served from: this class changes it, the data plane reads it. */
    private readonly live: LiveEndpoints,
    /** Told when an endpoint was removed (its loop settings go with it). */
    private readonly onRemoved: (endpoint: string) => void = () => undefined,
  ) {}

  /** Loads every stored endpoint (after a restart). Each loads independently; a failure marks only that endpoint. */
  async restoreAll(onError: (name: string, err: Error) => void): Promise<void> {
    const records = (await this.store.listEndpoints()).map((r) => ({ ...r, spec: normalizeSpec(r.spec) }));
    const entries = records.map((record): LiveEndpoint => ({ record, state: 'loading', variants: [], removed: false }));
    for (const entry of entries) this.live.add(entry);
    await Promise.all(
      entries.map(async (entry) => {
        const spec = entry.record.spec;
        try {
          entry.variants = await this.loadVariants(spec.name, spec.variants);
          entry.state = 'ready';
        } catch (err) {
          entry.state = 'failed';
          entry.error = (err as Error).message;
          onError(spec.name, err as Error);
        }
      }),
    );
  }

  /** Points an endpoint at one model version (creating it if needed). Returns once the new version serves all traffic. */
  async deploy(endpoint: string, ref: ModelRef, options: DeployOptions): Promise<EndpointRecord> {
    checkName('endpoint', endpoint);
    const version = await this.registry.resolve(ref);
    const current = this.live.find(endpoint)?.record.spec;
    const previous = current?.variants.find((v) => !v.shadow && v.weight > 0) ?? current?.variants[0];
    // A deploy changes only the runtime settings it names; the rest stay as the endpoint had them.
    const base = previous ? resolveRuntimeConfig(previous.runtime, this.defaultRuntime) : this.defaultRuntime;
    const spec: EndpointSpec = {
      name: endpoint,
      variants: [{
        name: 'primary', model: { name: version.name, version: version.version }, ref: formatModelRef(ref),
        weight: 100, shadow: false, runtime: resolveRuntimeConfig(options.runtime, base),
      }],
      routing: current?.routing ?? DEFAULT_ROUTING,
      ...(current?.rollout ? { rollout: current.rollout } : {}),
      ...(current?.rateLimit ? { rateLimit: current.rateLimit } : {}),
    };
    return this.apply(spec, options.change);
  }

  /**
   * Makes `spec` the endpoint's spec: variants whose model and runtime did not change keep running (only their weight
   * or shadow flag changes, with no reload); new ones are loaded and warmed first; removed ones drain and stop.
   */
  apply(spec: EndpointSpec, change: ChangeContext): Promise<EndpointRecord> {
    checkName('endpoint', spec.name);
    const normalized = normalizeSpec(spec);
    checkEndpointSpec(normalized);
    return this.exclusive(spec.name, () => this.applyNow(normalized, () => this.store.putEndpoint(normalized, change)));
  }

  /**
   * Brings the live table in line with the store after another replica changed it: endpoints whose stored revision
   * (or update time) differs from the one running are loaded, warmed and swapped the way apply does, without writing
   * to the store; endpoints no longer stored stop taking requests and drain. Returns the names it changed.
   */
  async reconcile(onError: (name: string, err: Error) => void): Promise<string[]> {
    const stored = new Map((await this.store.listEndpoints()).map((r) => [r.spec.name, r]));
    const changed: string[] = [];
    const work: Promise<void>[] = [];
    for (const [name, record] of stored) {
      const running = this.live.find(name);
      if (running && running.record.revision === record.revision && running.record.updatedAt === record.updatedAt) continue;
      // A stored spec that failed to load here is not retried at every poll; its next change is.
      if (this.failedToFollow.get(name) === stamp(record)) continue;
      changed.push(name);
      work.push(
        this.exclusive(name, async () => {
          // Read again under the lock: this replica's own apply (or a later change) may have moved it past `record`,
          // and an older spec must never replace a newer one.
          const latest = await this.store.getEndpoint(name);
          const now = this.live.find(name);
          if (!latest || (now && now.record.revision === latest.revision && now.record.updatedAt === latest.updatedAt)) return;
          await this.applyNow(normalizeSpec(latest.spec), async () => latest);
          this.failedToFollow.delete(name);
        }).catch((err: Error) => {
          this.failedToFollow.set(name, stamp(record));
          const entry = this.live.find(name);
          if (!entry) this.live.add({ record, state: 'failed', error: err.message, variants: [], removed: false });
          onError(name, err);
        }),
      );
    }
    for (const entry of [...this.live.all()]) {
      const name = entry.record.spec.name;
      if (stored.has(name) || entry.state === 'loading') continue;
      changed.push(name);
      work.push(
        this.exclusive(name, async () => {
          if (!this.live.find(name) || (await this.store.getEndpoint(name))) return;
          const removed = this.live.remove(name);
          if (removed) await Promise.all(removed.variants.map((v) => v.retire()));
        }),
      );
    }
    await Promise.all(work);
    return changed;
  }

  /** Removes an endpoint: it stops taking requests at once; requests in flight finish. */
  remove(endpoint: string, change: ChangeContext): Promise<void> {
    return this.exclusive(endpoint, async () => {
      await this.store.deleteEndpoint(endpoint, change);
      const entry = this.live.remove(endpoint);
      this.onRemoved(endpoint);
      if (entry) await Promise.all(entry.variants.map((v) => v.retire()));
    });
  }

  list(): EndpointStatus[] {
    return [...this.live.all()].map(statusOf).sort((a, b) => a.record.spec.name.localeCompare(b.record.spec.name));
  }

  status(endpoint: string): EndpointStatus {
    return statusOf(this.live.lookup(endpoint));
  }

  /** Each variant's window: requests, errors, p99 and agreement since its last reset. */
  stats(endpoint: string): VariantStats[] {
    return this.live.lookup(endpoint).variants.map((v) => ({
      variant: v.spec.name, model: formatVersionId(v.spec.model), weight: v.spec.weight, shadow: v.spec.shadow, ...v.window.snapshot(),
    }));
  }

  /**
   * Starts a new window for every variant of the endpoint (a rollout step begins), named `key` (the step's, the same
   * on every replica), so that windows published by replicas are merged only with those of the same step.
   */
  resetWindows(endpoint: string, key = ''): void {
    this.windowKeys.set(endpoint, key);
    const entry = this.live.find(endpoint);
    if (entry) for (const v of entry.variants) v.window.reset();
  }

  /**
   * The endpoint's window key (set by the last resetWindows) and each variant's counts in it; a variant loaded since
   * the reset has counted only since it was loaded, which is within the window. Undefined for an endpoint not loaded.
   */
  windowCounts(endpoint: string): { key: string; variants: Map<string, WindowCounts> } | undefined {
    const entry = this.live.find(endpoint);
    if (!entry) return undefined;
    return { key: this.windowKeys.get(endpoint) ?? '', variants: new Map(entry.variants.map((v) => [v.spec.name, v.window.counts()])) };
  }

  /** The version a request to `endpoint` would meet (for the loop's and management's metadata). */
  describe(endpoint: string, version?: number): Promise<ModelVersion> {
    return this.live.describe(endpoint, version);
  }

  /** Frees every runner (server shutdown). */
  close(): Promise<void> {
    return this.live.close();
  }

  /** Load and warm what changed, `persist` (store the spec, or nothing when the store already has it), swap, drain. */
  private async applyNow(spec: EndpointSpec, persist: () => Promise<EndpointRecord>): Promise<EndpointRecord> {
    const previous = this.live.find(spec.name);
    const before = previous?.variants ?? [];
    const reusable = new Map((previous?.state === 'ready' ? before : []).map((v) => [v.spec.name, v]));
    const kept: LiveVariant[] = [];
    const toLoad: VariantSpec[] = [];
    for (const v of spec.variants) {
      const old = reusable.get(v.name);
      if (old && sameDeployment(old.spec, v)) kept.push(old);
      else toLoad.push(v);
    }
    // Load and warm what is new before anything changes: a version that cannot load never takes traffic.
    const loaded = await this.loadVariants(spec.name, toLoad);
    let record: EndpointRecord;
    try {
      await pauseAt('deploy:before-commit');
      record = await persist();
    } catch (err) {
      await Promise.all(loaded.map((v) => v.dispose()));
      throw err;
    }
    await pauseAt('deploy:after-commit');
    for (const v of kept) v.spec = spec.variants.find((s) => s.name === v.spec.name)!;
    const variants = spec.variants.map((s) => kept.find((v) => v.spec.name === s.name) ?? loaded.find((v) => v.spec.name === s.name)!);
    // The endpoint's live object changes in place (requests that looked it up meet the new variants) — unless a
    // restore is still loading it: that restore writes its outcome to the object it holds, so this one replaces it.
    const current = this.live.find(spec.name);
    if (current && current.state !== 'loading') {
      current.record = record;
      current.state = 'ready';
      current.error = undefined;
      current.variants = variants;
    } else {
      this.live.add({ record, state: 'ready', variants, removed: false });
    }
    // Requests already routed to replaced variants finish there; then those are freed.
    const retired = before.filter((v) => !variants.includes(v));
    await Promise.all(retired.map((v) => v.retire()));
    return record;
  }

  private async loadVariants(endpoint: string, specs: VariantSpec[]): Promise<LiveVariant[]> {
    const settled = await Promise.allSettled(
      specs.map((s) => this.loader.load(s, (rows, handler) => this.metrics.observeBatch(endpoint, s.name, s.model.version, rows, handler))),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.dispose() : undefined)));
      throw failed.reason;
    }
    return settled.map((s) => (s as PromiseFulfilledResult<LiveVariant>).value);
  }

  private exclusive<T>(endpoint: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(endpoint) ?? Promise.resolve();
    const next = previous.then(work, work);
    const tail = next.catch(() => undefined);
    this.locks.set(endpoint, tail);
    void tail.then(() => {
      if (this.locks.get(endpoint) === tail) this.locks.delete(endpoint);
    });
    return next;
  }
}

function stamp(record: EndpointRecord): string {
  return `${record.revision}@${record.updatedAt}`;
}

/** Same model and runtime: a loaded variant can keep running under a new weight or shadow flag. */
function sameDeployment(a: VariantSpec, b: VariantSpec): boolean {
  return formatVersionId(a.model) === formatVersionId(b.model) && JSON.stringify(a.runtime) === JSON.stringify(b.runtime);
}

function statusOf(entry: LiveEndpoint): EndpointStatus {
  const running = new Map(entry.variants.map((v) => [v.spec.name, { runtime: v.runtime, ...(v.picked ? { picked: v.picked } : {}) }]));
  const status: EndpointStatus = { record: entry.record, state: entry.state, running };
  if (entry.error !== undefined) status.error = entry.error;
  return status;
}
