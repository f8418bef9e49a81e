// The closed loop, composed: per-endpoint settings (capture, monitor, retraining) applied to the running parts, and
// the operations the API offers on them — feedback, live quality, baselines, status, export, retraining runs.

import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import type { BaselineProfile } from './core/baseline.js';
import { severityAtLeast } from './core/baseline.js';
import type { CaptureConfig } from './core/capture-config.js';
import { DEFAULT_CAPTURE, parseCaptureConfig } from './core/capture-config.js';
import type { LoopSettings } from './core/loop-manifest.js';
import type { DatasetQuery } from './core/dataset-query.js';
import { NotFoundError } from './core/errors.js';
import type { ModelVersion } from './core/model-version.js';
import type { MonitorConfig } from './core/monitor-config.js';
import { DEFAULT_MONITOR, parseMonitorConfig } from './core/monitor-config.js';
import type { MonitorEvent, MonitorWindow } from './core/monitor-event.js';
import type { RetrainPolicy, RetrainRun } from './core/retrain-policy.js';
import { DEFAULT_RETRAIN, parseRetrainPolicy } from './core/retrain-policy.js';
import type { ExportResult } from './data/dataset-export.js';
import { exportDataset } from './data/dataset-export.js';
import type { FeedbackResult } from './data/feedback.js';
import { parseFeedback, recordFeedback } from './data/feedback.js';
import type { QualityQuery, QualityReport } from './data/live-quality.js';
import { liveQuality } from './data/live-quality.js';
import { RetrainRunner } from './data/retrain-runner.js';
import { buildCaptureBaseline, buildPackageBaseline } from './monitoring/baseline-builder.js';
import type { CapturePipelineOptions } from './monitoring/capture-pipeline.js';
import { CapturePipeline, DEFAULT_PIPELINE } from './monitoring/capture-pipeline.js';
import { LoopMetrics } from './monitoring/loop-metrics.js';
import type { MonitorStatus } from './monitoring/monitor-runner.js';
import { MonitorRunner } from './monitoring/monitor-runner.js';
import type { WebhookOptions } from './monitoring/webhook-sender.js';
import { DEFAULT_WEBHOOK, WebhookSender } from './monitoring/webhook-sender.js';
import { findPackage, pushLocalPackage } from './registry/local-push.js';
import type { Registry } from './registry/registry.js';
import type { RolloutController } from './rollout/rollout-controller.js';
import { validateAndSave } from './rollout/validation.js';
import type { RunnerLoader } from './runtime/runner-loader.js';
import type { EndpointManager } from './serving/endpoint-manager.js';
import type { CaptureStats } from './store/loop-store.js';
import type { Store } from './store/store.js';
import type { Registry as MetricsRegistry } from 'prom-client';

export interface LoopOptions {
  store: Store;
  registry: Registry;
  /** Loads models for validation and package baselines. */
  runners: RunnerLoader;
  endpoints: () => EndpointManager;
  rollouts: () => RolloutController;
  metricsRegistry: MetricsRegistry;
  /** The server's data directory: retraining runs work under `<home>/retrain`. */
  home: string;
  pipeline?: Partial<CapturePipelineOptions>;
  webhook?: Partial<WebhookOptions>;
  log: (details: object, message: string) => void;
}

export interface LoopStatus {
  endpoint: string;
  capture: CaptureConfig & { stats: CaptureStats; buffered: number };
  monitor: (MonitorStatus & { lastWindow: MonitorWindow | null; recentEvents: MonitorEvent[] }) | null;
  retrain: { policy: RetrainPolicy; lastRun: RetrainRun | null } | null;
}

export class LoopService {
  readonly metrics: LoopMetrics;
  readonly pipeline: CapturePipeline;
  readonly monitors: MonitorRunner;
  readonly webhooks: WebhookSender;
  readonly retrainer: RetrainRunner;
  private readonly store: Store;

  constructor(private readonly opts: LoopOptions) {
    const { store, registry, runners, log } = opts;
    this.store = store;
    // The pipeline's buffer gauge reads the pipeline, which exists only after the metrics.
    let pipeline: CapturePipeline | undefined;
    this.metrics = new LoopMetrics(opts.metricsRegistry, () => pipeline?.buffered ?? 0);
    this.pipeline = pipeline = new CapturePipeline(store.loop, this.metrics, { ...DEFAULT_PIPELINE, ...opts.pipeline }, log);
    this.webhooks = new WebhookSender(store.loop, this.metrics, { ...DEFAULT_WEBHOOK, ...opts.webhook }, log);
    this.monitors = new MonitorRunner({
      store: store.loop, version: (name, version) => registry.get(name, version), metrics: this.metrics, log,
      onEvent: (event, window, config) => this.onEvent(event, window, config),
    });
    // New captures may complete a window: look at once rather than at the next tick.
    this.pipeline.onFlushed = (endpoints) => {
      for (const e of endpoints) void this.monitors.evaluate(e);
    };
    this.retrainer = new RetrainRunner({
      store: store.loop,
      workDir: join(opts.home, 'retrain'),
      servingVersion: (endpoint) => opts.endpoints().describe(endpoint),
      exportTo: (query, file) => this.exportToFile(query, file),
      findPackage,
      push: (location, model) => pushLocalPackage(registry, location, model),
      validate: (version) => validateAndSave(version, { registry, runners, store }),
      baseline: async (version) => {
        await this.buildBaseline(version);
      },
      startRollout: async (endpoint, version, rollout, reason) => {
        const state = await opts.rollouts().start({
          endpoint, to: { kind: 'version', name: version.name, version: version.version }, strategy: rollout.strategy,
          ...(rollout.steps ? { steps: rollout.steps } : {}), ...(rollout.bakeMs !== undefined ? { bakeMs: rollout.bakeMs } : {}),
          ...(rollout.gates ? { gates: rollout.gates } : {}), actor: 'slipway-retrain', reason,
        });
        return state.id;
      },
      notify: async (url, body) => {
        await this.webhooks.send(url, {}, body, null);
      },
      onFinished: (run) => this.metrics.retrain(run.endpoint, run.status),
      log,
    });
  }

