// Endpoints at run time: deploy (load, warm, persist, swap, drain), restore after restart, route and run requests.

import type { EndpointSpec, VariantSpec } from '../core/endpoint-spec.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { DeadlineExceededError, InvalidInputError, NotFoundError, OverloadedError, UnavailableError } from '../core/errors.js';
import type { InferRequest, InferResponse } from '../core/infer.js';
import type { ModelRef } from '../core/model-ref.js';
import { checkName } from '../core/names.js';
import type { ModelVersion } from '../core/model-version.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import { resolveRuntimeConfig } from '../core/runtime-config.js';
import { checkRequest } from '../core/signature.js';
import type { RejectionReason, ServingMetrics } from '../monitoring/serving-metrics.js';
import type { Registry } from '../registry/registry.js';
import type { ChangeContext, EndpointRecord, Store } from '../store/store.js';
import type { LiveVariant } from './live-variant.js';
import { pickWeighted } from './route-choice.js';
import { VariantLoader } from './variant-loader.js';
import { VersionCache } from './version-cache.js';

export type EndpointState = 'loading' | 'ready' | 'failed';

interface LiveEndpoint {
  record: EndpointRecord;
  state: EndpointState;
  /** Why the last load failed, when state is 'failed'. */
  error?: string;
  variants: LiveVariant[];
}

export interface EndpointStatus {
  record: EndpointRecord;
  state: EndpointState;
  error?: string;
}

/** Per-request options of an inference call. */
export interface InferOptions {
  /** Run this registry version of the endpoint's model instead of routing among variants. */
  version?: number;
  /** Absolute time (ms since epoch) after which the request must not run any more. */
  deadline?: number;
  /** Aborted when the client went away: a queued request is dropped. */
  signal?: AbortSignal;
}

export interface DeployOptions {
  runtime?: Partial<RuntimeConfig>;
  change: ChangeContext;
}

export class EndpointService {
  private readonly live = new Map<string, LiveEndpoint>();
  /** Serialises changes per endpoint: two deploys of one endpoint never interleave their load and swap. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly loader: VariantLoader;
  private readonly versions: VersionCache;

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly defaultRuntime: RuntimeConfig,
    private readonly metrics: ServingMetrics,
  ) {
    this.loader = new VariantLoader(registry);
    this.versions = new VersionCache(this.loader, defaultRuntime);
  }

  /** Loads every stored endpoint (after a restart). Each loads independently; a failure marks only that endpoint. */
  async restoreAll(onError: (name: string, err: Error) => void): Promise<void> {
    const records = await this.store.listEndpoints();
    for (const record of records) this.live.set(record.spec.name, { record, state: 'loading', variants: [] });
    await Promise.all(
      records.map(async (record) => {
        const entry = this.live.get(record.spec.name)!;
        try {
          entry.variants = await this.loadVariants(record.spec.name, record.spec.variants);
          entry.state = 'ready';
        } catch (err) {
          entry.state = 'failed';
          entry.error = (err as Error).message;
          onError(record.spec.name, err as Error);
        }
      }),
    );
  }

  /** Points an endpoint at one model version (creating it if needed). Returns once the new version serves all traffic. */
  deploy(endpoint: string, ref: ModelRef, options: DeployOptions): Promise<EndpointRecord> {
    checkName('endpoint', endpoint);
    return this.exclusive(endpoint, async () => {
      const version = await this.registry.resolve(ref);
      const current = this.live.get(endpoint);
      const previousRuntime = current?.record.spec.variants[0]?.runtime;
      // A deploy changes only the runtime settings it names; the rest stay as the endpoint had them.
      const base = previousRuntime ? resolveRuntimeConfig(previousRuntime, this.defaultRuntime) : this.defaultRuntime;
      const runtime = resolveRuntimeConfig(options.runtime, base);
      const refText = ref.kind === 'version' ? `${ref.name}:${ref.version}` : ref.kind === 'alias' ? `${ref.name}@${ref.alias}` : ref.name;
      const spec: EndpointSpec = {
        name: endpoint,
        variants: [{ name: 'primary', model: { name: version.name, version: version.version }, ref: refText, weight: 100, runtime }],
      };
      return this.apply(spec, options.change);
    });
  }

