// The Monitoring page's JSON (drift heatmap, cells, findings, alerts, quality, retraining runs), type-only from the server's source.

export type { DriftHeatmap, HeatmapCell, HeatmapWindow } from '../../../src/monitoring/drift-heatmap.js';
export type { WindowFeature, WindowFindings, Alert, AlertDelivery } from '../../../src/monitoring/monitoring-view.js';
export type { Finding, FeatureScore } from '../../../src/core/baseline.js';
export type { DeliveryAttempt } from '../../../src/core/monitor-event.js';
export type { RetrainRun } from '../../../src/core/retrain-policy.js';

export type { QualityBucket, QualityReport } from '../../../src/core/quality-report.js';
