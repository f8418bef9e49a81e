// Access tokens as a service: create (the secret shown once), list, revoke, and authenticate a presented secret —
// fresh from the store for the management API, from a cache emptied on every token change for inference.

import { createHash, timingSafeEqual } from 'node:crypto';
import { checkScope, type Principal } from '../core/access-scope.js';
import { ADMIN_TOKEN_NAME, checkTokenName, hashSecret, newSecret, tokenVerdict, type AccessToken } from '../core/access-token.js';
import { InvalidInputError, RefusedTokenError, UnauthenticatedError } from '../core/errors.js';
import { checkName } from '../core/names.js';
import type { AccessStore } from '../store/access-store.js';

export interface TokenServiceOptions {
  store: AccessStore;
  /** The server's configured admin token (--admin-token): it acts as an `admin` token named `admin`. */
  adminToken: string | undefined;
  log: (details: object, message: string) => void;
  /** The clock expiry is judged by (tests move it). */
  now?: () => number;
}

export interface TokenRequest {
  name: string;
  scope: string;
  endpoints?: string[];
  /** Milliseconds from now until the token expires; absent: never. */
  expiresInMs?: number;
}

/** How often a token's last use is written at most: a write per request would cost more than serving it. */
const TOUCH_EVERY_MS = 60_000;

const ADMIN: Principal = { name: ADMIN_TOKEN_NAME, scope: 'admin', endpoints: [] };

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class TokenService {
  private readonly adminDigest: Buffer | undefined;
  private readonly now: () => number;
  /** Once true, stays true: tokens are never deleted, and revoking them all does not reopen the API. */
  private closed: boolean;
  /** Valid tokens seen on the inference path, by secret hash; emptied on any create or revoke here or on another replica. */
  private readonly cache = new Map<string, AccessToken>();
  private readonly touched = new Map<number, number>();
  /** Counts forget() calls, so a lookup that raced a revocation is not cached. */
  private generation = 0;

  constructor(private readonly opts: TokenServiceOptions) {
    this.adminDigest = opts.adminToken === undefined ? undefined : digest(opts.adminToken);
    this.closed = opts.adminToken !== undefined;
    this.now = opts.now ?? Date.now;
  }

  /** Whether the management API requires a token: one is configured, or one was ever created. */
  async required(): Promise<boolean> {
    if (!this.closed) this.closed = await this.opts.store.anyTokens();
    return this.closed;
  }

  /** The principal a secret stands for, read from the store now (a revocation on any replica counts at once). */
  async authenticate(secret: string): Promise<Principal> {
    if (this.isAdmin(secret)) return ADMIN;
    const token = await this.opts.store.tokenByHash(hashSecret(secret));
    return this.judge(token);
  }

  /**
   * The same, for inference: a valid token is remembered by its hash, and the cache is emptied whenever a token is
   * created or revoked (here, or on another replica: `forget` is called by the change follower). Expiry is judged on
   * every call. Returns synchronously when the answer is known without the store.
   */
  authenticateForInference(secret: string): Principal | Promise<Principal> {
    if (this.isAdmin(secret)) return ADMIN;
    const hash = hashSecret(secret);
    const cached = this.cache.get(hash);
    if (cached) return this.judge(cached);
    const generation = this.generation;
    return this.opts.store.tokenByHash(hash).then((token) => {
      const principal = this.judge(token);
      // Not cached if a token changed while the store was read: the record read may predate a revocation.
      if (generation === this.generation) this.cache.set(hash, token!);
      return principal;
    });
  }

  /** Drops every cached token: a token was created or revoked (by this replica or another). */
  forget(): void {
    this.generation += 1;
    this.cache.clear();
  }

  /** Creates a token and returns it with its secret, which is shown this once and stored only as a hash. */
  async create(request: TokenRequest, createdBy: string): Promise<{ token: AccessToken; secret: string }> {
    const name = checkTokenName(request.name);
    const scope = checkScope(request.scope);
    const endpoints = [...new Set((request.endpoints ?? []).map((e) => checkName('endpoint', e)))];
    if (endpoints.length > 0 && scope !== 'infer') {
      throw new InvalidInputError(`--endpoint limits "infer" tokens only; a "${scope}" token reaches every endpoint`);
    }
    if (request.expiresInMs !== undefined && (!Number.isFinite(request.expiresInMs) || request.expiresInMs <= 0)) {
      throw new InvalidInputError(`expires: expected a positive duration such as "30d", got ${request.expiresInMs} ms`);
    }
    const secret = newSecret();
    const expiresAt = request.expiresInMs === undefined ? null : new Date(this.now() + request.expiresInMs).toISOString();
    const token = await this.opts.store.createToken({ name, scope, endpoints, secretHash: hashSecret(secret), expiresAt, createdBy });
    this.closed = true;
    this.forget();
    return { token, secret };
  }

  list(): Promise<AccessToken[]> {
    return this.opts.store.listTokens();
  }

  async revoke(name: string): Promise<AccessToken> {
    const token = await this.opts.store.revokeToken(name);
    this.forget();
    return token;
  }

  private isAdmin(secret: string): boolean {
    return this.adminDigest !== undefined && timingSafeEqual(digest(secret), this.adminDigest);
  }

  /**
   * A stored token's verdict now. Tokens are looked up by the SHA-256 of the secret, so an index lookup's timing says
   * nothing usable about the secret itself; the configured admin token is compared in constant time.
   */
  private judge(token: AccessToken | undefined): Principal {
    if (!token) throw new UnauthenticatedError('unknown token: check it, or ask an admin for one (slipway token create)');
    const verdict = tokenVerdict(token, this.now());
    if (!verdict.ok) throw new RefusedTokenError(`${verdict.reason}: ask an admin for a new one (slipway token create)`, token.name);
    this.touch(token);
    return verdict.principal;
  }

  private touch(token: AccessToken): void {
    const now = this.now();
    if (now - (this.touched.get(token.id) ?? 0) < TOUCH_EVERY_MS) return;
    this.touched.set(token.id, now);
    this.opts.store.touchToken(token.id, new Date(now).toISOString()).catch((err: Error) =>
      this.opts.log({ token: token.name, err: err.message }, 'could not record when a token was last used'));
  }
}
