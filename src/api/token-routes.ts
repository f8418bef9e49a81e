// The token routes: create (the secret in the answer, once), list, revoke; and who-am-I for `slipway login`.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { TokenService } from '../access/token-service.js';
import { parseLongDuration } from '../core/config-fields.js';
import { accessTokenSchema, createTokenBodySchema, errorSchema, principalSchema } from './api-schemas.js';
import { actorOf } from './auth.js';
import { principalOf } from './principal.js';

export interface TokenRouteOptions {
  tokens: TokenService;
}

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema };

interface CreateBody {
  name: string;
  scope: string;
  endpoints?: string[];
  expires?: string;
}

export async function tokenRoutes(app: FastifyInstance, opts: TokenRouteOptions): Promise<void> {
  const { tokens } = opts;

  app.post('/api/v1/tokens', {
    schema: {
      tags: ['access'], summary: 'Create a token; the answer carries its secret, shown this once (only its hash is stored)',
      body: createTokenBodySchema,
      response: { 201: { type: 'object', properties: { token: accessTokenSchema, secret: { type: 'string' } } }, ...errors },
    },
  }, async (request: FastifyRequest<{ Body: CreateBody }>, reply) => {
    const b = request.body;
    const created = await tokens.create({
      name: b.name, scope: b.scope, ...(b.endpoints ? { endpoints: b.endpoints } : {}),
      ...(b.expires !== undefined ? { expiresInMs: parseLongDuration(b.expires, 'expires') } : {}),
    }, actorOf(request));
    return reply.status(201).send(created);
  });

  app.get('/api/v1/tokens', {
    schema: { tags: ['access'], summary: 'Every token, revoked ones included (never a secret)', response: { 200: { type: 'array', items: accessTokenSchema }, ...errors } },
  }, async () => tokens.list());

  app.delete('/api/v1/tokens/:name', {
    schema: {
      tags: ['access'], summary: 'Revoke a token: refused from the next request on, on every replica',
      params: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] },
      response: { 200: accessTokenSchema, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string } }>) => tokens.revoke(request.params.name));

  app.get('/api/v1/whoami', {
    schema: { tags: ['access'], summary: 'Who the presented token is (slipway login checks a token with it)', response: { 200: principalSchema, ...errors } },
  }, async (request) => {
    const principal = principalOf(request);
    if (principal) return { ...principal, open: false };
    return { name: actorOf(request), scope: 'admin', endpoints: [], open: true };
  });
}
