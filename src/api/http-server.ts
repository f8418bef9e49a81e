// Builds the HTTP server: v2 inference, the management API and its OpenAPI document, one error format.

import Fastify, { LogController } from 'fastify';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RuntimeConfig } from '../core/runtime-config.js';
import type { ServingMetrics } from '../monitoring/serving-metrics.js';
import type { VersionProfiles } from '../profiler/version-profiles.js';
import type { Registry } from '../registry/registry.js';
import type { VersionIntake } from '../registry/version-intake.js';
import type { VersionValidator } from '../rollout/version-validator.js';
import type { DataPlane } from '../serving/data-plane.js';
import type { EndpointHistory } from '../serving/endpoint-history.js';
import type { EndpointManager } from '../serving/endpoint-manager.js';
import type { DecodePool } from './decode-pool.js';
import { endpointSpecRoutes } from './endpoint-spec-routes.js';
import { installErrorReplies } from './error-reply.js';
import { rolloutRoutes } from './rollout-routes.js';
import type { RolloutController } from '../rollout/rollout-controller.js';
import { loopRoutes, type LoopRouteOptions } from './loop-routes.js';
import { managementRoutes } from './management-routes.js';
import { profileRoutes } from './profile-routes.js';
import { validationRoutes } from './validation-routes.js';
import { v2Routes } from './v2-routes.js';

export interface HttpServerOptions {
  registry: Registry;
  endpoints: EndpointManager;
  history: EndpointHistory;
  intake: VersionIntake;
  validator: VersionValidator;
  profiles: VersionProfiles;
  metrics: ServingMetrics;
  rollouts: RolloutController;
  /** The closed loop's services (the loop's composition, loop-parts.ts, has them all). */
  loop: Omit<LoopRouteOptions, 'registry' | 'adminToken'>;
  /** The server's runtime defaults (config.runtime), for manifests that leave runtime settings out. */
  defaultRuntime: RuntimeConfig;
  version: string;
  adminToken: string | undefined;
  maxBodyBytes: number;
  maxUploadBytes: number;
  decoder: DecodePool;
  /** Inference, health and metadata under /v2. */
  plane: DataPlane;
}

/** The server before its routes: its logger exists from here on, so the services built next log through it. */
export function createHttpServer(opts: { logLevel: string; maxBodyBytes: number }): FastifyInstance {
  return Fastify({
    logger: { level: opts.logLevel },
    // Per-request log lines would cost more than a small model's inference; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.maxBodyBytes,
    // Keep-alive clients (load balancers, benchmark tools) hold connections: on shutdown the idle ones are closed at
    // once (Node's server.close), and those with a request in flight once it is answered — never cut mid-request.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
  });
}

/** Installs the error format, the OpenAPI document and every route on a server from createHttpServer. */
export async function buildHttpServer(app: FastifyInstance, opts: HttpServerOptions): Promise<FastifyInstance> {
  installErrorReplies(app);
  await app.register(swagger, {
    openapi: {
      info: { title: 'Slipway management API', version: opts.version, description: 'Models, versions, aliases and endpoints. Inference speaks the Open Inference Protocol v2 under /v2.' },
      components: { securitySchemes: { admin: { type: 'http', scheme: 'bearer' } } },
      security: opts.adminToken ? [{ admin: [] }] : [],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  await app.register(managementRoutes, {
    registry: opts.registry,
    endpoints: opts.endpoints,
    intake: opts.intake,
    history: opts.history,
    adminToken: opts.adminToken,
    maxUploadBytes: opts.maxUploadBytes,
  });
  await app.register(rolloutRoutes, { rollouts: opts.rollouts, endpoints: opts.endpoints, history: opts.history, adminToken: opts.adminToken });
  await app.register(endpointSpecRoutes, { settings: opts.loop.settings, registry: opts.registry, endpoints: opts.endpoints, rollouts: opts.rollouts, defaultRuntime: opts.defaultRuntime, adminToken: opts.adminToken });
  const { loop } = opts;
  await app.register(loopRoutes, {
    settings: loop.settings, feedback: loop.feedback, status: loop.status, monitors: loop.monitors, webhooks: loop.webhooks, exports: loop.exports,
    baselines: loop.baselines, retrainer: loop.retrainer, requireEndpoint: loop.requireEndpoint, registry: opts.registry, adminToken: opts.adminToken,
  });
  await app.register(validationRoutes, { registry: opts.registry, validator: opts.validator, adminToken: opts.adminToken });
  await app.register(profileRoutes, { registry: opts.registry, profiles: opts.profiles, adminToken: opts.adminToken });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.header('content-type', opts.metrics.contentType).send(await opts.metrics.text()),
  );
  await app.register(v2Routes, { plane: opts.plane, maxBodyBytes: opts.maxBodyBytes, decoder: opts.decoder });
  return app;
}
