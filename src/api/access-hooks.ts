// The management API's two access hooks, attached to every /api/v1/ route from its rule in route-access.ts: one checks
// the token and its scope before the body is read (onRequest), one records the audit entry after the answer (onResponse).

import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, onResponseHookHandler, RouteOptions } from 'fastify';
import type { AuditLog } from '../access/audit-log.js';
import type { TokenService } from '../access/token-service.js';
import { scopeAllows, scopeRefusal, type Principal } from '../core/access-scope.js';
import { bearerSecret } from '../core/access-token.js';
import { outcomeOf } from '../core/audit-entry.js';
import { ForbiddenError, RefusedTokenError, UnauthenticatedError } from '../core/errors.js';
import { actorOf } from './auth.js';
import { setPrincipal } from './principal.js';
import { ROUTE_ACCESS, type RouteRule } from './route-access.js';

export interface AccessOptions {
  tokens: TokenService;
  audit: AuditLog;
}

/** The object a handler names once it knows it (a push's `digits:3`), for the audit entry of its request. */
const notedObjects = new WeakMap<FastifyRequest, string>();

export function noteAuditObject(request: FastifyRequest, object: string): void {
  notedObjects.set(request, object);
}

/** Requests refused for a known token that may no longer act: the audit trail names it (`ci (revoked or expired)`). */
const refusedTokens = new WeakMap<FastifyRequest, string>();

function asArray<T>(hooks: T | T[] | undefined): T[] {
  return hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];
}

const MISSING_TOKEN =
  'the management API needs a token: send "Authorization: Bearer <token>" (CLI: slipway login, --token or SLIPWAY_TOKEN); an admin creates one with slipway token create';

/** The rule of a route, or an error naming the table to add it to; undefined for routes outside /api/v1/. */
export function ruleOf(method: string, url: string): RouteRule | undefined {
  if (!url.startsWith('/api/v1/')) return undefined;
  const rule = ROUTE_ACCESS[`${method === 'HEAD' ? 'GET' : method} ${url}`];
  if (!rule) throw new Error(`route ${method} ${url} declares no access: add it to ROUTE_ACCESS in api/route-access.ts`);
  return rule;
}

/** Installs the hooks; call before any management route is registered (child plugins inherit onRoute). */
export function installAccess(app: FastifyInstance, opts: AccessOptions): void {
  const { tokens, audit } = opts;

  const check = (rule: RouteRule): onRequestHookHandler => async (request: FastifyRequest) => {
    const secret = bearerSecret(request.headers.authorization);
    if (secret === undefined) {
      // No token configured and none ever created: the API stays open as it always was (loopback dev mode).
      if (!(await tokens.required())) return;
      throw new UnauthenticatedError(MISSING_TOKEN);
    }
    let principal: Principal;
    try {
      principal = await tokens.authenticate(secret);
    } catch (err) {
      if (err instanceof RefusedTokenError) refusedTokens.set(request, `${err.tokenName} (revoked or expired)`);
      throw err;
    }
    setPrincipal(request, principal);
    if (rule.access !== 'token' && !scopeAllows(principal.scope, rule.access)) throw new ForbiddenError(scopeRefusal(principal, rule.access));
  };

  const record = (rule: RouteRule, method: string, url: string): onResponseHookHandler => async (request: FastifyRequest, reply: FastifyReply) => {
    const status = reply.statusCode;
    if (method === 'GET' && !rule.always && status !== 401 && status !== 403) return;
    const action = typeof rule.action === 'function' ? rule.action(request) : rule.action ?? `${method} ${url}`;
    const object = notedObjects.get(request) ?? rule.object?.(request) ?? Object.values((request.params ?? {}) as Record<string, string>).join('/');
    await audit.record({ actor: refusedTokens.get(request) ?? actorOf(request), action, object, address: request.ip, outcome: outcomeOf(status), status });
  };

  app.addHook('onRoute', (route: RouteOptions) => {
    const method = asArray(route.method)[0]!;
    const rule = ruleOf(method, route.url);
    if (!rule) return;
    // First: nothing of a refused request is read or parsed (a push's body included).
    route.onRequest = [check(rule), ...asArray(route.onRequest)];
    route.onResponse = [...asArray(route.onResponse), record(rule, method, route.url)];
    if (route.schema) {
      const needs = rule.access === 'token' ? 'any valid token' : `a token of scope "${rule.access}"${rule.access === 'admin' ? '' : ' or higher'}`;
      route.schema = { ...route.schema, description: `${route.schema.description ?? ''}${route.schema.description ? ' ' : ''}Needs ${needs} once tokens exist.` };
    }
  });
}
