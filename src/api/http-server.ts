// Builds the HTTP server: v2 inference, the management API and its OpenAPI document, one error format.

import Fastify, { LogController } from 'fastify';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RuntimeConfig } from '../core/runtime-config.js';
import type { SeriesSource } from '../monitoring/series-source.js';
import type { ServingMetrics } from '../monitoring/serving-metrics.js';
import type { VersionProfiles } from '../profiler/version-profiles.js';
import type { Registry } from '../registry/registry.js';
import type { VersionIntake } from '../registry/version-intake.js';
import type { VersionValidator } from '../rollout/version-validator.js';
import type { DataPlane } from '../serving/data-plane.js';
import type { EndpointHistory } from '../serving/endpoint-history.js';
import type { EndpointManager } from '../serving/endpoint-manager.js';
import type { AuditLog } from '../access/audit-log.js';
import type { TokenService } from '../access/token-service.js';
import { installAccess } from './access-hooks.js';
import { auditRoutes } from './audit-routes.js';
import type { DecodePool } from './decode-pool.js';
import { dashboardFiles } from './dashboard-files.js';
import { dashboardRoutes } from './dashboard-routes.js';
import type { InferAccess } from './infer-access.js';
import { tokenRoutes } from './token-routes.js';
import { endpointSpecRoutes } from './endpoint-spec-routes.js';
import { installErrorReplies } from './error-reply.js';
import { httpsOptions, type ServerTls } from './server-tls.js';
import { closeConnectionsOnShutdown } from './closing-connections.js';
import type { PrincipalName } from './rate-keys.js';
import { rolloutRoutes } from './rollout-routes.js';
import { rolloutTimelineRoutes } from './rollout-timeline-routes.js';
import type { RolloutController } from '../rollout/rollout-controller.js';
import { loopRoutes, type LoopRouteOptions } from './loop-routes.js';
import { managementRoutes } from './management-routes.js';
import { monitoringViewRoutes } from './monitoring-view-routes.js';
import type { MonitoringView } from '../monitoring/monitoring-view.js';
import { profileRoutes } from './profile-routes.js';
import { validationRoutes } from './validation-routes.js';
import { versionReportsRoutes } from './version-reports-routes.js';
import { v2Routes } from './v2-routes.js';

export interface HttpServerOptions {
  registry: Registry;
  endpoints: EndpointManager;
  history: EndpointHistory;
  intake: VersionIntake;
  validator: VersionValidator;
  profiles: VersionProfiles;
  metrics: ServingMetrics;
  /** Each variant's per-second series, for the dashboard's charts. */
  series: SeriesSource;
  rollouts: RolloutController;
  /** The closed loop's services (the loop's composition, loop-parts.ts, has them all), and its views for the dashboard. */
  loop: Omit<LoopRouteOptions, 'registry'> & { views: MonitoringView };
  /** The server's runtime defaults (config.runtime), for manifests that leave runtime settings out. */
  defaultRuntime: RuntimeConfig;
  version: string;
  /** Tokens (the configured admin token among them) and the audit trail: every /api/v1/ route is checked and recorded. */
  tokens: TokenService;
  audit: AuditLog;
  /** Set when inference needs a token (serve --require-infer-token). */
  inferAccess?: InferAccess;
  maxBodyBytes: number;
  maxUploadBytes: number;
  maxPackageFiles: number;
  decoder: DecodePool;
  /** Names the token a request presents, for per-token rate limits. */
  principalName: PrincipalName;
  /** Inference, health and metadata under /v2. */
  plane: DataPlane;
}

/**
 * The server before its routes: its logger exists from here on, so the services built next log through it. With `tls`,
 * it speaks HTTPS only (and requires client certificates when `tls` has a client CA).
 */
