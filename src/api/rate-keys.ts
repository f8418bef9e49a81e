// Whose share of a rate limit a request spends: the name of the token it presents, read the same way over HTTP and gRPC.

import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type * as grpc from '@grpc/grpc-js';

/**
 * The name of the token an `Authorization` value presents, or undefined for none or one the server does not know.
 * Only names of tokens the server issued may come back: each name becomes a bucket, so a client inventing tokens
 * must not be able to make new ones. The server's token registry provides this; `adminTokenName` is today's.
 */
export type PrincipalName = (authorization: string | undefined) => string | undefined;

const BEARER = /^Bearer\s+(.+)$/i;

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The one token there is without a token registry: the admin token, named "admin" as history names it. */
export function adminTokenName(token: string | undefined, name = 'admin'): PrincipalName {
  if (token === undefined) return () => undefined;
  const expected = digest(token);
  return (authorization) => {
    const match = authorization === undefined ? null : BEARER.exec(authorization);
    return match && timingSafeEqual(digest(match[1]!.trim()), expected) ? name : undefined;
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