  /** Removes an endpoint: it stops taking requests at once; requests in flight finish. */
  remove(endpoint: string, change: ChangeContext): Promise<void> {
    return this.exclusive(endpoint, async () => {
      await this.store.deleteEndpoint(endpoint, change);
      const entry = this.live.get(endpoint);
      this.live.delete(endpoint);
      if (entry) await Promise.all(entry.variants.map((v) => v.retire()));
    });
  }

  list(): EndpointStatus[] {
    return [...this.live.values()].map(statusOf).sort((a, b) => a.record.spec.name.localeCompare(b.record.spec.name));
  }

  status(endpoint: string): EndpointStatus {
    return statusOf(this.entry(endpoint));
  }

  /** True when every endpoint finished loading (failed ones count as finished: they need a new deploy, not a wait). */
  get settled(): boolean {
    for (const e of this.live.values()) if (e.state === 'loading') return false;
    return true;
  }

  /** The version a request to `endpoint` would meet, for metadata; `version` selects a registry version directly. */
  async describe(endpoint: string, version?: number): Promise<ModelVersion> {
    const entry = this.entry(endpoint);
    const primary = entry.record.spec.variants[0]!;
    if (version === undefined) return this.registry.get(primary.model.name, primary.model.version);
    return this.registry.get(primary.model.name, version);
  }

  /** Whether `endpoint` (or one registry version of its model) can take requests now. */
  isReady(endpoint: string, version?: number): boolean {
    const entry = this.entry(endpoint);
    if (entry.state !== 'ready') return false;
    if (version === undefined) return true;
    return entry.variants.some((v) => v.version.version === version) || this.versions.isLoaded(entry.record.spec.variants[0]!.model.name, version);
  }

  /**
   * Runs one request. Without `version`, a variant is picked by weight; with it, the registry version of the endpoint's
   * model runs (a serving variant if one has that version, else a copy loaded on demand).
   */
  async infer(endpoint: string, request: InferRequest, options: InferOptions = {}): Promise<InferResponse> {
    const started = performance.now();
    const routed = this.route(endpoint, options.version);
    // The usual path routes synchronously: nothing may run between the pick and run(), which counts the request in flight.
    const variant = routed instanceof Promise ? await routed : routed;
    try {
      const outputNames = checkRequest(variant.signature, request);
      const schedule = { ...(options.deadline !== undefined ? { deadline: options.deadline } : {}), ...(options.signal ? { signal: options.signal } : {}) };
      const result = await variant.run({ inputs: request.inputs, outputNames }, schedule);
      const firstDynamic = variant.signature.inputs[0]?.shape[0] === -1;
      this.metrics.observeRequest({
        endpoint, variant: variant.spec.name, version: variant.version.version, ok: true,
        durationMicros: (performance.now() - started) * 1000, queueMicros: result.queueMicros, computeMicros: result.computeMicros,
        rows: firstDynamic ? (request.inputs[0]?.shape[0] ?? 1) : 1,
      });
      const response: InferResponse = {
        modelName: endpoint,
        modelVersion: String(variant.version.version),
        outputs: result.outputs,
        parameters: { variant: variant.spec.name, model: formatVersionId(variant.spec.model) },
      };
      if (request.id !== undefined) response.id = request.id;
      return response;
    } catch (err) {
      this.metrics.observeRequest(
        { endpoint, variant: variant.spec.name, version: variant.version.version, ok: false, durationMicros: (performance.now() - started) * 1000 },
        reasonOf(err),
      );
      throw err;
    }
  }

