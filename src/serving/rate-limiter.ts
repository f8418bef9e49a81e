// Rate limits on inference: one token bucket per endpoint that declares a limit, one per token name the server gives a
// limit; both per replica (each process counts its own requests). Nothing is counted when nothing is limited.

import { RateLimitedError } from '../core/errors.js';
import type { RateLimit } from '../core/rate-limit.js';
import { TokenBucket } from '../core/token-bucket.js';
import type { RateLimitReason } from './serving-observer.js';

/** The token name that limits every token without a limit of its own. */
export const ANY_TOKEN = '*';

interface Held {
  limit: RateLimit;
  bucket: TokenBucket;
}

export interface RateLimiterOptions {
  /** Limits by token name (`*`: every other token). */
  tokens: Readonly<Record<string, RateLimit>>;
  /** Told of every refusal (metrics). */
  onLimited: (endpoint: string, reason: RateLimitReason) => void;
  /** Milliseconds; Date.now unless a test steps time itself. */
  clock?: () => number;
}

export class RateLimiter {
  /** Whether any token is limited: only then does an adapter work out who is calling. */
  readonly byToken: boolean;
  private readonly endpoints = new Map<string, Held>();
  private readonly tokens = new Map<string, TokenBucket>();
  private readonly clock: () => number;

  constructor(private readonly opts: RateLimiterOptions) {
    this.byToken = Object.keys(opts.tokens).length > 0;
    this.clock = opts.clock ?? Date.now;
  }

  /**
   * Admits one request to `endpoint` (whose spec declares `limit`, or none) from the token named `principal` (none:
   * anonymous, limited only by the endpoint), or throws a RateLimitedError saying which limit and when to retry.
   * Nothing is taken from either bucket unless both have room.
   */
  admit(endpoint: string, limit: RateLimit | undefined, principal: string | undefined): void {
    const now = this.clock();
    const forEndpoint = limit ? this.endpointBucket(endpoint, limit) : undefined;
    const forToken = principal === undefined ? undefined : this.tokenBucket(principal, now);
    const tokenWait = forToken?.waitMs(now) ?? 0;
    if (tokenWait > 0) this.refuse(endpoint, 'token', tokenWait, `token "${principal!}" is limited to ${describe(this.tokenLimit(principal!)!)} on this server`);
    const endpointWait = forEndpoint?.waitMs(now) ?? 0;
    if (endpointWait > 0) this.refuse(endpoint, 'endpoint', endpointWait, `endpoint "${endpoint}" is limited to ${describe(limit!)} per replica`);
    forToken?.take(now);
    forEndpoint?.take(now);
  }

  private refuse(endpoint: string, reason: RateLimitReason, waitMs: number, what: string): never {
    this.opts.onLimited(endpoint, reason);
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    throw new RateLimitedError(`rate limit: ${what}; retry after ${seconds} s`, seconds);
  }

  /** The endpoint's bucket, made anew when its spec's limit changed (a changed limit starts full). */
  private endpointBucket(endpoint: string, limit: RateLimit): TokenBucket {
    const held = this.endpoints.get(endpoint);
    if (held && held.limit.requestsPerSecond === limit.requestsPerSecond && held.limit.burst === limit.burst) return held.bucket;
    const bucket = new TokenBucket(limit.requestsPerSecond, limit.burst, this.clock());
    this.endpoints.set(endpoint, { limit, bucket });
    return bucket;
  }

  private tokenLimit(principal: string): RateLimit | undefined {
    return this.opts.tokens[principal] ?? this.opts.tokens[ANY_TOKEN];
  }

  private tokenBucket(principal: string, now: number): TokenBucket | undefined {
    const existing = this.tokens.get(principal);
    if (existing) return existing;
    const limit = this.tokenLimit(principal);
    if (!limit) return undefined;
    const bucket = new TokenBucket(limit.requestsPerSecond, limit.burst, now);
    this.tokens.set(principal, bucket);
    return bucket;
  }
}

function describe(limit: RateLimit): string {
  return `${limit.requestsPerSecond} requests/s (burst ${limit.burst})`;
}
