// The composition root: config -> store, artifacts, registry, capture, endpoints, rollouts, the loop -> HTTP and gRPC servers.

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Registry as PromRegistry } from 'prom-client';
import { startGrpcServer } from './api/grpc-server.js';
import type { GrpcServer } from './api/grpc-server.js';
import { DecodePool } from './api/decode-pool.js';
import { UnavailableError } from './core/errors.js';
import { pauseAt } from './core/test-pause.js';
import { buildHttpServer, createHttpServer } from './api/http-server.js';
import { clusterRoutes } from './api/cluster-routes.js';
import { inferAccess } from './api/infer-access.js';
import { AuditLog } from './access/audit-log.js';
import { TokenService } from './access/token-service.js';
import { readServerTls } from './api/server-tls.js';
import { tokenNames } from './api/rate-keys.js';
import { RateLimiter } from './serving/rate-limiter.js';
import { ChangeFollower } from './change-follower.js';
import { DEFAULT_DUTY_LEASES, DutyLeases, type DutyLeaseOptions } from './duty-leases.js';
import type { Config } from './config.js';
import { FsArtifactStore } from './registry/fs-artifact-store.js';
import { PostgresArtifactStore } from './registry/postgres-artifact-store.js';
import { Registry } from './registry/registry.js';
import { RunnerFactory, type RunnerFormat } from './runtime/runner-factory.js';
import { hostShare, RunnerLoader } from './runtime/runner-loader.js';
import { pythonFormats } from './runtime/python-formats.js';
import { LoopParts } from './loop-parts.js';
import { Baselines } from './monitoring/baselines.js';
import { CapturePipeline, DEFAULT_PIPELINE, type CapturePipelineOptions } from './monitoring/capture-pipeline.js';
import { LoopMetrics } from './monitoring/loop-metrics.js';
import { ServingMetrics } from './monitoring/serving-metrics.js';
import { fanOut } from './monitoring/observer-fanout.js';
import { SeriesRecorder } from './monitoring/series-recorder.js';
import { localSeries, type SeriesSource } from './monitoring/series-source.js';
import type { WebhookOptions } from './monitoring/webhook-sender.js';
import { VersionProfiles } from './profiler/version-profiles.js';
import { VersionIntake } from './registry/version-intake.js';
import { RolloutController } from './rollout/rollout-controller.js';
import { VersionValidator } from './rollout/version-validator.js';
import { EndpointHistory } from './serving/endpoint-history.js';
import { DataPlane } from './serving/data-plane.js';
import { EndpointManager } from './serving/endpoint-manager.js';
import { idlePoll } from './serving/idle-poll.js';
import { LiveEndpoints } from './serving/live-endpoints.js';
import { VariantLoader } from './serving/variant-loader.js';
import { PostgresStore } from './store/postgres-store.js';
import { SqliteStore } from './store/sqlite-store.js';
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
  /** How a new version comes in (push → validate → baseline): bundled examples use it as an HTTP push does. */
  intake: VersionIntake;
  loop: LoopParts;
  /** Resolves once every stored endpoint has been loaded (or has failed to). */
  restored: Promise<void>;
  /** Holds readiness back, naming `what` in the readiness answer, until `until` settles (bundled examples). */
  holdReady(what: string, until: Promise<unknown>): void;
  close(): Promise<void>;
}

