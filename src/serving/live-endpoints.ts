// Request serving's side of endpoints: the live endpoint table as requests read it, routing (weights, sticky keys,
// pins, registry versions), running a request with its shadow copies and capture, per-variant windows, early refusal.

import type { CancelSignal } from '../core/cancel-signal.js';
import type { EndpointSpec, VariantSpec } from '../core/endpoint-spec.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { CancelledError, DeadlineExceededError, InvalidInputError, NotFoundError, OverloadedError, UnavailableError } from '../core/errors.js';
import type { InferRequest, InferResponse } from '../core/infer.js';
import type { ModelVersion } from '../core/model-version.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import { checkRequest } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';
import type { RejectionReason, ServingObserver } from './serving-observer.js';
import type { Registry } from '../registry/registry.js';
import type { RunRequest } from '../runtime/runner.js';
import type { ScheduleOptions } from '../runtime/scheduler.js';
import type { EndpointRecord } from '../store/store.js';
import { hasNaN } from './agreement.js';
import { CaptureTap, type CapturedVariant } from './capture-tap.js';
import type { CaptureSink } from './capture-sink.js';
import type { LiveVariant } from './live-variant.js';
import { pickSticky, pickWeighted } from './route-choice.js';
import { runCopy } from './shadow-copies.js';
import type { VariantLoader } from './variant-loader.js';
import { VersionCache } from './version-cache.js';

export type EndpointState = 'loading' | 'ready' | 'failed';

/**
 * One endpoint as it serves. The same object for the endpoint's whole life: a spec change updates it in place, so a
 * request that looked its endpoint up once (before its body was decoded) still routes by the current variants.
 */
export interface LiveEndpoint {
  record: EndpointRecord;
  state: EndpointState;
  /** Why the last load failed, when state is 'failed'. */
  error?: string | undefined;
  variants: LiveVariant[];
  /** Set when the endpoint was removed: a request that looked it up before is answered as for an unknown endpoint. */
  removed: boolean;
}

/** Per-request options of an inference call. */
export interface InferOptions {
  /** Run this registry version of the endpoint's model instead of routing among variants. */
  version?: number;
  /** Absolute time (ms since epoch) after which the request must not run any more. */
  deadline?: number;
  /** Aborted when the client went away: a queued request is dropped. */
  signal?: CancelSignal;
  /** Sticky routing key (e.g. a user id): the same key meets the same variant while weights allow. */
  routeKey?: string;
  /** Variant name to serve this request (debugging); shadows included. */
  pin?: string;
}

export class LiveEndpoints {
  private readonly table = new Map<string, LiveEndpoint>();
  private readonly versions: VersionCache;

  constructor(
    private readonly registry: Registry,
    loader: VariantLoader,
    defaultRuntime: RuntimeConfig,
    private readonly metrics: ServingObserver,
    /** Where sampled requests are recorded (absent: capture is not part of this server, e.g. the profiler). */
    private readonly capture?: CaptureSink,
  ) {
    this.versions = new VersionCache(loader, defaultRuntime);
  }

  /** The endpoint, or undefined when there is none of that name. */
  find(endpoint: string): LiveEndpoint | undefined {
    return this.table.get(endpoint);
  }

  /** The endpoint; an unknown one is a NotFoundError. */
  lookup(endpoint: string): LiveEndpoint {
    const entry = this.table.get(endpoint);
    if (!entry) throw new NotFoundError(`endpoint "${endpoint}" not found`);
    return entry;
  }

  all(): IterableIterator<LiveEndpoint> {
    return this.table.values();
  }

  /** Adds an endpoint to the table (management creates it; later changes update the same object). */
  add(entry: LiveEndpoint): void {
    this.table.set(entry.record.spec.name, entry);
  }

  /** Takes an endpoint out of the table: it stops taking requests at once. */
  remove(endpoint: string): LiveEndpoint | undefined {
    const entry = this.table.get(endpoint);
    if (!entry) return undefined;
    this.table.delete(endpoint);
    entry.removed = true;
    return entry;
  }

  /** True when every endpoint finished loading (failed ones count as finished: they need a new deploy, not a wait). */
  get settled(): boolean {
    for (const e of this.table.values()) if (e.state === 'loading') return false;
    return true;
  }

  /** The endpoints still loading and those whose load failed, by name, for the server's readiness answer. */
  unsettled(): { loading: string[]; failed: string[] } {
    const loading: string[] = [];
    const failed: string[] = [];
    for (const [name, e] of this.table) {
      if (e.state === 'loading') loading.push(name);
      else if (e.state === 'failed') failed.push(name);
    }
    return { loading: loading.sort(), failed: failed.sort() };
  }

