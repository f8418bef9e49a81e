// Who a request acts as, for history and the audit trail: the token's name, else the label a loopback client sends.

import type { FastifyRequest } from 'fastify';
import { principalOf } from './principal.js';

// Rate limits and other per-token features read the principal from here or from principal.ts.
export { principalOf } from './principal.js';

const LOOPBACK = /^(127\.|::1$|::ffff:127\.)/;

/**
 * Who made a change, for history: the token's name when the request presented one; else the label the caller sent
 * (`x-slipway-actor`, the CLI sends `cli:<OS user>`), taken as is only from this host, since anyone can send any label.
 */
export function actorOf(request: FastifyRequest): string {
  const principal = principalOf(request);
  if (principal) return principal.name;
  const header = request.headers['x-slipway-actor'];
  const label = typeof header === 'string' && header.length > 0 && header.length <= 200 ? header : 'api';
  const address = request.socket.remoteAddress ?? 'unknown address';
  return LOOPBACK.test(address) ? label : `${label} (unverified, from ${address})`;
}
