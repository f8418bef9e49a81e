// Endpoints at run time: apply specs (load, warm, persist, swap, drain — reusing variants that did not change),
// restore after restart, route requests (weights, sticky keys, pins), run shadows, keep per-variant windows.

import type { EndpointSpec, VariantSpec } from '../core/endpoint-spec.js';
import { checkEndpointSpec, DEFAULT_ROUTING, formatVersionId, normalizeSpec } from '../core/endpoint-spec.js';
import { DeadlineExceededError, InvalidInputError, NotFoundError, OverloadedError, UnavailableError } from '../core/errors.js';
import type { InferRequest, InferResponse } from '../core/infer.js';
import type { ModelRef } from '../core/model-ref.js';
import { formatModelRef } from '../core/model-ref.js';
import { checkName } from '../core/names.js';
import type { ModelVersion } from '../core/model-version.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import { resolveRuntimeConfig } from '../core/runtime-config.js';
import { checkRequest } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';
import type { CapturePipeline } from '../monitoring/capture-pipeline.js';
import type { RejectionReason, ServingMetrics } from '../monitoring/serving-metrics.js';
import type { Registry } from '../registry/registry.js';
import type { ChangeContext, EndpointRecord, Store } from '../store/store.js';
import { hasNaN } from './agreement.js';
import type { LiveVariant } from './live-variant.js';
import { pickSticky, pickWeighted } from './route-choice.js';
import { CaptureTap, type CapturedVariant } from './capture-tap.js';
import { cloneInputs, runCopy } from './shadow-copies.js';
import { VariantLoader } from './variant-loader.js';
import type { WindowSnapshot } from './variant-window.js';
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
  /** Sticky routing key (e.g. a user id): the same key meets the same variant while weights allow. */
  routeKey?: string;
  /** Variant name to serve this request (debugging); shadows included. */
  pin?: string;
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