  /** The version a request to `endpoint` would meet, for metadata; `version` selects a registry version directly. */
  async describe(endpoint: string, version?: number): Promise<ModelVersion> {
    const primary = primaryOf(this.lookup(endpoint).record.spec);
    return this.registry.get(primary.model.name, version ?? primary.model.version);
  }

  /** Whether `endpoint` (or one registry version of its model) can take requests now. */
  isReady(endpoint: string, version?: number): boolean {
    const entry = this.lookup(endpoint);
    if (entry.state !== 'ready') return false;
    if (version === undefined) return true;
    return entry.variants.some((v) => v.version.version === version) || this.versions.isLoaded(primaryOf(entry.record.spec).model.name, version);
  }

  /**
   * Runs one request on the variant routing picks (or the pinned one, or a registry version), sends copies to shadows
   * and comparison references without waiting for them, and records the outcome in the variant's window and metrics.
   * `request` comes from a protocol decoder, which already matched each tensor's element count to its shape.
   */
  async infer(entry: LiveEndpoint, request: InferRequest, options: InferOptions): Promise<InferResponse> {
    const started = performance.now();
    const endpoint = entry.record.spec.name;
    const routed = this.route(entry, options);
    // The usual path routes synchronously: nothing may run between the pick and run(), which counts the request in flight.
    const variant = routed instanceof Promise ? await routed : routed;
    // Before anything runs: the tap holds the inputs as they came (the run borrows them, see below).
    const tap = CaptureTap.open(this.capture, endpoint, request);
    let outputNames: string[];
    try {
      outputNames = checkRequest(variant.signature, request, true);
    } catch (err) {
      this.metrics.observeRequest({ endpoint, variant: variant.spec.name, version: variant.version.version, ok: false, durationMicros: 0 }, 'invalid');
      tap?.close(capturedOf(variant), 'invalid', performance.now() - started, request.inputs[0]?.shape[0] ?? 1, undefined, (err as Error).message);
      throw err;
    }
    const rows = variant.signature.inputs[0]?.shape[0] === -1 ? (request.inputs[0]?.shape[0] ?? 1) : 1;
    const copies = options.version === undefined && options.pin === undefined ? this.copyTargets(entry, variant) : undefined;
    // With copies, or a capture tap that reads the inputs when the request ends, every run borrows the request's inputs
    // and its scheduler copies them once (a batch's stacking is that copy); otherwise the live run may move them. Either
    // way no input is copied twice on its way to a runner.
    const schedule: ScheduleOptions = {};
    if (options.deadline !== undefined) schedule.deadline = options.deadline;
    if (options.signal) schedule.signal = options.signal;
    if (copies || tap?.holdsInputs) schedule.borrowed = true;
    const run: RunRequest = { inputs: request.inputs, outputNames };
    if (request.ownBytes && !schedule.borrowed) run.movable = [request.ownBytes];
    const running = variant.run(run, schedule);
    if (copies) {
      const liveAnswer = running.then((r) => r.outputs, () => undefined as Tensor[] | undefined);
      for (const target of copies) runCopy(target, target.spec.shadow ? target : variant, request.inputs, outputNames, liveAnswer);
    }
    try {
      const result = await running;
      const elapsedMs = performance.now() - started;
      variant.window.record(hasNaN(result.outputs) ? 'nan' : 'ok', elapsedMs);
      this.metrics.observeRequest({
        endpoint, variant: variant.spec.name, version: variant.version.version, ok: true,
        durationMicros: elapsedMs * 1000, queueMicros: result.queueMicros, computeMicros: result.computeMicros, rows,
      });
      tap?.close(capturedOf(variant), 'ok', elapsedMs, rows, result.outputs);
      const response: InferResponse = {
        modelName: endpoint,
        modelVersion: String(variant.version.version),
        outputs: result.outputs,
        parameters: { variant: variant.spec.name, model: variant.modelId },
      };
      if (request.id !== undefined) response.id = request.id;
      return response;
    } catch (err) {
      const reason = reasonOf(err);
      // Refusals (overload, deadline, client gone) say nothing about the model; failures to run do.
      if (reason === 'error') variant.window.record('error', performance.now() - started);
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
    return [...this.table.entries()].flatMap(([endpoint, e]) =>
      e.variants.map((v) => ({ endpoint, version: v.version.version, pending: v.pending })),
    );
  }

  /**
   * When every variant that takes traffic is at its queue limit, the refusal any request would get — known before its
   * body is read, so an overloaded server does not spend its CPU receiving bodies it will refuse.
   */
  refusalBeforeBody(endpoint: string): OverloadedError | undefined {
    const entry = this.table.get(endpoint);
    if (!entry || entry.state !== 'ready') return undefined;
    // Every request asks: no array is made unless every live variant is saturated.
    let anyLive = false;
    for (const v of entry.variants) {
      if (v.spec.shadow || v.spec.weight <= 0) continue;
      if (!v.saturated) return undefined;
      anyLive = true;
    }
    if (!anyLive) return undefined;
    const live = entry.variants.filter((v) => !v.spec.shadow && v.spec.weight > 0);
    const first = live[0]!;
    this.metrics.observeRequest({ endpoint, variant: first.spec.name, version: first.version.version, ok: false, durationMicros: 0 }, 'overloaded');
    // With one live variant, the words its queue would have refused the request with (what gRPC clients always got).
    return new OverloadedError(
      live.length === 1
        ? `model ${formatVersionId(first.spec.model)} has ${first.queued} requests waiting (its maxQueueSize); retry shortly`
        : `endpoint "${endpoint}" has every variant's queue full; retry shortly`,
    );
  }

  /** Every variant's window, for metrics. */
  variantWindows(): { endpoint: string; variant: string; shadow: boolean; requests: number; errorRate: number | null; p99Ms: number | null; agreement: number | null }[] {
    return [...this.table.entries()].flatMap(([endpoint, e]) =>
      e.variants.map((v) => ({ endpoint, variant: v.spec.name, shadow: v.spec.shadow, ...v.window.snapshot() })),
    );
  }

  /** Empties the table and frees every runner, registry versions included (server shutdown). */
  async close(): Promise<void> {
    const all = [...this.table.values()].flatMap((e) => e.variants);
    this.table.clear();
    await Promise.all([...all.map((v) => v.retire()), this.versions.close()]);
  }

  /**
   * Picks the variant for a request: a pinned one, a registry version, a sticky choice by key, or a weighted one.
   * Synchronous except for a registry version that has to be loaded on demand.
   */
  private route(entry: LiveEndpoint, options: InferOptions): LiveVariant | Promise<LiveVariant> {
    const endpoint = entry.record.spec.name;
    if (entry.removed) throw new NotFoundError(`endpoint "${endpoint}" not found`);
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
        .then((model) => this.versions.get(model, (rows, handler) => this.metrics.observeBatch(endpoint, `version-${version}`, version, rows, handler)));
    }
    // One variant with traffic (the usual endpoint) is found without making the candidates' array.
    let only: LiveVariant | undefined;
    let count = 0;
    for (const v of entry.variants) {
      if (v.spec.shadow || v.spec.weight <= 0) continue;
      only = v;
      count++;
    }
    if (count === 0) throw new UnavailableError(`endpoint "${endpoint}" has no variant with traffic weight`);
    if (count === 1) return only!;
    const candidates = entry.variants.filter((v) => !v.spec.shadow && v.spec.weight > 0);
    const pick = options.routeKey !== undefined
      ? pickSticky(options.routeKey, candidates.map((v) => v.spec))
      : pickWeighted(candidates.map((v) => v.spec.weight), Math.random());
    return candidates[pick]!;
  }

