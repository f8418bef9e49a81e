// The one inference data plane every protocol adapter calls: server and model health and metadata, the refusal
// before a body is read, and inference with its routing hints and deadline read the same way whatever the transport.

import type { CancelSignal } from '../core/cancel-signal.js';
import type { OverloadedError } from '../core/errors.js';
import type { RateLimiter } from './rate-limiter.js';
import type { InferRequest, InferResponse } from '../core/infer.js';
import { parseVersion } from '../core/model-ref.js';
import type { Signature } from '../core/signature.js';
import type { Registry } from '../registry/registry.js';
import type { InferOptions, LiveEndpoint, LiveEndpoints } from './live-endpoints.js';
import { requestDeadline, TIMEOUT_HEADER } from './request-deadline.js';
import { readRoutingHints, type HeaderReader } from './routing-options.js';

/** How one transport carries what the data plane reads besides the body. One constant object per adapter. */
export interface Transport<C> {
  /** Reads a lower-case header (HTTP) or metadata key (gRPC) from a call's carrier. */
  header: HeaderReader<C>;
  /** Whether the x-slipway-timeout-ms header sets a deadline (HTTP); gRPC calls carry their own deadline. */
  timeoutHeader: boolean;
}

export interface DataPlaneOptions {
  endpoints: LiveEndpoints;
  registry: Registry;
  serverVersion: string;
  /** False until start-up has restored the endpoints. */
  isReady: () => boolean;
  /** What start-up still does besides restoring (e.g. "bundled examples"): the server is not ready while any is. */
  pending?: () => string[];
  /** Cap on a client's requested timeout, in ms (the config's maxTimeoutMs). */
  maxTimeoutMs: number;
  /** Per-endpoint and per-token rate limits; absent: none. */
  rateLimiter?: RateLimiter;
}

/** What model metadata says, before a protocol encodes it. */
export interface ModelMetadata {
  name: string;
  versions: string[];
  signature: Signature;
}

/** A model version as a client names it (path segment, message field); none when absent. */
function versionOf(text: string | undefined): number | undefined {
  return text === undefined ? undefined : parseVersion(text, `version "${text}"`);
}

export class DataPlane {
  private readonly endpoints: LiveEndpoints;

  constructor(private readonly opts: DataPlaneOptions) {
    this.endpoints = opts.endpoints;
  }

  serverLive(): boolean {
    return true;
  }

  /** Ready once start-up restored the endpoints and none is still loading. */
  serverReady(): boolean {
    return this.opts.isReady() && this.endpoints.settled && (this.opts.pending?.() ?? []).length === 0;
  }

  /**
   * serverReady with its reasons: the endpoints still loading and those that failed to load. Failed ones do not hold
   * readiness back (they wait for a new deploy, not for time), but a client should see them.
   */
  readiness(): { ready: boolean; loading: string[]; failed: string[] } {
    const { loading, failed } = this.endpoints.unsettled();
    return { ready: this.serverReady(), loading: [...loading, ...(this.opts.pending?.() ?? [])], failed };
  }

  serverMetadata(): { name: string; version: string } {
    return { name: 'slipway', version: this.opts.serverVersion };
  }

  /** The signature a request to `model` meets, and its versions (all of the model's, or just the one asked for). */
  async modelMetadata(model: string, version: string | undefined): Promise<ModelMetadata> {
    const v = versionOf(version);
    const described = await this.endpoints.describe(model, v);
    const versions = v === undefined ? (await this.opts.registry.list(described.name)).map((m) => String(m.version)) : [String(v)];
    return { name: model, versions, signature: described.signature };
  }

  /** Whether `model` (or one registry version of it) takes requests now; a version that does not exist is NotFound. */
  async modelReady(model: string, version: string | undefined): Promise<boolean> {
    const v = versionOf(version);
    if (v !== undefined) await this.endpoints.describe(model, v);
    return this.endpoints.isReady(model, v);
  }

  /**
   * The refusal a request to `model` would get now because every live variant is saturated, checked before its body
   * is read or decoded. Only for requests without a version: a registry version runs outside the endpoint's queues.
   */
  refusal(model: string): OverloadedError | undefined {
    return this.endpoints.refusalBeforeBody(model);
  }

  /**
   * Throws a RateLimitedError when `model`'s rate limit, or the calling token's, has no request left now. `principal`
   * names the caller's token; it is asked only when some token is limited, so an unlimited server does no work here.
   * An unknown endpoint passes (the lookup that follows answers NotFound).
   */
  admit(model: string, principal: () => string | undefined): void {
    const limiter = this.opts.rateLimiter;
    if (!limiter) return;
    const limit = this.endpoints.find(model)?.record.spec.rateLimit;
    if (limit === undefined && !limiter.byToken) return;
    limiter.admit(model, limit, limiter.byToken ? principal() : undefined);
  }

  /** The endpoint a request names; an unknown one is NotFound before any of its body is decoded. */
  endpoint(model: string): LiveEndpoint {
    return this.endpoints.lookup(model);
  }

  /**
   * Runs one decoded request on `endpoint` (looked up once, by `endpoint()`). Routing hints and the deadline come from
   * the request's parameters and the transport's headers; `transportDeadline` is one the transport itself carries.
   */
  infer<C>(
    endpoint: LiveEndpoint,
    version: string | undefined,
    request: InferRequest,
    transport: Transport<C>,
    carrier: C,
    signal: CancelSignal,
    transportDeadline?: number,
  ): Promise<InferResponse> {
    const options: InferOptions = { signal };
    const parameters = request.parameters;
    readRoutingHints(options, endpoint.record.spec.routing.stickyHeader, carrier, transport.header, parameters);
    const v = versionOf(version);
    if (v !== undefined) options.version = v;
    const deadline = requestDeadline(
      {
        timeoutParameter: parameters?.timeout,
        timeoutHeader: transport.timeoutHeader ? transport.header(carrier, TIMEOUT_HEADER) : undefined,
        transportDeadline,
      },
      this.opts.maxTimeoutMs,
    );
    if (deadline !== undefined) options.deadline = deadline;
    return this.endpoints.infer(endpoint, request, options);
  }
}
