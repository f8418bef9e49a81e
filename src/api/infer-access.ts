// Inference behind tokens (serve --require-infer-token): one check for HTTP and gRPC, for the model routes only —
// health and server metadata stay open, as load balancers probe them. Without the setting nothing here runs at all.

import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TokenService } from '../access/token-service.js';
import { inferRefusal, mayInfer, type Principal } from '../core/access-scope.js';
import { bearerSecret } from '../core/access-token.js';
import { ForbiddenError, UnauthenticatedError } from '../core/errors.js';
import { setPrincipal } from './principal.js';

const MISSING =
  'inference on this server needs a token of scope "infer": send "Authorization: Bearer <token>" (gRPC: "authorization" metadata); an admin creates one with slipway token create NAME --scope infer';

/** Checks a presented Authorization value for `endpoint`; the principal is remembered for `key` (the request or call). */
export type InferAccess = (authorization: string | undefined, endpoint: string, key: object) => void | Promise<void>;

export function inferAccess(tokens: TokenService): InferAccess {
  const allow = (principal: Principal, endpoint: string, key: object): void => {
    if (!mayInfer(principal, endpoint)) throw new ForbiddenError(inferRefusal(principal, endpoint));
    setPrincipal(key, principal);
  };
  return (authorization, endpoint, key) => {
    const secret = bearerSecret(authorization);
    if (secret === undefined) throw new UnauthenticatedError(MISSING);
    const principal = tokens.authenticateForInference(secret);
    // A cached token is judged without a promise: the hot path stays one hash and one map lookup.
    if (principal instanceof Promise) return principal.then((p) => allow(p, endpoint, key));
    allow(principal, endpoint, key);
  };
}

/** The same as a Fastify onRequest hook (callback style: no promise for a cached token) on routes with `:model`. */
export function inferAccessHook(check: InferAccess) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void): void => {
    const model = (request.params as { model?: string }).model ?? '';
    let result: void | Promise<void>;
    try {
      result = check(request.headers.authorization, model, request);
    } catch (err) {
      done(err as Error);
      return;
    }
    if (result instanceof Promise) result.then(() => done(), (err: Error) => done(err));
    else done();
  };
}
