// The audit trail's route: GET /api/v1/audit, newest first, by time and actor.

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AUDIT_LIMIT_MAX, type AuditLog } from '../access/audit-log.js';
import { auditEntrySchema, errorSchema } from './api-schemas.js';

export interface AuditRouteOptions {
  audit: AuditLog;
}

interface AuditQuery {
  since?: string;
  actor?: string;
  limit?: number;
}

export async function auditRoutes(app: FastifyInstance, opts: AuditRouteOptions): Promise<void> {
  app.get('/api/v1/audit', {
    schema: {
      tags: ['access'], summary: 'Management actions and refused attempts, newest first: who, what, which object, when, from where, the outcome',
      querystring: {
        type: 'object',
        additionalProperties: false,
        properties: {
          since: { type: 'string', description: 'an ISO time, or a duration ago: "1h", "7d"' },
          actor: { type: 'string', description: 'only this actor (a token\'s name)' },
          limit: { type: 'integer', minimum: 1, maximum: AUDIT_LIMIT_MAX, default: 100 },
        },
      },
      response: { 200: { type: 'array', items: auditEntrySchema }, 400: errorSchema, 401: errorSchema, 403: errorSchema },
    },
  }, async (request: FastifyRequest<{ Querystring: AuditQuery }>) => opts.audit.list(request.query));
}
