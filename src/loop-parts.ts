// The closed loop composed from its parts, each with its own home: the capture pipeline and baselines (built before,
// given here), webhooks, dataset exports, feedback and live quality, retraining runs, monitors, the per-endpoint
// settings registry that configures them, and the status view over all of them. Built after endpoints and rollouts.

import { join } from 'node:path';
import { DEFAULT_CAPTURE, parseCaptureConfig } from './core/capture-config.js';
import { DEFAULT_MONITOR, parseMonitorConfig } from './core/monitor-config.js';
import type { MonitorEvent, WebhookDelivery } from './core/monitor-event.js';
import { DEFAULT_RETRAIN, parseRetrainPolicy } from './core/retrain-policy.js';
import { DatasetExporter } from './data/dataset-exporter.js';
import { EndpointSettings } from './data/endpoint-settings.js';
import { FeedbackService } from './data/feedback-service.js';
import { RetrainRunner } from './data/retrain-runner.js';
import type { Baselines } from './monitoring/baselines.js';
import type { CapturePipeline } from './monitoring/capture-pipeline.js';
import { alertDelivery } from './monitoring/alert-delivery.js';
import type { LoopMetrics } from './monitoring/loop-metrics.js';
import { LoopStatusView } from './monitoring/loop-status.js';
import { resolveThresholds } from './monitoring/drift-check.js';
import { MonitorRunner } from './monitoring/monitor-runner.js';
import { MonitoringView } from './monitoring/monitoring-view.js';
import type { WebhookOptions } from './monitoring/webhook-sender.js';
import { DEFAULT_WEBHOOK, WebhookSender } from './monitoring/webhook-sender.js';
import type { Duty } from './duty-leases.js';
import { findPackage } from './registry/local-push.js';
import type { Registry } from './registry/registry.js';
import type { VersionIntake } from './registry/version-intake.js';
import type { RolloutController } from './rollout/rollout-controller.js';
import type { EndpointManager } from './serving/endpoint-manager.js';
import type { LoopStore } from './store/loop-store.js';

export interface LoopPartsDeps {
  store: LoopStore;
  registry: Registry;
  /** The server's data directory: retraining runs work under `<home>/retrain`. */
  home: string;
  metrics: LoopMetrics;
  pipeline: CapturePipeline;
  baselines: Baselines;
  /** How a retraining job's package comes in as a version. */
  intake: VersionIntake;
  endpoints: Pick<EndpointManager, 'status' | 'describe'>;
  rollouts: Pick<RolloutController, 'start'>;
  webhook?: Partial<WebhookOptions>;
  log: (details: object, message: string) => void;
  /** Whether this replica holds a duty (duty-leases.ts); absent: one process, every duty its own. */
  holdsDuty?: (duty: Duty) => boolean;
  /** This replica's id (duty-leases.ts): retraining runs record the replica running them. */
  replica: string;
  /** A replica not heard from for this long is gone: the retraining runs it left running are failed. */
  replicaGoneMs: number;
}

export class LoopParts {
  readonly pipeline: CapturePipeline;
  readonly baselines: Baselines;
  readonly webhooks: WebhookSender;
  readonly exports: DatasetExporter;
  readonly feedback: FeedbackService;
  readonly retrainer: RetrainRunner;
  readonly monitors: MonitorRunner;
  readonly settings: EndpointSettings;
  readonly status: LoopStatusView;
  /** The dashboard's views over stored monitor results (heatmap, cells, findings, alerts). */
  readonly views: MonitoringView;
  /** NotFoundError for an endpoint that does not exist: settings of a typo are not defaults. */
  readonly requireEndpoint: (endpoint: string) => void;

