// Whose share of a rate limit a request spends: the name of the token it presents, read the same way over HTTP and gRPC.

import type { IncomingHttpHeaders } from 'node:http';
import type * as grpc from '@grpc/grpc-js';
import type { TokenService } from '../access/token-service.js';
import { bearerSecret } from '../core/access-token.js';

/**
 * The name of the token an `Authorization` value presents, or undefined for none or one the server does not know.
 * Only names of tokens the server issued may come back: each name becomes a bucket, so a client inventing tokens
 * must not be able to make new ones. `tokenNames` gives them from the server's tokens.
 */
export type PrincipalName = (authorization: string | undefined) => string | undefined;

/** At most this many store lookups of unknown secrets at once: a client inventing tokens cannot flood the store. */
const MAX_LOOKUPS = 32;

/**
 * Token names from the server's tokens, synchronously: the admin token, or a token already in the inference cache.
 * A secret not yet cached is looked up in the background (so its next request counts against its own bucket) and this
 * request is judged by the endpoint's limit alone; secrets that fail (unknown, revoked, expired) name nobody.
 */
export function tokenNames(tokens: TokenService): PrincipalName {
  const pending = new Set<string>();
  return (authorization) => {
    const secret = bearerSecret(authorization);
    if (secret === undefined) return undefined;
    const known = tokens.knownPrincipal(secret);
    if (known) return known.name;
    if (pending.size < MAX_LOOKUPS && !pending.has(secret)) {
      pending.add(secret);
      void Promise.resolve()
        .then(() => tokens.authenticateForInference(secret))
        .catch(() => undefined)
        .finally(() => pending.delete(secret));
    }
    return undefined;
  };
}

/** The rate key of an HTTP request: the name of the token it presents. */
export function rateKeyOf(headers: IncomingHttpHeaders, principalName: PrincipalName): string | undefined {
  return principalName(headers.authorization);
}

/** The rate key of a gRPC call: the name of the token in its `authorization` metadata. */
export function rateKeyOfCall(metadata: grpc.Metadata, principalName: PrincipalName): string | undefined {
  const value = metadata.get('authorization')[0];
  return principalName(value === undefined ? undefined : String(value));
}
