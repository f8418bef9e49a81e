// What each token scope may do, and the verdict on one token for one request: pure, so every rule is tested without I/O.

import { InvalidInputError } from './errors.js';

/** A token's scope. `admin` ⊇ `deploy` ⊇ `read` on the management API; `infer` reaches only inference. */
export const SCOPES = ['admin', 'deploy', 'read', 'infer'] as const;
export type Scope = (typeof SCOPES)[number];

/** What a management route needs: `token` is any valid token of any scope (who am I). */
export type RouteAccess = 'read' | 'deploy' | 'admin' | 'token';

/** Who a request acts as once its token was checked: what rate limits, history and audit key on. */
export interface Principal {
  /** The token's name (`admin` for the server's configured admin token). */
  name: string;
  scope: Scope;
  /** For `infer` tokens: the endpoints it may call; empty means every endpoint. */
  endpoints: readonly string[];
}

const RANK: Record<Exclude<Scope, 'infer'>, number> = { read: 1, deploy: 2, admin: 3 };

export function checkScope(text: string): Scope {
  if (!(SCOPES as readonly string[]).includes(text)) {
    throw new InvalidInputError(`scope: expected one of ${SCOPES.join(', ')}, got ${JSON.stringify(text)}`);
  }
  return text as Scope;
}

/** True when a token of `scope` may use a management route that needs `need`. */
export function scopeAllows(scope: Scope, need: RouteAccess): boolean {
  if (need === 'token') return true;
  if (scope === 'infer') return false;
  return RANK[scope] >= RANK[need];
}

/** The refusal's text: names the scope needed and the one the token has, so the reader knows which token to use. */
export function scopeRefusal(principal: Principal, need: Exclude<RouteAccess, 'token'>): string {
  const enough = need === 'admin' ? '"admin"' : need === 'deploy' ? '"deploy" or "admin"' : '"read", "deploy" or "admin"';
  return `this needs a token of scope ${enough}; token "${principal.name}" has scope "${principal.scope}"`;
}

/** True when the principal may call inference on `endpoint`: an `admin` token, or an `infer` token naming it (or none). */
export function mayInfer(principal: Principal, endpoint: string): boolean {
  if (principal.scope === 'admin') return true;
  if (principal.scope !== 'infer') return false;
  return principal.endpoints.length === 0 || principal.endpoints.includes(endpoint);
}

export function inferRefusal(principal: Principal, endpoint: string): string {
  if (principal.scope !== 'infer' && principal.scope !== 'admin') {
    return `inference needs a token of scope "infer" (or "admin"); token "${principal.name}" has scope "${principal.scope}"`;
  }
  return `token "${principal.name}" may call only ${principal.endpoints.map((e) => `"${e}"`).join(', ')}, not "${endpoint}"`;
}