  constructor(deps: LoopPartsDeps) {
    const { store, registry, pipeline, endpoints, log } = deps;
    const versionOf = (name: string, version: number): ReturnType<Registry['get']> => registry.get(name, version);
    const flushCaptures = (): Promise<void> => pipeline.flush();
    this.pipeline = pipeline;
    this.baselines = deps.baselines;
    this.requireEndpoint = (endpoint) => {
      endpoints.status(endpoint);
    };
    const holds = deps.holdsDuty ?? (() => true);
    this.webhooks = new WebhookSender(store, deps.metrics, { ...DEFAULT_WEBHOOK, ...deps.webhook }, log, () => holds('webhooks'));
    this.exports = new DatasetExporter({ store, versionOf, servingVersion: (endpoint) => endpoints.describe(endpoint), flushCaptures });
    this.feedback = new FeedbackService({ store, versionOf, flushCaptures });
    this.retrainer = new RetrainRunner({
      store,
      workDir: join(deps.home, 'retrain'),
      servingVersion: (endpoint) => endpoints.describe(endpoint),
      exportTo: (query, file) => this.exports.toFile(query, file),
      findPackage,
      intake: (location, model, options) => deps.intake.fromLocal(location, model, options),
      startRollout: async (endpoint, version, rollout, reason) => {
        const state = await deps.rollouts.start({
          endpoint, to: { kind: 'version', name: version.name, version: version.version }, strategy: rollout.strategy,
          ...(rollout.steps ? { steps: rollout.steps } : {}), ...(rollout.bakeMs !== undefined ? { bakeMs: rollout.bakeMs } : {}),
          ...(rollout.gates ? { gates: rollout.gates } : {}), actor: 'slipway-retrain', reason,
        });
        return state.id;
      },
      notify: async (url, body) => {
        await this.webhooks.send(url, {}, body, null);
      },
      onFinished: (run) => deps.metrics.retrain(run.endpoint, run.status),
      log,
      holdsDuty: () => holds('retraining'),
      replica: deps.replica,
      replicaGoneMs: deps.replicaGoneMs,
    });
    this.monitors = new MonitorRunner({
      store, version: versionOf, baseline: (version) => this.baselines.forMonitor(version), metrics: deps.metrics, log,
      holdsDuty: () => holds('monitors'),
      deliveryOf: alertDelivery,
      onEvent: (event, _window, _config, delivery) => this.alert(event, delivery),
    });
    // New captures may complete a window: look at once rather than at the next tick.
    pipeline.onFlushed((flushed) => {
      for (const e of flushed) void this.monitors.evaluate(e);
    });
    this.settings = new EndpointSettings({
      store,
      requireEndpoint: this.requireEndpoint,
      kinds: {
        capture: { defaults: DEFAULT_CAPTURE, parse: parseCaptureConfig, apply: (endpoint, config) => pipeline.configure(endpoint, config) },
        monitor: {
          defaults: DEFAULT_MONITOR,
          parse: parseMonitorConfig,
          // A monitor that is turned on starts its windows at the newest capture: history is exported, not alerted on.
          beforeStore: async (endpoint, next, before) => {
            if (!next.enabled || before.enabled) return;
            await pipeline.flush();
            await store.resetMonitor(endpoint, await store.lastCaptureId(endpoint));
          },
          apply: (endpoint, config) => this.monitors.configure(endpoint, config),
        },
        retrain: { defaults: DEFAULT_RETRAIN, parse: parseRetrainPolicy, apply: (endpoint, policy) => this.retrainer.configure(endpoint, policy) },
      },
    });
    this.views = new MonitoringView({
      store, requireEndpoint: this.requireEndpoint,
      thresholds: async (endpoint) => resolveThresholds((await this.settings.get('monitor', endpoint)).thresholds),
    });
    this.status = new LoopStatusView({
      requireEndpoint: this.requireEndpoint, store, settings: this.settings, pipeline, monitors: this.monitors, retrainer: this.retrainer,
    });
  }

  /**
   * Applies every stored setting. At start-up this comes before the endpoints are restored: a restored endpoint serves
   * at once, and a request it answers before capture is configured would go uncaptured.
   */
  async applySettings(): Promise<void> {
    await this.settings.start();
  }

  /** Fails retraining runs a stopped replica left running and starts the timers (after applySettings). */
  async start(): Promise<void> {
    await this.retrainer.start();
    this.monitors.start();
    this.webhooks.start();
  }

  /**
   * Stops the timers and writes what the capture buffer holds (after the servers: the last answers are captured). Work
   * under way finishes first — the window being judged is stored with its alerts queued, a POST made is recorded —
   * since what a stopping replica leaves half done, the next duty holder does again.
   */
  async close(): Promise<void> {
    await this.monitors.close();
    await this.webhooks.close();
    this.retrainer.close();
    await this.pipeline.close();
  }

  /** An event's first webhook attempt (its delivery was queued with the window) and its retraining trigger. */
  private alert(event: MonitorEvent, delivery: WebhookDelivery | undefined): void {
    if (delivery) this.webhooks.attemptQueued(delivery);
    this.retrainer.onEvent(event);
  }
}
