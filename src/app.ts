// The composition root: config -> store, artifacts, registry, endpoints -> HTTP and gRPC servers.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { startGrpcServer } from './api/grpc-server.js';
import type { GrpcServer } from './api/grpc-server.js';
import { DecodePool } from './api/decode-pool.js';
import { UnavailableError } from './core/errors.js';
import { buildHttpServer } from './api/http-server.js';
import type { Config } from './config.js';
import { FsArtifactStore } from './registry/fs-artifact-store.js';
import { Registry } from './registry/registry.js';
import { RunnerFactory, type RunnerFormat } from './runtime/runner-factory.js';
import { RunnerLoader } from './runtime/runner-loader.js';
import { ServingMetrics, type ServingState } from './monitoring/serving-metrics.js';
import { RolloutController } from './rollout/rollout-controller.js';
import { DataPlane } from './serving/data-plane.js';
import { EndpointManager } from './serving/endpoint-manager.js';
import { LiveEndpoints } from './serving/live-endpoints.js';
import { VariantLoader } from './serving/variant-loader.js';
import { SqliteStore } from './store/sqlite-store.js';
import type { LoopOptions } from './loop-service.js';
import { LoopService } from './loop-service.js';
import type { Store } from './store/store.js';

export interface RunningServer {
  app: FastifyInstance;
  store: Store;
  url: string;
  /** host:port of the gRPC (Open Inference Protocol) server, e.g. 127.0.0.1:8001. */
  grpcUrl: string;
  registry: Registry;
  /** Loads model versions to run (serving, validation, baselines, profiles), each by its format. */
  runners: RunnerLoader;
  endpoints: EndpointManager;
  loop: LoopService;
  /** Resolves once every stored endpoint has been loaded (or has failed to). */
  restored: Promise<void>;
  close(): Promise<void>;
}

export async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Settings for tests and benchmarks that the config file does not carry (buffer sizes, webhook timing). */
export interface ServerOptions {
  loop?: Pick<LoopOptions, 'pipeline' | 'webhook'>;
  /** Model formats run besides ONNX (a test's throwaway format; later runtimes register theirs here). */
  formats?: readonly RunnerFormat[];
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  await mkdir(config.home, { recursive: true });
  const store: Store = new SqliteStore(join(config.home, 'slipway.db'));
  const artifacts = new FsArtifactStore(join(config.home, 'artifacts'));
  await artifacts.init();
  // One factory for every format: pushes inspect through it, and every model load goes through the one loader.
  const factory = new RunnerFactory(options.formats);
  const registry = new Registry(store, artifacts, factory, { maxFileBytes: config.maxUploadBytes });
  const runners = new RunnerLoader(factory, (version) => registry.modelSource(version));
  // Metrics read serving's state lazily, at scrape time: they are created before the endpoints.
  let servingState: ServingState | undefined;
  const metrics = new ServingMetrics(() => servingState ?? { pendingByVersion: () => [], variantWindows: () => [] });
  // Loop and rollout logs go to the HTTP server's logger, which exists only later: look it up when needed.
  let log: (details: object, message: string) => void = () => undefined;
  let rollouts: RolloutController | undefined;
  let endpoints: EndpointManager | undefined;
  const loop = new LoopService({
    store, registry, runners, home: config.home, metricsRegistry: metrics.registry, log: (details, message) => log(details, message),
    endpoints: () => endpoints!, rollouts: () => rollouts!, pipeline: options.loop?.pipeline ?? {},
    webhook: { ...options.loop?.webhook, ...(config.webhookSecret ? { secret: config.webhookSecret } : {}) },
  });
  const loader = new VariantLoader(registry, runners);
  const live = new LiveEndpoints(registry, loader, config.runtime, metrics, loop.pipeline);
  endpoints = new EndpointManager(store, registry, loader, config.runtime, metrics, live);
  endpoints.onRemoved = (name) => void loop.forget(name);
  rollouts = new RolloutController(store, endpoints, registry, (details, message) => log(details, message));
  servingState = live;
  const decoder = new DecodePool();
  let started = false;
  const plane = new DataPlane({
    endpoints: live, registry, serverVersion: await packageVersion(), isReady: () => started, maxTimeoutMs: config.maxTimeoutMs,
  });
  const app = await buildHttpServer({
    rollouts,
    loop,
    defaultRuntime: config.runtime,
    registry,
    runners,
    endpoints,
    store,
    metrics,
    version: await packageVersion(),
    adminToken: config.adminToken,
    maxBodyBytes: config.maxBodyBytes,
    maxUploadBytes: config.maxUploadBytes,
    decoder,
    logLevel: config.logLevel,
    plane,
  });
  log = (details, message) => app.log.warn(details, message);
  const recovered = await registry.recover();
  if (recovered.incomplete > 0 || recovered.orphans > 0) {
    app.log.warn(recovered, 'removed unfinished uploads and unreferenced artifacts left by an earlier crash');
  }
  if (!config.adminToken && config.host !== '127.0.0.1' && config.host !== 'localhost' && config.host !== '::1') {
    app.log.warn(`listening on ${config.host} with --insecure: the management API accepts anyone who can reach it`);
  }
  try {
    await app.listen({ host: config.host, port: config.port });
  } catch (err) {
    await app.close();
    await store.close();
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new UnavailableError(
        `${config.host}:${config.port} is already in use (another Slipway or Triton?): stop it, or pick another port with --port / SLIPWAY_PORT`,
      );
    }
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  let grpc: GrpcServer;
  try {
    grpc = await startGrpcServer({
      plane,
      decoder,
      host: config.host,
      port: config.grpcPort,
      maxMessageBytes: config.grpcMaxMessageBytes,
      logError: (details, message) => app.log.error(details, message),
    });
  } catch (err) {
    await app.close();
    await store.close();
    throw err;
  }
  const restored = endpoints
    .restoreAll((name, err) => app.log.error({ endpoint: name, err: err.message }, 'endpoint failed to load'))
    .then(() => rollouts!.restore())
    .then(() => loop.start())
    .then(() => {
      started = true;
    });
  return {
    app,
    store,
    url: `http://${host}:${port}`,
    grpcUrl: grpc.address,
    registry,
    runners,
    endpoints,
    loop,
    restored,
    async close() {
      await Promise.all([grpc.close(), app.close()]);
      rollouts!.close();
      // After the servers: the last answered requests' captures are flushed before the store closes.
      await loop.close();
      await Promise.all([endpoints!.close(), decoder.close()]);
      await store.close();
    },
  };
}
