// The Monitoring page's JSON (drift heatmap, cells, findings, alerts, quality, retraining runs), type-only from the server's source.

export type { DriftHeatmap, HeatmapCell, HeatmapWindow } from '../../../src/monitoring/drift-heatmap.js';
export type { WindowFeature, WindowFindings, Alert, AlertDelivery } from '../../../src/monitoring/monitoring-view.js';
export type { Finding, FeatureScore } from '../../../src/core/baseline.js';
export type { DeliveryAttempt } from '../../../src/core/monitor-event.js';
export type { RetrainRun } from '../../../src/core/retrain-policy.js';

// live-quality.ts reads captures with Node APIs, so its report's shape is restated here rather than imported.
export interface QualityBucket {
  start: string;
  end: string;
  variant: string;
  model: string;
  /** Rows with ground truth in the bucket. */
  labelled: number;
  accuracy?: number;
  f1?: number;
  mae?: number;
  rmse?: number;
}

export interface QualityReport {
  endpoint: string;
  kind: 'classification' | 'regression' | 'unknown';
  buckets: QualityBucket[];
  skipped: number;
}
