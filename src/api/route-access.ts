// Every management route's access rule in one table: the scope it needs, and the audit action it records. A route
// under /api/v1/ that is missing here refuses to register (access-hooks.ts), so none can be left open by forgetting.

import type { FastifyRequest } from 'fastify';
import type { RouteAccess } from '../core/access-scope.js';

export interface RouteRule {
  access: RouteAccess;
  /**
   * The audit action. Every non-GET route has one and is recorded whatever its outcome; GET routes are recorded only
   * when refused (401, 403), under this action if given.
   */
  action?: string | ((request: FastifyRequest) => string);
  /** The object acted on, when the path parameters do not say it (default: their values, e.g. `digits:3`). */
  object?: (request: FastifyRequest) => string;
  /** Record a GET route's every answer too (a login's check), not only its refusals. */
  always?: boolean;
}

type Params = Record<string, string | undefined>;
const params = (request: FastifyRequest): Params => (request.params ?? {}) as Params;
const version = (request: FastifyRequest): string => `${params(request).name}:${params(request).version}`;
const alias = (request: FastifyRequest): string => `${params(request).name}@${params(request).alias}`;
const bodyName = (request: FastifyRequest): string => {
  const body = request.body as { name?: unknown } | undefined;
  return typeof body?.name === 'string' ? body.name : '';
};

const read: RouteRule = { access: 'read' };
const deploy = (action: string, object?: RouteRule['object']): RouteRule => ({ access: 'deploy', action, ...(object ? { object } : {}) });

/** `METHOD path` as the route is declared → its rule. HEAD routes follow their GET. */
export const ROUTE_ACCESS: Readonly<Record<string, RouteRule>> = {
  // Models, versions, aliases (management-routes.ts)
  'GET /api/v1/models': read,
  'POST /api/v1/models': deploy('model.push'),
  'GET /api/v1/models/:name': read,
  'GET /api/v1/refs/:ref': read,
  'GET /api/v1/models/:name/versions/:version': { access: 'read', object: version },
  'DELETE /api/v1/models/:name/versions/:version': deploy('model.remove', version),
  'GET /api/v1/aliases': read,
  'PUT /api/v1/models/:name/aliases/:alias': deploy('alias.set', alias),
  'DELETE /api/v1/models/:name/aliases/:alias': deploy('alias.remove', alias),
  // Endpoints (management-routes.ts, endpoint-spec-routes.ts)
  'GET /api/v1/endpoints': read,
  'GET /api/v1/endpoints/:name': read,
  'PUT /api/v1/endpoints/:name': deploy('endpoint.deploy'),
  'DELETE /api/v1/endpoints/:name': deploy('endpoint.remove'),
  'GET /api/v1/endpoints/:name/history': read,
  'GET /api/v1/endpoints/:name/spec': read,
  'PUT /api/v1/endpoints/:name/spec': deploy('endpoint.apply'),
  // Rollouts (rollout-routes.ts)
  'POST /api/v1/endpoints/:name/rollouts': deploy('rollout.start'),
  'GET /api/v1/endpoints/:name/rollout': read,
  'POST /api/v1/endpoints/:name/rollout/:command': { access: 'deploy', action: (r) => `rollout.${params(r).command ?? ''}`, object: (r) => params(r).name ?? '' },
  'GET /api/v1/endpoints/:name/stats': read,
  'POST /api/v1/endpoints/:name/restore': deploy('endpoint.restore'),
  // The closed loop (loop-routes.ts)
  'GET /api/v1/endpoints/:name/capture': read,
  'PUT /api/v1/endpoints/:name/capture': deploy('settings.capture'),
  'GET /api/v1/endpoints/:name/monitor': read,
  'PUT /api/v1/endpoints/:name/monitor': deploy('settings.monitor'),
  'GET /api/v1/endpoints/:name/retrain': read,
  'PUT /api/v1/endpoints/:name/retrain': deploy('settings.retrain'),
  'POST /api/v1/endpoints/:name/feedback': deploy('feedback.post'),
  'GET /api/v1/endpoints/:name/quality': read,
  'GET /api/v1/endpoints/:name/monitor/status': read,
  'GET /api/v1/endpoints/:name/monitor/windows': read,
  'GET /api/v1/monitor/events': read,
  'GET /api/v1/webhook-deliveries': read,
  'GET /api/v1/endpoints/:name/export': read,
  'POST /api/v1/models/:name/versions/:version/baseline': deploy('version.baseline', version),
  'GET /api/v1/models/:name/versions/:version/baseline': { access: 'read', object: version },
  'POST /api/v1/endpoints/:name/retrain/runs': deploy('retrain.start'),
  'GET /api/v1/endpoints/:name/retrain/runs': read,
  'GET /api/v1/retrain/runs/:id': read,
  // Validation and profiles (validation-routes.ts, profile-routes.ts)
  'POST /api/v1/models/:name/versions/:version/validate': deploy('version.validate', version),
  'GET /api/v1/models/:name/versions/:version/validation': { access: 'read', object: version },
  'POST /api/v1/models/:name/versions/:version/profile': deploy('version.profile', version),
  'GET /api/v1/models/:name/versions/:version/profile': { access: 'read', object: version },
  // The dashboard's data (dashboard-routes.ts; its files are public and hold no data)
  'GET /api/v1/endpoints/:name/series': read,
  'GET /api/v1/overview': read,
  // The dashboard's views of rollouts and monitoring (rollout-timeline-routes.ts, monitoring-view-routes.ts)
  'GET /api/v1/endpoints/:name/rollouts': read,
  'GET /api/v1/endpoints/:name/rollout/timeline': read,
  'GET /api/v1/endpoints/:name/rollouts/:id/timeline': read,
  'GET /api/v1/endpoints/:name/monitor/heatmap': read,
  'GET /api/v1/endpoints/:name/monitor/windows/:id/features/:feature': read,
  'GET /api/v1/endpoints/:name/monitor/findings': read,
  'GET /api/v1/endpoints/:name/monitor/alerts': read,
  'GET /api/v1/models/:name/versions/:version/baseline/histograms': { access: 'read', object: version },
  // Replicas (cluster-routes.ts)
  'GET /api/v1/cluster': read,
  // Access (token-routes.ts, audit-routes.ts): token management and the audit trail are the admin's.
  'GET /api/v1/tokens': { access: 'admin' },
  'POST /api/v1/tokens': { access: 'admin', action: 'token.create', object: bodyName },
  'DELETE /api/v1/tokens/:name': { access: 'admin', action: 'token.revoke' },
  'GET /api/v1/whoami': { access: 'token', action: 'login', always: true },
  'GET /api/v1/audit': { access: 'admin' },
};
