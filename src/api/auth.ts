// The admin token check for the management API (constant-time comparison of a Bearer token), and who a request acts as.

import { timingSafeEqual, createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { UnauthenticatedError } from '../core/errors.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** The one token there is today, by the name history records for it. */
export const ADMIN_TOKEN_NAME = 'admin';

/** Requests that presented a valid token, with that token's name: the actor is then known, not claimed. */
const tokenNames = new WeakMap<FastifyRequest, string>();

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
    tokenNames.set(request, ADMIN_TOKEN_NAME);
  };
}

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Who made a change, for history: the token's name when the request presented one; else the label the caller sent
 * (`x-slipway-actor`, the CLI sends `cli:<OS user>`), taken as is only from this host, since anyone can send any label.
 */
export function actorOf(request: FastifyRequest): string {
  const token = tokenNames.get(request);
  if (token) return token;
  const header = request.headers['x-slipway-actor'];
  const label = typeof header === 'string' && header.length > 0 && header.length <= 200 ? header : 'api';
  const address = request.socket.remoteAddress ?? 'unknown address';
  return LOOPBACK.test(address) ? label : `${label} (unverified, from ${address})`;
}
