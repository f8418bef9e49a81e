// Who a request acts as, once its token was checked: the one place the rest of the API (history, audit, rate limits
// per token) reads it from. An HTTP request or a gRPC call is the key.

import type { Principal } from '../core/access-scope.js';

export type { Principal } from '../core/access-scope.js';

const principals = new WeakMap<object, Principal>();

/** The authenticated principal of a request (FastifyRequest) or gRPC call; undefined when it presented no token. */
export function principalOf(request: object): Principal | undefined {
  return principals.get(request);
}

/** Called by the access checks only (access-hooks.ts, infer-access.ts). */
export function setPrincipal(request: object, principal: Principal): void {
  principals.set(request, principal);
}