export async function packageVersion(): Promise<string> {
  const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Settings for tests and benchmarks that the config file does not carry (buffer sizes, webhook timing). */
export interface ServerOptions {
  loop?: { pipeline?: Partial<CapturePipelineOptions>; webhook?: Partial<WebhookOptions> };
  /** Model formats run besides ONNX (a test's throwaway format; later runtimes register theirs here). */
  formats?: readonly RunnerFormat[];
  /** Lease timing of duties (tests shorten takeover). */
  duties?: Partial<DutyLeaseOptions>;
  /** Skip removing unfinished uploads and unreferenced artifacts at start: another process on this home may be mid-push (serve --workers restarts). */
  skipRecovery?: boolean;
  /** Load stored endpoints before listening (a worker sharing its ports must not take requests it cannot serve yet). */
  loadBeforeListening?: boolean;
  /** Given this process's metrics registry, what /metrics serves instead (serve --workers: the sum over every worker). */
  clusterMetrics?: (local: PromRegistry) => () => Promise<string>;
  /** Given this process's series recorder, where the dashboard's series come from (serve --workers: every worker's). */
  clusterSeries?: (local: SeriesRecorder) => SeriesSource;
  /** Server processes on this host sharing its cores (serve's workers): model threads spin only if all of theirs fit. */
  processes?: number;
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  await mkdir(config.home, { recursive: true });
  idlePoll.configure(config.idlePollMicros);
  // Services are built in dependency order, each given what it needs; the HTTP server comes first for its logger.
  const tls = readServerTls(config);
  const app = createHttpServer({ logLevel: config.logLevel, maxBodyBytes: config.maxBodyBytes, tls });
  const log = (details: object, message: string): void => app.log.warn(details, message);
  // Postgres when a database URL is configured (any number of servers can share it), artifacts included, with a
  // verified cache in the home; else the embedded SQLite file and artifact files in the home.
  const postgres = config.database ? await PostgresStore.open(config.database) : undefined;
  const store: Store = postgres ?? new SqliteStore(join(config.home, 'slipway.db'));
  const artifacts = postgres
    ? new PostgresArtifactStore(postgres.pool, join(config.home, 'artifact-cache'))
    : new FsArtifactStore(join(config.home, 'artifacts'));
  await artifacts.init();
  // One factory for every format: pushes inspect through it, and every model load goes through the one loader.
  // Python formats run in worker processes; a run past the longest deadline a request may have is stuck, and killed.
  const python = pythonFormats({ python: config.python, runTimeoutMs: config.maxTimeoutMs, log: (details, line) => app.log.warn(details, line) });
  const factory = new RunnerFactory([...python, ...(options.formats ?? [])]);
  const registry = new Registry(store, artifacts, factory, {
    maxFileBytes: config.maxUploadBytes,
    package: { maxFiles: config.maxPackageFiles, maxDepth: config.maxPackageDepth, maxBytes: config.maxPackageBytes },
  });
  const runners = new RunnerLoader(factory, (version) => registry.modelSource(version), hostShare(options.processes));
  const metrics = new ServingMetrics();
  if (options.clusterMetrics) metrics.aggregateWith(options.clusterMetrics(metrics.registry));
  const loopMetrics = new LoopMetrics(metrics.registry);
  // This replica's duties: work done once across every process sharing the store.
  // It reports the revision of each endpoint this replica serves (the manager, built below, knows them).
  const servedRevisions = (): Record<string, number> =>
    Object.fromEntries(endpoints.list().map((e): [string, number] => [e.record.spec.name, e.record.revision]));
  const duties: DutyLeases = new DutyLeases(store, { ...DEFAULT_DUTY_LEASES, ttlMs: config.leaseTtlMs, renewMs: config.leaseRenewMs, ...options.duties }, log, servedRevisions);
  const pipeline = new CapturePipeline(store.loop, loopMetrics, { ...DEFAULT_PIPELINE, ...options.loop?.pipeline }, log, () => duties.holds('retention'));
  loopMetrics.countBuffered(pipeline);
  // Serving's state: the live table requests are answered from, and the manager that changes it.
  const loader = new VariantLoader(registry, runners);
  // Serving reports to metrics and to the dashboard's per-second series alike.
  const series = new SeriesRecorder();
  const observer = fanOut(metrics, series);
  const live = new LiveEndpoints(registry, loader, config.runtime, observer, pipeline);
  metrics.observe(live);
  series.observe(live);
  series.start();
  // A removed endpoint's loop settings go with it. The settings live in `loop`, built below from these endpoints (its
  // retraining runs ask them what they serve); nothing can remove an endpoint before the servers start.
  const endpoints = new EndpointManager(store, registry, loader, config.runtime, observer, live, (name) => void loop.settings.forget(name));
  const rollouts = new RolloutController(store, endpoints, registry, log, { id: duties.id, holdsDuty: () => duties.holds('rollouts') });
  const validator = new VersionValidator({ registry, runners, store });
  const baselines = new Baselines({ registry, runners, store: store.loop, flushCaptures: () => pipeline.flush() });
  const intake = new VersionIntake({ registry, validate: (version) => validator.validate(version), baseline: (version) => baselines.build(version) });
  const loop = new LoopParts({
    store: store.loop, registry, home: config.home, metrics: loopMetrics, pipeline, baselines, intake, endpoints, rollouts, log,
    webhook: { ...options.loop?.webhook, ...(config.webhookSecret ? { secret: config.webhookSecret } : {}) },
    // Monitor windows, webhook retries and retraining runs happen once across the replicas sharing the store.
    holdsDuty: (duty) => duties.holds(duty),
    // A replica missing from the cluster's list (as `slipway cluster status` shows it) has stopped: its runs are over.
    replica: duties.id, replicaGoneMs: duties.goneAfterMs,
  });
  // Tokens (the configured admin token among them) and the audit trail of management actions.
  const tokens = new TokenService({ store: store.access, adminToken: config.adminToken, log });
  const audit = new AuditLog(store.access, log);
  const checkInfer = config.requireInferToken ? inferAccess(tokens) : undefined;
  // What other replicas change in the store is followed here: endpoints reloaded or removed, loop settings re-applied,
  // cached tokens dropped.
  const follower = new ChangeFollower({
    store,
    forgetTokens: () => tokens.forget(),
    reconcileEndpoints: () => endpoints.reconcile((name, err) => app.log.error({ endpoint: name, err: err.message }, 'endpoint changed by another replica failed to load')),
    reapplySettings: () => loop.settings.reapply(),
    log,
  });
  // Every answer names the replica that gave it (behind a load balancer, or among --workers).
  // A callback hook, not an async one: it runs for every answer, and an async hook costs a promise each time.
  app.addHook('onSend', (_request, reply, payload, done) => {
    reply.header('x-slipway-replica', duties.id);
    done(null, payload);
  });
  const decoder = new DecodePool(undefined, {
    maxTensorElements: config.maxTensorElements, maxRequestElements: config.maxRequestElements, maxRequestRows: config.maxRequestRows,
  });
  let started = false;
  const pending = new Set<string>();
  const serverVersion = await packageVersion();
  // Rate limits: the endpoints' own (in their specs) and the tokens' (config), keyed by the name of the token a request
  // presents; the admin token is the one token there is.
  const rateLimiter = new RateLimiter({ tokens: config.tokenRateLimits, onLimited: (endpoint, reason) => metrics.observeRateLimited(endpoint, reason) });
  const principalName = tokenNames(tokens);
  const plane = new DataPlane({
    endpoints: live, registry, serverVersion, isReady: () => started, pending: () => [...pending], maxTimeoutMs: config.maxTimeoutMs, rateLimiter,
  });
  await buildHttpServer(app, {
    rollouts,
    loop,
    defaultRuntime: config.runtime,
    registry,
    endpoints,
    history: new EndpointHistory(store),
    intake,
    validator,
    profiles: new VersionProfiles({ registry, runners, store }),
    metrics,
    series: options.clusterSeries ? options.clusterSeries(series) : localSeries(series),
    version: serverVersion,
    tokens,
    audit,
    ...(checkInfer ? { inferAccess: checkInfer } : {}),
    maxBodyBytes: config.maxBodyBytes,
    maxUploadBytes: config.maxUploadBytes,
    maxPackageFiles: config.maxPackageFiles,
    decoder,
    principalName,
    plane,
  });
  await app.register(clusterRoutes, { cluster: () => duties.status() });
  const recovered = options.skipRecovery ? { incomplete: 0, orphans: 0 } : await registry.recover();
  if (recovered.incomplete > 0 || recovered.orphans > 0) {
    app.log.warn(recovered, 'removed unfinished uploads and unreferenced artifacts left by an earlier crash');
  }
  if (config.host !== '127.0.0.1' && config.host !== 'localhost' && config.host !== '::1' && !(await tokens.required())) {
    app.log.warn(`listening on ${config.host} with --insecure and no token yet: the management API accepts anyone who can reach it until a token is configured or created`);
  }
  const restore = (): Promise<void> =>
    duties
      .start()
      // Loop settings first: capture must be on for the first request a restored endpoint answers.
      .then(() => loop.applySettings())
      .then(() => endpoints.restoreAll((name, err) => app.log.error({ endpoint: name, err: err.message }, 'endpoint failed to load')))
      .then(() => pauseAt('restore:before-rollouts'))
      .then(() => rollouts.restore())
      .then(() => loop.start())
      .then(() => follower.start())
      // Anything another replica changed while this one loaded is followed now; later changes, by the follower.
      .then(() => endpoints.reconcile((name, err) => app.log.error({ endpoint: name, err: err.message }, 'endpoint failed to load')))
      .then(() => {
        started = true;
      });
  // A worker that shares its ports loads first: once it listens, the cluster's round robin hands it connections.
  if (options.loadBeforeListening) await restore();
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
      ...(checkInfer ? { inferAccess: checkInfer } : {}),
      tls,
      principalName,
      logError: (details, message) => app.log.error(details, message),
    });
  } catch (err) {
    await app.close();
    await store.close();
    throw err;
  }
  const restored = options.loadBeforeListening ? Promise.resolve() : restore();
  return {
    app,
    store,
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    grpcUrl: grpc.address,
    registry,
    runners,
    endpoints,
    intake,
    loop,
    restored,
    holdReady(what, until) {
      pending.add(what);
      void until.finally(() => pending.delete(what)).catch(() => undefined);
    },
    async close() {
      started = false;
      series.stop();
      // Graceful drain: not ready (a load balancer's health check takes this replica out) while still serving, for
      // the time the balancer needs to notice; then the servers stop taking connections and finish what they have.
      if (config.drainMs > 0) {
        pending.add('draining');
        await new Promise((r) => setTimeout(r, config.drainMs));
      }
      await Promise.all([grpc.close(), app.close()]);
      await follower.close();
      rollouts.close();
      // What this replica counted in a rollout step still counts in the gate after it is gone.
      await rollouts.flushWindows();
      // After the servers: the last answered requests' captures are flushed before the store closes.
      await loop.close();
      await Promise.all([endpoints.close(), decoder.close()]);
      // Duties are given up last, once this replica has stopped acting on them, so another takes them at once.
      await duties.close();
      await store.close();
    },
  };
}