  /** Applies every stored setting and starts the timers. */
  async start(): Promise<void> {
    const loop = this.store.loop;
    for (const { endpoint, config } of await loop.listSettings<CaptureConfig>('capture')) this.pipeline.configure(endpoint, config);
    for (const { endpoint, config } of await loop.listSettings<MonitorConfig>('monitor')) this.monitors.configure(endpoint, config);
    await this.retrainer.start();
    for (const { endpoint, config } of await loop.listSettings<RetrainPolicy>('retrain')) await this.retrainer.configure(endpoint, config);
    this.monitors.start();
    this.webhooks.start();
  }

  async close(): Promise<void> {
    this.monitors.close();
    this.webhooks.close();
    this.retrainer.close();
    await this.pipeline.close();
  }

  /** NotFoundError for an endpoint that does not exist: settings of a typo are not defaults. */
  requireEndpoint(endpoint: string): void {
    this.opts.endpoints().status(endpoint);
  }

  async captureConfig(endpoint: string): Promise<CaptureConfig> {
    this.requireEndpoint(endpoint);
    return (await this.store.loop.getSetting<CaptureConfig>(endpoint, 'capture')) ?? DEFAULT_CAPTURE;
  }

  async setCapture(endpoint: string, body: unknown): Promise<CaptureConfig> {
    this.opts.endpoints().status(endpoint);
    return this.putCapture(endpoint, parseCaptureConfig(body, await this.captureConfig(endpoint)));
  }

  private async putCapture(endpoint: string, config: CaptureConfig): Promise<CaptureConfig> {
    await this.store.loop.putSetting(endpoint, 'capture', config);
    this.pipeline.configure(endpoint, config);
    return config;
  }

  async monitorConfig(endpoint: string): Promise<MonitorConfig> {
    this.requireEndpoint(endpoint);
    return (await this.store.loop.getSetting<MonitorConfig>(endpoint, 'monitor')) ?? DEFAULT_MONITOR;
  }

  /** A monitor that is turned on starts its windows at the newest capture: history is exported, not alerted on. */
  async setMonitor(endpoint: string, body: unknown): Promise<MonitorConfig> {
    this.opts.endpoints().status(endpoint);
    return this.putMonitor(endpoint, parseMonitorConfig(body, await this.monitorConfig(endpoint)));
  }

  private async putMonitor(endpoint: string, config: MonitorConfig): Promise<MonitorConfig> {
    const before = await this.monitorConfig(endpoint);
    if (config.enabled && !before.enabled) {
      await this.pipeline.flush();
      await this.store.loop.resetMonitor(endpoint, await this.store.loop.lastCaptureId(endpoint));
    }
    await this.store.loop.putSetting(endpoint, 'monitor', config);
    this.monitors.configure(endpoint, config);
    return config;
  }

  async retrainPolicy(endpoint: string): Promise<RetrainPolicy> {
    this.requireEndpoint(endpoint);
    return (await this.store.loop.getSetting<RetrainPolicy>(endpoint, 'retrain')) ?? DEFAULT_RETRAIN;
  }

  async setRetrain(endpoint: string, body: unknown): Promise<RetrainPolicy> {
    this.opts.endpoints().status(endpoint);
    return this.putRetrain(endpoint, parseRetrainPolicy(body, await this.retrainPolicy(endpoint)));
  }

  /** The settings the endpoint has stored (a kind never set is absent): what `slipway get` writes. */
  async settingsOf(endpoint: string): Promise<LoopSettings> {
    const loop = this.store.loop;
    const [capture, monitor, retrain] = await Promise.all([
      loop.getSetting<CaptureConfig>(endpoint, 'capture'), loop.getSetting<MonitorConfig>(endpoint, 'monitor'), loop.getSetting<RetrainPolicy>(endpoint, 'retrain'),
    ]);
    return { ...(capture ? { capture } : {}), ...(monitor ? { monitor } : {}), ...(retrain ? { retrain } : {}) };
  }

