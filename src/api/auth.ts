// The admin token check for the management API: constant-time comparison of a Bearer token.

import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '../core/errors.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** Returns a preHandler that requires `Authorization: Bearer <token>` when a token is configured. */
export function requireAdminToken(token: string | undefined): (request: FastifyRequest) => Promise<void> {
  const expected = token === undefined ? undefined : digest(token);
  return async (request) => {
    if (!expected) return;
    const header = request.headers.authorization ?? '';
    const match = /^Bearer\s+(.+)$/i.exec(header);
    if (!match || !timingSafeEqual(digest(match[1]!.trim()), expected)) {
      throw new UnauthenticatedError('the management API needs an admin token: send "Authorization: Bearer <token>" (CLI: --token or SLIPWAY_TOKEN)');
    }
  };
}

/** Who made a change, for the audit trail: the caller's own label, else the API. */
export function actorOf(request: FastifyRequest): string {
  const actor = request.headers['x-slipway-actor'];
  return typeof actor === 'string' && actor.length > 0 && actor.length <= 200 ? actor : 'api';
}
