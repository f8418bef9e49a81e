// The closed loop of one endpoint at a glance: capture settings with stored and buffered records, the monitor with its
// last window and recent alerts, the retraining policy with its last run.

import type { CaptureConfig } from '../core/capture-config.js';
import type { MonitorEvent, MonitorWindow } from '../core/monitor-event.js';
import type { RetrainPolicy, RetrainRun } from '../core/retrain-policy.js';
import type { EndpointSettings } from '../data/endpoint-settings.js';
import type { RetrainRunner } from '../data/retrain-runner.js';
import type { CaptureStats, LoopStore } from '../store/loop-store.js';
import type { CapturePipeline } from './capture-pipeline.js';
import type { MonitorRunner, MonitorStatus } from './monitor-runner.js';

export interface LoopStatus {
  endpoint: string;
  capture: CaptureConfig & { stats: CaptureStats; buffered: number };
  monitor: (MonitorStatus & { lastWindow: MonitorWindow | null; recentEvents: MonitorEvent[] }) | null;
  retrain: { policy: RetrainPolicy; lastRun: RetrainRun | null } | null;
}

export interface LoopStatusDeps {
  /** NotFoundError for an endpoint that does not exist. */
  requireEndpoint: (endpoint: string) => void;
  store: Pick<LoopStore, 'captureStats'>;
  settings: EndpointSettings;
  pipeline: CapturePipeline;
  monitors: MonitorRunner;
  retrainer: RetrainRunner;
}

export class LoopStatusView {
  constructor(private readonly deps: LoopStatusDeps) {}

  /** The endpoint's loop now (NotFoundError for an endpoint that does not exist); buffered captures are written first. */
  async of(endpoint: string): Promise<LoopStatus> {
    const { settings, pipeline, monitors, retrainer } = this.deps;
    this.deps.requireEndpoint(endpoint);
    await pipeline.flush();
    const [capture, stats, monitor, policy, runs] = await Promise.all([
      settings.get('capture', endpoint), this.deps.store.captureStats(endpoint), monitors.status(endpoint),
      settings.stored('retrain', endpoint), retrainer.runs(endpoint, 1),
    ]);
    const [lastWindow] = monitor ? await monitors.windows(endpoint, 1) : [];
    const recentEvents = monitor ? await monitors.events(endpoint, { limit: 10 }) : [];
    return {
      endpoint,
      capture: { ...capture, stats, buffered: pipeline.buffered },
      monitor: monitor ? { ...monitor, lastWindow: lastWindow ?? null, recentEvents } : null,
      retrain: policy ? { policy, lastRun: runs[0] ?? null } : null,
    };
  }
}