export class EndpointService {
  private readonly live = new Map<string, LiveEndpoint>();
  /** Serialises changes per endpoint: two changes of one endpoint never interleave their load and swap. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly loader: VariantLoader;
  private readonly versions: VersionCache;

  constructor(
    private readonly store: Store,
    private readonly registry: Registry,
    private readonly defaultRuntime: RuntimeConfig,
    private readonly metrics: ServingMetrics,
    /** Where sampled requests are recorded (absent: capture is not part of this server, e.g. the profiler). */
    private readonly capture?: CapturePipeline,
    /** Told when an endpoint was removed (its loop settings go with it). */
    private readonly onRemoved: (endpoint: string) => void = () => undefined,
  ) {
    this.loader = new VariantLoader(registry);
    this.versions = new VersionCache(this.loader, defaultRuntime);
  }

  /** Loads every stored endpoint (after a restart). Each loads independently; a failure marks only that endpoint. */
  async restoreAll(onError: (name: string, err: Error) => void): Promise<void> {
    const records = (await this.store.listEndpoints()).map((r) => ({ ...r, spec: normalizeSpec(r.spec) }));
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
  async deploy(endpoint: string, ref: ModelRef, options: DeployOptions): Promise<EndpointRecord> {
    checkName('endpoint', endpoint);
    const version = await this.registry.resolve(ref);
    const current = this.live.get(endpoint)?.record.spec;
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
    return this.exclusive(spec.name, () => this.applyNow(normalized, change));
  }

  /** Removes an endpoint: it stops taking requests at once; requests in flight finish. */
  remove(endpoint: string, change: ChangeContext): Promise<void> {
    return this.exclusive(endpoint, async () => {
      await this.store.deleteEndpoint(endpoint, change);
      const entry = this.live.get(endpoint);
      this.live.delete(endpoint);
      this.onRemoved(endpoint);
      if (entry) await Promise.all(entry.variants.map((v) => v.retire()));
    });
  }

  list(): EndpointStatus[] {
    return [...this.live.values()].map(statusOf).sort((a, b) => a.record.spec.name.localeCompare(b.record.spec.name));
  }

  status(endpoint: string): EndpointStatus {
    return statusOf(this.entry(endpoint));
  }

  /** Each variant's window: requests, errors, p99 and agreement since its last reset. */
  stats(endpoint: string): VariantStats[] {
    return this.entry(endpoint).variants.map((v) => ({
      variant: v.spec.name, model: formatVersionId(v.spec.model), weight: v.spec.weight, shadow: v.spec.shadow, ...v.window.snapshot(),
    }));
  }

  /** Starts a new window for every variant of the endpoint (a rollout step begins). */
  resetWindows(endpoint: string): void {
    for (const v of this.entry(endpoint).variants) v.window.reset();
  }

  /** True when every endpoint finished loading (failed ones count as finished: they need a new deploy, not a wait). */
  get settled(): boolean {
    for (const e of this.live.values()) if (e.state === 'loading') return false;
    return true;
  }

  /** The version a request to `endpoint` would meet, for metadata; `version` selects a registry version directly. */
  async describe(endpoint: string, version?: number): Promise<ModelVersion> {
    const primary = primaryOf(this.entry(endpoint).record.spec);
    return this.registry.get(primary.model.name, version ?? primary.model.version);
  }

  /** Whether `endpoint` (or one registry version of its model) can take requests now. */
  isReady(endpoint: string, version?: number): boolean {
    const entry = this.entry(endpoint);
    if (entry.state !== 'ready') return false;
    if (version === undefined) return true;
    return entry.variants.some((v) => v.version.version === version) || this.versions.isLoaded(primaryOf(entry.record.spec).model.name, version);
  }

  /**
   * Runs one request on the variant routing picks (or the pinned one, or a registry version), sends copies to shadows
   * and comparison references without waiting for them, and records the outcome in the variant's window and metrics.
   */
  async infer(endpoint: string, request: InferRequest, options: InferOptions = {}): Promise<InferResponse> {
    const started = performance.now();
    const entry = this.entry(endpoint);
    const routed = this.route(entry, options);
    // The usual path routes synchronously: nothing may run between the pick and run(), which counts the request in flight.
    const variant = routed instanceof Promise ? await routed : routed;
    // Before anything runs: the tap copies the inputs, and running moves their buffers to another thread.
    const tap = CaptureTap.open(this.capture, endpoint, request);
    let outputNames: string[];
    try {
      outputNames = checkRequest(variant.signature, request);
    } catch (err) {
      this.metrics.observeRequest({ endpoint, variant: variant.spec.name, version: variant.version.version, ok: false, durationMicros: 0 }, 'invalid');
      tap?.close(capturedOf(variant), 'invalid', performance.now() - started, request.inputs[0]?.shape[0] ?? 1, undefined, (err as Error).message);
      throw err;
    }
    const rows = variant.signature.inputs[0]?.shape[0] === -1 ? (request.inputs[0]?.shape[0] ?? 1) : 1;
    const copies = options.version === undefined && options.pin === undefined ? this.copyTargets(entry, variant) : [];
    // Every copy is taken before anything runs: running moves buffers to another thread, and a moved buffer cannot be read.
    const copyInputs = copies.map(() => cloneInputs(request.inputs));
    const schedule = { ...(options.deadline !== undefined ? { deadline: options.deadline } : {}), ...(options.signal ? { signal: options.signal } : {}) };
    const running = variant.run({ inputs: request.inputs, outputNames }, schedule);
    if (copies.length > 0) {
      const liveAnswer = running.then((r) => r.outputs, () => undefined as Tensor[] | undefined);
      copies.forEach((target, i) => runCopy(target, target.spec.shadow ? target : variant, { inputs: copyInputs[i]! }, outputNames, liveAnswer));
    }
    try {
      const result = await running;
      const elapsedMs = performance.now() - started;
      variant.window.record(!hasNaN(result.outputs), elapsedMs);
      this.metrics.observeRequest({
        endpoint, variant: variant.spec.name, version: variant.version.version, ok: true,
        durationMicros: elapsedMs * 1000, queueMicros: result.queueMicros, computeMicros: result.computeMicros, rows,
      });
      tap?.close(capturedOf(variant), 'ok', elapsedMs, rows, result.outputs);
      const response: InferResponse = {
        modelName: endpoint,
        modelVersion: String(variant.version.version),
        outputs: result.outputs,
        parameters: { variant: variant.spec.name, model: formatVersionId(variant.spec.model) },
      };
      if (request.id !== undefined) response.id = request.id;
      return response;
    } catch (err) {
      const reason = reasonOf(err);
      // Refusals (overload, deadline, client gone) say nothing about the model; failures to run do.
      if (reason === 'error') variant.window.record(false, performance.now() - started);
      tap?.close(capturedOf(variant), reason, performance.now() - started, rows, undefined, (err as Error).message);
      this.metrics.observeRequest(
        { endpoint, variant: variant.spec.name, version: variant.version.version, ok: false, durationMicros: (performance.now() - started) * 1000 },
        reason,
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
   * When every variant that takes traffic is at its queue limit, the refusal any request would get — known before its
   * body is read, so an overloaded server does not spend its CPU receiving bodies it will refuse.
   */
  refusalBeforeBody(endpoint: string): OverloadedError | undefined {
    const entry = this.live.get(endpoint);
    if (!entry || entry.state !== 'ready') return undefined;
    const live = entry.variants.filter((v) => !v.spec.shadow && v.spec.weight > 0);
    if (live.length === 0 || !live.every((v) => v.saturated)) return undefined;
    const first = live[0]!;
    this.metrics.observeRequest({ endpoint, variant: first.spec.name, version: first.version.version, ok: false, durationMicros: 0 }, 'overloaded');
    return new OverloadedError(`endpoint "${endpoint}" has every variant's queue full; retry shortly`);
  }

  /** Every variant's window, for metrics. */
  variantWindows(): { endpoint: string; variant: string; shadow: boolean; requests: number; errorRate: number | null; p99Ms: number | null; agreement: number | null }[] {
    return [...this.live.entries()].flatMap(([endpoint, e]) =>
      e.variants.map((v) => ({ endpoint, variant: v.spec.name, shadow: v.spec.shadow, ...v.window.snapshot() })),
    );
  }

  /** Frees every runner (server shutdown). */
  async close(): Promise<void> {
    const all = [...this.live.values()].flatMap((e) => e.variants);
    this.live.clear();
    await Promise.all([...all.map((v) => v.retire()), this.versions.close()]);
  }

  private async applyNow(spec: EndpointSpec, change: ChangeContext): Promise<EndpointRecord> {
    const previous = this.live.get(spec.name);
    const reusable = new Map((previous?.state === 'ready' ? previous.variants : []).map((v) => [v.spec.name, v]));
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
      record = await this.store.putEndpoint(spec, change);
    } catch (err) {
      await Promise.all(loaded.map((v) => v.dispose()));
      throw err;
    }
    for (const v of kept) v.spec = spec.variants.find((s) => s.name === v.spec.name)!;
    const variants = spec.variants.map((s) => kept.find((v) => v.spec.name === s.name) ?? loaded.find((v) => v.spec.name === s.name)!);
    this.live.set(spec.name, { record, state: 'ready', variants });
    // Requests already routed to replaced variants finish there; then those are freed.
    const retired = (previous?.variants ?? []).filter((v) => !variants.includes(v));
    await Promise.all(retired.map((v) => v.retire()));
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

  /**
   * Picks the variant for a request: a pinned one, a registry version, a sticky choice by key, or a weighted one.
   * Synchronous except for a registry version that has to be loaded on demand.
   */
  private route(entry: LiveEndpoint, options: InferOptions): LiveVariant | Promise<LiveVariant> {
    const endpoint = entry.record.spec.name;
    if (entry.state !== 'ready') {
      throw new UnavailableError(
        entry.state === 'loading'
          ? `endpoint "${endpoint}" is still loading; retry shortly`
          : `endpoint "${endpoint}" failed to load: ${entry.error ?? 'unknown error'}; deploy it again`,
      );
    }
    if (options.pin !== undefined) {
      const pinned = entry.variants.find((v) => v.spec.name === options.pin);
      if (!pinned) {
        throw new NotFoundError(`endpoint "${endpoint}" has no variant "${options.pin}" (variants: ${entry.variants.map((v) => `"${v.spec.name}"`).join(', ')})`);
      }
      return pinned;
    }
    const version = options.version;
    if (version !== undefined) {
      const serving = entry.variants.find((v) => v.version.version === version && !v.spec.shadow);
      if (serving) return serving;
      const name = primaryOf(entry.record.spec).model.name;
      return this.registry
        .get(name, version)
        .then((model) => this.versions.get(model, (rows) => this.metrics.observeBatch(endpoint, `version-${version}`, version, rows)));
    }
    const candidates = entry.variants.filter((v) => !v.spec.shadow && v.spec.weight > 0);
    if (candidates.length === 0) throw new UnavailableError(`endpoint "${endpoint}" has no variant with traffic weight`);
    if (candidates.length === 1) return candidates[0]!;
    const pick = options.routeKey !== undefined
      ? pickSticky(options.routeKey, candidates.map((v) => v.spec))
      : pickWeighted(candidates.map((v) => v.spec.weight), Math.random());
    return candidates[pick]!;
  }

  /** Shadows get a copy of every live request; a variant with `compareWith` has its requests re-run there for agreement. */
  private copyTargets(entry: LiveEndpoint, served: LiveVariant): LiveVariant[] {
    const targets = entry.variants.filter((v) => v.spec.shadow && v !== served);
    const reference = served.spec.compareWith;
    if (reference !== undefined) {
      const ref = entry.variants.find((v) => v.spec.name === reference);
      if (ref && ref !== served) targets.push(ref);
    }
    return targets;
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

/** What a captured record says about the variant that served it. */
function capturedOf(variant: LiveVariant): CapturedVariant {
  return { variant: variant.spec.name, model: variant.version.name, version: variant.version.version };
}

/** The variant metadata describes: the heaviest live one. */
function primaryOf(spec: EndpointSpec): VariantSpec {
  const live = spec.variants.filter((v) => !v.shadow);
  return [...live].sort((a, b) => b.weight - a.weight)[0] ?? spec.variants[0]!;
}

/** Same model and runtime: a loaded variant can keep running under a new weight or shadow flag. */
function sameDeployment(a: VariantSpec, b: VariantSpec): boolean {
  return formatVersionId(a.model) === formatVersionId(b.model) && JSON.stringify(a.runtime) === JSON.stringify(b.runtime);
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