  /**
   * Shadows get a copy of every live request; a variant with `compareWith` has its requests re-run there for
   * agreement. Undefined when there are none (the usual case allocates nothing).
   */
  private copyTargets(entry: LiveEndpoint, served: LiveVariant): LiveVariant[] | undefined {
    let targets: LiveVariant[] | undefined;
    for (const v of entry.variants) if (v.spec.shadow && v !== served) (targets ??= []).push(v);
    const reference = served.spec.compareWith;
    if (reference !== undefined) {
      const ref = entry.variants.find((v) => v.spec.name === reference);
      if (ref && ref !== served) (targets ??= []).push(ref);
    }
    return targets;
  }
}

/** What a captured record says about the variant that served it. */
function capturedOf(variant: LiveVariant): CapturedVariant {
  return { variant: variant.spec.name, model: variant.version.name, version: variant.version.version };
}

/** The variant metadata describes: the heaviest live one. */
export function primaryOf(spec: EndpointSpec): VariantSpec {
  const live = spec.variants.filter((v) => !v.shadow);
  return [...live].sort((a, b) => b.weight - a.weight)[0] ?? spec.variants[0]!;
}

/** The metric reason of a failed request: refusals by kind; any other failure is the model's or ours, an error. */
function reasonOf(err: unknown): RejectionReason {
  if (err instanceof OverloadedError) return 'overloaded';
  if (err instanceof DeadlineExceededError) return 'deadline';
  if (err instanceof InvalidInputError) return 'invalid';
  if (err instanceof CancelledError) return 'cancelled';
  return 'error';
}