  /** Requests queued or running per endpoint and version, for the pending-requests gauge. */
  pendingByVersion(): { endpoint: string; version: number; pending: number }[] {
    return [...this.live.entries()].flatMap(([endpoint, e]) =>
      e.variants.map((v) => ({ endpoint, version: v.version.version, pending: v.pending })),
    );
  }

  /**
   * Picks the variant for a request. Without `version`, by weight; with it, the registry version of the endpoint's
   * model (a serving variant if one has that version, else a copy loaded on demand).
   * The caller must start the run without awaiting anything else first: a swap retires variants with nothing in flight.
   */
  private route(endpoint: string, version: number | undefined): LiveVariant | Promise<LiveVariant> {
    const entry = this.entry(endpoint);
    if (entry.state !== 'ready') {
      throw new UnavailableError(
        entry.state === 'loading'
          ? `endpoint "${endpoint}" is still loading; retry shortly`
          : `endpoint "${endpoint}" failed to load: ${entry.error ?? 'unknown error'}; deploy it again`,
      );
    }
    const variants = entry.variants;
    if (version === undefined) {
      const picked = variants.length === 1 ? variants[0] : variants[pickWeighted(variants.map((v) => v.spec.weight), Math.random())];
      if (!picked) throw new UnavailableError(`endpoint "${endpoint}" has no variant to serve`);
      return picked;
    }
    const serving = variants.find((v) => v.version.version === version);
    if (serving) return serving;
    const name = entry.record.spec.variants[0]!.model.name;
    return this.registry
      .get(name, version)
      .then((model) => this.versions.get(model, (rows) => this.metrics.observeBatch(endpoint, `version-${version}`, version, rows)));
  }

  /** Frees every runner (server shutdown). */
  async close(): Promise<void> {
    const all = [...this.live.values()].flatMap((e) => e.variants);
    this.live.clear();
    await Promise.all([...all.map((v) => v.retire()), this.versions.close()]);
  }

  private async apply(spec: EndpointSpec, change: ChangeContext): Promise<EndpointRecord> {
    if (spec.variants.length === 0) throw new InvalidInputError(`endpoint "${spec.name}": expected at least one variant`);
    // Load and warm the new variants before anything changes: a version that cannot load never takes traffic.
    const variants = await this.loadVariants(spec.name, spec.variants);
    let record: EndpointRecord;
    try {
      record = await this.store.putEndpoint(spec, change);
    } catch (err) {
      await Promise.all(variants.map((v) => v.dispose()));
      throw err;
    }
    const previous = this.live.get(spec.name);
    this.live.set(spec.name, { record, state: 'ready', variants });
    // Requests already routed to the old variants finish there; then they are freed, off the caller's path.
    if (previous) await Promise.all(previous.variants.map((v) => v.retire()));
    return record;
  }

  private async loadVariants(endpoint: string, specs: VariantSpec[]): Promise<LiveVariant[]> {
    const settled = await Promise.allSettled(
      specs.map((s) => this.loader.load(s, (rows) => this.metrics.observeBatch(endpoint, s.name, s.model.version, rows))),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(settled.map((s) => (s.status === 'fulfilled' ? s.value.dispose() : undefined)));
      throw failed.reason;
    }
    return settled.map((s) => (s as PromiseFulfilledResult<LiveVariant>).value);
  }

  private entry(endpoint: string): LiveEndpoint {
    const entry = this.live.get(endpoint);
    if (!entry) throw new NotFoundError(`endpoint "${endpoint}" not found`);
    return entry;
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

function reasonOf(err: unknown): RejectionReason {
  if (err instanceof OverloadedError) return 'overloaded';
  if (err instanceof DeadlineExceededError) return 'deadline';
  if (err instanceof InvalidInputError) return 'invalid';
  if (err instanceof UnavailableError) return 'cancelled';
  return 'error';
}

function statusOf(entry: LiveEndpoint): EndpointStatus {
  const status: EndpointStatus = { record: entry.record, state: entry.state };
  if (entry.error !== undefined) status.error = entry.error;
  return status;
}