  /** Replaces the kinds of settings given (from a manifest); the endpoint must exist. */
  async applySettings(endpoint: string, settings: LoopSettings): Promise<void> {
    this.opts.endpoints().status(endpoint);
    if (settings.capture) await this.putCapture(endpoint, settings.capture);
    if (settings.monitor) await this.putMonitor(endpoint, settings.monitor);
    if (settings.retrain) await this.putRetrain(endpoint, settings.retrain);
  }

  private async putRetrain(endpoint: string, policy: RetrainPolicy): Promise<RetrainPolicy> {
    await this.store.loop.putSetting(endpoint, 'retrain', policy);
    await this.retrainer.configure(endpoint, policy);
    return policy;
  }

  /** Forgets an endpoint's settings (the endpoint was removed); its captures stay until their retention ends. */
  async forget(endpoint: string): Promise<void> {
    await this.store.loop.deleteSettings(endpoint);
    this.pipeline.configure(endpoint, undefined);
    this.monitors.configure(endpoint, undefined);
    await this.retrainer.configure(endpoint, undefined);
  }

  async feedback(endpoint: string, body: unknown): Promise<FeedbackResult> {
    const items = parseFeedback(body);
    return recordFeedback(this.store.loop, endpoint, items, () => this.pipeline.flush());
  }

  async quality(query: QualityQuery): Promise<QualityReport> {
    await this.pipeline.flush();
    return liveQuality(this.store.loop, (name, version) => this.opts.registry.get(name, version), query);
  }

  /** Builds a version's baseline from its package file, or from a range of an endpoint's captures. */
  async buildBaseline(version: ModelVersion, fromCaptures?: { endpoint: string; since?: number; until?: number; variant?: string }): Promise<BaselineProfile | undefined> {
    const deps = { registry: this.opts.registry, runners: this.opts.runners, store: this.store.loop };
    if (fromCaptures) await this.pipeline.flush();
    const profile = fromCaptures ? await buildCaptureBaseline(version, fromCaptures, deps) : await buildPackageBaseline(version, deps);
    this.monitors.baselineChanged(version.name, version.version);
    return profile;
  }

  async status(endpoint: string): Promise<LoopStatus> {
    this.requireEndpoint(endpoint);
    await this.pipeline.flush();
    const loop = this.store.loop;
    const [capture, stats, monitor, policy, runs] = await Promise.all([
      this.captureConfig(endpoint), loop.captureStats(endpoint), this.monitors.status(endpoint),
      loop.getSetting<RetrainPolicy>(endpoint, 'retrain'), loop.retrainRuns(endpoint, 1),
    ]);
    const [lastWindow] = monitor ? await loop.windows(endpoint, 1) : [];
    const recentEvents = monitor ? await loop.events(endpoint, { limit: 10 }) : [];
    return {
      endpoint,
      capture: { ...capture, stats, buffered: this.pipeline.buffered },
      monitor: monitor ? { ...monitor, lastWindow: lastWindow ?? null, recentEvents } : null,
      retrain: policy ? { policy, lastRun: runs[0] ?? null } : null,
    };
  }

  /** The version an export describes its columns by: the endpoint's, or (a removed endpoint) the first capture's. */
  async describeForExport(endpoint: string): Promise<ModelVersion> {
    try {
      return await this.opts.endpoints().describe(endpoint);
    } catch {
      const [first] = await this.store.loop.captures({ endpoint, limit: 1 });
      if (!first) throw new NotFoundError(`endpoint "${endpoint}" has no captures to export`);
      return this.opts.registry.get(first.model, first.version);
    }
  }

  async export(query: DatasetQuery, sink: (chunk: Uint8Array) => Promise<void> | void): Promise<ExportResult> {
    await this.pipeline.flush();
    const describe = await this.describeForExport(query.endpoint);
    return exportDataset({ store: this.store.loop, versionOf: (n, v) => this.opts.registry.get(n, v) }, query, describe, sink);
  }

  /** Writes an export to a file on the server's disk, honouring the file's backpressure. */
  async exportToFile(query: DatasetQuery, file: string): Promise<ExportResult> {
    const out = createWriteStream(file);
    try {
      const result = await this.export(query, async (chunk) => {
        if (!out.write(chunk)) await once(out, 'drain');
      });
      out.end();
      await once(out, 'finish');
      return result;
    } catch (err) {
      out.destroy();
      throw err;
    }
  }

  private onEvent(event: MonitorEvent, window: MonitorWindow, config: MonitorConfig): void {
    const hook = config.webhook;
    if (hook && severityAtLeast(event.severity, hook.minSeverity)) {
      const body = {
        type: 'drift_alert', event, window: { id: window.id, start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString(), baseline: window.baseline, rows: window.evaluation.rows },
      };
      this.webhooks.send(hook.url, hook.headers, body, event.id).catch((err: Error) => this.opts.log({ event: event.id, err: err.message }, 'webhook could not be queued'));
    }
    this.retrainer.onEvent(event);
  }
}
