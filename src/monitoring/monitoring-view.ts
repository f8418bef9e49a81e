// What the dashboard's Monitoring page reads, over stored monitor results: the drift heatmap, one cell's baseline and
// window histograms with its statistics, findings per window, and alerts with their webhook deliveries and attempts.

import type { FeatureScore, Finding, FindingKind, MonitorThresholds } from '../core/baseline.js';
import { NotFoundError } from '../core/errors.js';
import type { FeatureHistogram } from '../core/histogram.js';
import type { DeliveryAttempt, MonitorEvent, WebhookDelivery } from '../core/monitor-event.js';
import type { LoopStore } from '../store/loop-store.js';
import { driftHeatmap, type DriftHeatmap } from './drift-heatmap.js';

export interface MonitoringViewDeps {
  store: Pick<LoopStore, 'windows' | 'windowDetail' | 'events' | 'deliveries'>;
  /** NotFoundError for an endpoint that does not exist. */
  requireEndpoint: (endpoint: string) => void;
  /** The endpoint's monitor thresholds as its windows are judged (defaults where it sets none). */
  thresholds: (endpoint: string) => Promise<MonitorThresholds>;
}

/** One heatmap cell opened: the window, the feature's histograms (baseline and window on the same bins), its statistics. */
export type WindowFeature = {
  endpoint: string;
  windowId: number;
  start: number;
  end: number;
  rows: number;
  /** The version whose baseline the window was compared with. */
  baselineModel: string;
  alphaPerTest: number;
  score: FeatureScore | null;
  findings: Finding[];
} & FeatureHistogram;

export interface WindowFindings {
  windowId: number;
  start: number;
  end: number;
  findings: Finding[];
}

/** A delivery as an alert shows it: without its headers (they may carry credentials) or its payload (the event itself). */
export type AlertDelivery = Omit<WebhookDelivery, 'headers' | 'payload'> & { attemptLog: DeliveryAttempt[] };
export type Alert = MonitorEvent & { deliveries: AlertDelivery[] };

/** Deliveries listed per alert: a webhook gets one per event; more would be a loop gone wrong, still shown up to this. */
const DELIVERIES_PER_ALERT = 20;

export class MonitoringView {
  constructor(private readonly deps: MonitoringViewDeps) {}

  /** The last `windows` windows as a feature x window grid, with the thresholds the alerts follow. */
  async heatmap(endpoint: string, windows: number): Promise<DriftHeatmap> {
    this.deps.requireEndpoint(endpoint);
    const [list, thresholds] = await Promise.all([this.deps.store.windows(endpoint, windows), this.deps.thresholds(endpoint)]);
    return driftHeatmap(endpoint, list, thresholds);
  }

  /** One feature (or output) of one window; NotFoundError for a window or feature there is no histogram of. */
  async cell(endpoint: string, windowId: number, feature: string): Promise<WindowFeature> {
    this.deps.requireEndpoint(endpoint);
    const detail = await this.deps.store.windowDetail(endpoint, windowId);
    if (!detail) throw new NotFoundError(`endpoint "${endpoint}" has no monitor window ${windowId}`);
    const { window, histograms } = detail;
    const histogram = histograms.find((h) => h.feature === feature && !h.output) ?? histograms.find((h) => h.feature === feature);
    if (!histogram) {
      const known = histograms.map((h) => h.feature);
      throw new NotFoundError(
        known.length === 0
          ? `monitor window ${windowId} of "${endpoint}" kept no histograms (evaluated before they were kept, or with no baseline column)`
          : `monitor window ${windowId} of "${endpoint}" has no feature "${feature}"; it has ${known.slice(0, 10).join(', ')}${known.length > 10 ? ', …' : ''}`,
      );
    }
    const scores = histogram.output ? window.evaluation.outputs : window.evaluation.features;
    const kinds: FindingKind[] = histogram.output ? ['prediction_drift'] : ['feature_drift', 'data_quality'];
    return {
      endpoint,
      windowId: window.id, start: window.start, end: window.end, rows: window.evaluation.rows, baselineModel: window.baseline,
      alphaPerTest: window.evaluation.alphaPerTest,
      ...histogram,
      score: scores.find((s) => s.feature === feature) ?? null,
      findings: window.evaluation.findings.filter((f) => f.feature === feature && kinds.includes(f.kind)),
    };
  }

  /** The findings (of one kind, or all) of the last `windows` windows, newest first, windows without any left out. */
  async findings(endpoint: string, windows: number, kind?: FindingKind): Promise<WindowFindings[]> {
    this.deps.requireEndpoint(endpoint);
    const list = await this.deps.store.windows(endpoint, windows);
    return list
      .map((w) => ({ windowId: w.id, start: w.start, end: w.end, findings: w.evaluation.findings.filter((f) => kind === undefined || f.kind === kind) }))
      .filter((w) => w.findings.length > 0);
  }

  /** The endpoint's alert events, newest first, each with its webhook deliveries and their attempts. */
  async alerts(endpoint: string, limit: number): Promise<Alert[]> {
    this.deps.requireEndpoint(endpoint);
    const events = await this.deps.store.events(endpoint, { limit });
    return Promise.all(events.map(async (event) => {
      const deliveries = await this.deps.store.deliveries(event.id, DELIVERIES_PER_ALERT);
      return { ...event, deliveries: deliveries.map(({ headers: _headers, payload: _payload, ...shown }) => shown) };
    }));
  }
}
