// Access tokens: their records, secrets (made, hashed, recognised) and the verdict on a presented one at a time.

import { createHash, randomBytes } from 'node:crypto';
import { InvalidInputError } from './errors.js';
import type { Principal, Scope } from './access-scope.js';

/** Every secret starts so: secret scanners (and people) recognise a leaked Slipway token by it. */
export const TOKEN_PREFIX = 'slw_';

/** The name the server's configured admin token (--admin-token) acts under; no stored token may take it. */
export const ADMIN_TOKEN_NAME = 'admin';

/** A stored token as callers see it: never its secret, nor the secret's hash. */
export interface AccessToken {
  id: number;
  name: string;
  scope: Scope;
  /** Endpoints an `infer` token may call; empty: all. */
  endpoints: string[];
  createdAt: string;
  /** Who created it (a token's name or the loopback user). */
  createdBy: string;
  expiresAt: string | null;
  /** Updated at most once a minute per token (a write per request would cost more than a small model's inference). */
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export interface NewAccessToken {
  name: string;
  scope: Scope;
  endpoints: string[];
  /** hashSecret(secret): the store never sees the secret. */
  secretHash: string;
  expiresAt: string | null;
  createdBy: string;
}

const NAME = /^[a-z0-9][a-z0-9_.-]{0,62}$/;

export function checkTokenName(name: string): string {
  if (!NAME.test(name)) {
    throw new InvalidInputError(`token name ${JSON.stringify(name)} is invalid: expected 1-63 characters of a-z, 0-9, '-', '_' or '.', starting with a letter or digit`);
  }
  if (name === ADMIN_TOKEN_NAME) {
    throw new InvalidInputError(`token name "${ADMIN_TOKEN_NAME}" is the server's configured admin token (--admin-token); pick another name`);
  }
  return name;
}

/** A new secret: 32 random bytes (256 bits, so one SHA-256 is enough to store it; no slow hash needed), prefixed. */
export function newSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** The hex SHA-256 of a secret: what the store keeps and looks tokens up by. */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export type TokenVerdict = { ok: true; principal: Principal } | { ok: false; reason: string };

/** Whether a stored token may act at `nowMs`: revoked and expired tokens are refused, saying which. */
export function tokenVerdict(token: AccessToken, nowMs: number): TokenVerdict {
  if (token.revokedAt !== null) return { ok: false, reason: `token "${token.name}" was revoked at ${token.revokedAt}` };
  if (token.expiresAt !== null && Date.parse(token.expiresAt) <= nowMs) {
    return { ok: false, reason: `token "${token.name}" expired at ${token.expiresAt}` };
  }
  return { ok: true, principal: { name: token.name, scope: token.scope, endpoints: token.endpoints } };
}

/** The secret of an `Authorization: Bearer <secret>` header; undefined when there is none. */
export function bearerSecret(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : undefined;
}
