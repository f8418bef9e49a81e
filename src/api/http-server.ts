// Builds the HTTP server: v2 inference, the management API and its OpenAPI document, one error format.

import Fastify, { LogController } from 'fastify';
import type { FastifyInstance } from 'fastify';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { RuntimeConfig } from '../core/runtime-config.js';
import type { ServingMetrics } from '../monitoring/serving-metrics.js';
import type { Registry } from '../registry/registry.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import type { DataPlane } from '../serving/data-plane.js';
import type { EndpointManager } from '../serving/endpoint-manager.js';
import type { Store } from '../store/store.js';
import type { DecodePool } from './decode-pool.js';
import { endpointSpecRoutes } from './endpoint-spec-routes.js';
import { installErrorReplies } from './error-reply.js';
import { rolloutRoutes } from './rollout-routes.js';
import type { RolloutController } from '../rollout/rollout-controller.js';
import type { LoopService } from '../loop-service.js';
import { loopRoutes } from './loop-routes.js';
import { managementRoutes } from './management-routes.js';
import { profileRoutes } from './profile-routes.js';
import { validationRoutes } from './validation-routes.js';
import { v2Routes } from './v2-routes.js';

export interface HttpServerOptions {
  registry: Registry;
  runners: RunnerLoader;
  endpoints: EndpointManager;
  store: Store;
  metrics: ServingMetrics;
  rollouts: RolloutController;
  loop: LoopService;
  /** The server's runtime defaults (config.runtime), for manifests that leave runtime settings out. */
  defaultRuntime: RuntimeConfig;
  version: string;
  adminToken: string | undefined;
  maxBodyBytes: number;
  maxUploadBytes: number;
  decoder: DecodePool;
  logLevel: string;
  /** Inference, health and metadata under /v2. */
  plane: DataPlane;
}

export async function buildHttpServer(opts: HttpServerOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: { level: opts.logLevel },
    // Per-request log lines would cost more than a small model's inference; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: opts.maxBodyBytes,
    // Keep-alive clients (load balancers, benchmark tools) hold connections; close them promptly on shutdown.
    forceCloseConnections: true,
    return503OnClosing: true,
  });
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
    runners: opts.runners,
    endpoints: opts.endpoints,
    store: opts.store,
    adminToken: opts.adminToken,
    maxUploadBytes: opts.maxUploadBytes,
    onPushed: (version) => opts.loop.buildBaseline(version),
  });
  await app.register(rolloutRoutes, { rollouts: opts.rollouts, endpoints: opts.endpoints, store: opts.store, adminToken: opts.adminToken });
  await app.register(endpointSpecRoutes, { loop: opts.loop, registry: opts.registry, endpoints: opts.endpoints, rollouts: opts.rollouts, defaultRuntime: opts.defaultRuntime, adminToken: opts.adminToken });
  await app.register(loopRoutes, { loop: opts.loop, registry: opts.registry, store: opts.store, adminToken: opts.adminToken });
  await app.register(validationRoutes, { registry: opts.registry, runners: opts.runners, store: opts.store, adminToken: opts.adminToken });
  await app.register(profileRoutes, { registry: opts.registry, runners: opts.runners, store: opts.store, adminToken: opts.adminToken });
  app.get('/metrics', { schema: { hide: true } }, async (_req, reply) =>
    reply.header('content-type', opts.metrics.contentType).send(await opts.metrics.text()),
  );
  await app.register(v2Routes, { plane: opts.plane, maxBodyBytes: opts.maxBodyBytes, decoder: opts.decoder });
  return app;
}