export function createHttpServer(opts: { logLevel: string; maxBodyBytes: number; tls?: ServerTls | undefined }): FastifyInstance {
  const server = Fastify({
    ...(opts.tls ? { https: httpsOptions(opts.tls) } : {}),
    logger: { level: opts.logLevel },
    // Per-request log lines would cost more than a small model's inference; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.maxBodyBytes,
    // Keep-alive clients (load balancers, benchmark tools) hold connections: on shutdown the idle ones are closed at
    // once (Node's server.close), and those with a request in flight once it is answered — never cut mid-request.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
  // Fastify types an HTTPS server apart from an HTTP one; routes and hooks never touch the raw server, and what Slipway
  // reads of it (address(), the request's socket) both kinds share.
  const app = server as unknown as FastifyInstance;
  closeConnectionsOnShutdown(app);
  return app;
}

/** Installs the error format, the OpenAPI document and every route on a server from createHttpServer. */
export async function buildHttpServer(app: FastifyInstance, opts: HttpServerOptions): Promise<FastifyInstance> {
  installErrorReplies(app);
  // Before any route: every /api/v1/ route registered from here on gets its access check and audit entry.
  installAccess(app, { tokens: opts.tokens, audit: opts.audit });
  await app.register(swagger, {
    openapi: {
      info: {
        title: 'Slipway management API', version: opts.version,
        description: 'Models, versions, aliases and endpoints. Inference speaks the Open Inference Protocol v2 under /v2. '
          + 'Once a token exists (configured with --admin-token, or created with POST /api/v1/tokens), every route needs a Bearer token whose scope '
          + '(read < deploy < admin; infer for inference only) covers what the route says it needs.',
      },
      components: { securitySchemes: { token: { type: 'http', scheme: 'bearer', description: 'a Slipway token (slw_…) or the configured admin token' } } },
      security: [{ token: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  await app.register(managementRoutes, {
    registry: opts.registry,
    endpoints: opts.endpoints,
    intake: opts.intake,
    history: opts.history,
    maxUploadBytes: opts.maxUploadBytes,
    maxPackageFiles: opts.maxPackageFiles,
  });
  await app.register(rolloutRoutes, { rollouts: opts.rollouts, endpoints: opts.endpoints, history: opts.history });
  await app.register(rolloutTimelineRoutes, { rollouts: opts.rollouts, requireEndpoint: opts.loop.requireEndpoint });
  await app.register(endpointSpecRoutes, { settings: opts.loop.settings, registry: opts.registry, endpoints: opts.endpoints, rollouts: opts.rollouts, defaultRuntime: opts.defaultRuntime });
  const { loop } = opts;
  await app.register(loopRoutes, {
    settings: loop.settings, feedback: loop.feedback, status: loop.status, monitors: loop.monitors, webhooks: loop.webhooks, exports: loop.exports,
    baselines: loop.baselines, retrainer: loop.retrainer, requireEndpoint: loop.requireEndpoint, registry: opts.registry,
  });
  await app.register(monitoringViewRoutes, {
    views: loop.views, feedback: loop.feedback, requireEndpoint: loop.requireEndpoint, baselines: loop.baselines, registry: opts.registry,
  });
  await app.register(validationRoutes, { registry: opts.registry, validator: opts.validator });
  await app.register(dashboardRoutes, { endpoints: opts.endpoints, series: opts.series, rollouts: opts.rollouts, monitors: loop.monitors });
  // The dashboard's files are public (they hold no data; every number comes from the API above, behind its token).
  await app.register(dashboardFiles, {});
  await app.register(profileRoutes, { registry: opts.registry, profiles: opts.profiles });
  await app.register(tokenRoutes, { tokens: opts.tokens });
  await app.register(auditRoutes, { audit: opts.audit });
  await app.register(versionReportsRoutes, { registry: opts.registry, validator: opts.validator, profiles: opts.profiles, baselines: loop.baselines });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.header('content-type', opts.metrics.contentType).send(await opts.metrics.text()),
  );
  await app.register(v2Routes, { plane: opts.plane, maxBodyBytes: opts.maxBodyBytes, decoder: opts.decoder, principalName: opts.principalName, ...(opts.inferAccess ? { inferAccess: opts.inferAccess } : {}) });
  return app;
}
