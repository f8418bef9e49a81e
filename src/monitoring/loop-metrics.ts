// Prometheus metrics of the closed loop: capture throughput and drops, drift scores of the latest window, alerts,
// webhook deliveries and retraining runs. Registered in the serving metrics' registry, scraped at the same /metrics.

import type { Registry } from 'prom-client';
import { Counter, Gauge } from 'prom-client';
import type { WindowEvaluation } from '../core/baseline.js';

export type DropReason = 'buffer_full' | 'write_error';

export class LoopMetrics {
  private readonly captured: Counter<'endpoint'>;
  private readonly dropped: Counter<'endpoint' | 'reason'>;
  private readonly drift: Gauge<'endpoint' | 'feature' | 'statistic'>;
  private readonly drifted: Gauge<'endpoint' | 'feature'>;
  private readonly windows: Counter<'endpoint'>;
  private readonly alerts: Counter<'endpoint' | 'kind' | 'severity'>;
  private readonly deliveries: Counter<'outcome'>;
  private readonly retrains: Counter<'endpoint' | 'status'>;
  /** Bound children per endpoint: the capture counters are touched on every captured request. */
  private readonly capturedBy = new Map<string, Counter.Internal>();

  /** Read at scrape time; until a capture buffer is registered, nothing is buffered. */
  private bufferedNow: () => number = () => 0;

  constructor(registry: Registry) {
    const r = [registry];
    this.captured = new Counter({ name: 'slipway_capture_records_total', help: 'Captured requests written to storage', labelNames: ['endpoint'], registers: r });
    this.dropped = new Counter({ name: 'slipway_capture_dropped_total', help: 'Captured requests dropped (buffer full, or the write failed)', labelNames: ['endpoint', 'reason'], registers: r });
    const buffered = (): number => this.bufferedNow();
    new Gauge({
      name: 'slipway_capture_buffered', help: 'Captured requests waiting in memory to be written', registers: r,
      collect() { this.set(buffered()); },
    });
    this.drift = new Gauge({ name: 'slipway_drift_score', help: 'Drift statistics of the latest monitor window per feature (ks, ks_p_value, chi2_p_value, psi, wasserstein_std, missing_rate, out_of_range_rate)', labelNames: ['endpoint', 'feature', 'statistic'], registers: r });
    this.drifted = new Gauge({ name: 'slipway_drift_detected', help: '1 when the latest window found the feature (or output) drifted', labelNames: ['endpoint', 'feature'], registers: r });
    this.windows = new Counter({ name: 'slipway_monitor_windows_total', help: 'Monitor windows evaluated', labelNames: ['endpoint'], registers: r });
    this.alerts = new Counter({ name: 'slipway_monitor_alerts_total', help: 'Monitor alert events raised', labelNames: ['endpoint', 'kind', 'severity'], registers: r });
    this.deliveries = new Counter({ name: 'slipway_webhook_deliveries_total', help: 'Webhook delivery attempts by outcome', labelNames: ['outcome'], registers: r });
    this.retrains = new Counter({ name: 'slipway_retrain_runs_total', help: 'Retraining runs finished, by status', labelNames: ['endpoint', 'status'], registers: r });
  }

  /** Registers the capture buffer the gauge reads (the buffer is built after these metrics: it counts into them). */
  countBuffered(buffer: { readonly buffered: number }): void {
    this.bufferedNow = () => buffer.buffered;
  }

  capturedRecords(endpoint: string, n: number): void {
    let c = this.capturedBy.get(endpoint);
    if (!c) this.capturedBy.set(endpoint, (c = this.captured.labels({ endpoint })));
    c.inc(n);
  }

  droppedRecords(endpoint: string, reason: DropReason, n = 1): void {
    this.dropped.inc({ endpoint, reason }, n);
  }

  /** Replaces the endpoint's drift gauges with the window's scores. */
  window(endpoint: string, evaluation: WindowEvaluation): void {
    this.windows.inc({ endpoint });
    for (const score of [...evaluation.features, ...evaluation.outputs]) {
      const set = (statistic: string, value: number | undefined): void => {
        if (value !== undefined && Number.isFinite(value)) this.drift.set({ endpoint, feature: score.feature, statistic }, value);
      };
      set('ks', score.ks?.statistic);
      set('ks_p_value', score.ks?.pValue);
      set('chi2_p_value', score.chi2?.pValue);
      set('psi', score.psi);
      set('wasserstein_std', score.wassersteinStd);
      set('missing_rate', score.missingRate);
      set('out_of_range_rate', score.outOfRangeRate);
      set('unseen_rate', score.unseenRate);
      this.drifted.set({ endpoint, feature: score.feature }, score.drifted ? 1 : 0);
    }
  }

  alert(endpoint: string, kind: string, severity: string): void {
    this.alerts.inc({ endpoint, kind, severity });
  }

  delivery(outcome: 'delivered' | 'retry' | 'failed'): void {
    this.deliveries.inc({ outcome });
  }

  retrain(endpoint: string, status: string): void {
    this.retrains.inc({ endpoint, status });
  }
}
