// Live quality as a chart draws it: one row of bucket times, and per variant (and version) each metric's values on
// those times (null where the bucket had no labelled rows for it). Pure, over the per-bucket report of live-quality.ts.

import type { QualityBucket, QualityReport } from './live-quality.js';

export const QUALITY_METRICS = ['accuracy', 'f1', 'mae', 'rmse'] as const;
export type QualityMetric = (typeof QUALITY_METRICS)[number];

export interface QualitySeries {
  endpoint: string;
  kind: QualityReport['kind'];
  bucketMs: number;
  /** The metrics the model's kind has: accuracy and f1 (classification), mae and rmse (regression). */
  metrics: QualityMetric[];
  /** Bucket starts, ms since the epoch, ascending: the x of every series. */
  times: number[];
  series: { variant: string; model: string; labelled: number[]; values: Partial<Record<QualityMetric, (number | null)[]>> }[];
  skipped: number;
}

export function qualitySeries(report: QualityReport, bucketMs: number): QualitySeries {
  const metrics = QUALITY_METRICS.filter((m) => report.buckets.some((b) => b[m] !== undefined));
  const times = [...new Set(report.buckets.map((b) => Date.parse(b.start)))].sort((a, b) => a - b);
  const at = new Map(times.map((t, i) => [t, i]));
  const byKey = new Map<string, { variant: string; model: string; buckets: QualityBucket[] }>();
  for (const b of report.buckets) {
    const key = `${b.variant}\u0000${b.model}`;
    const entry = byKey.get(key) ?? { variant: b.variant, model: b.model, buckets: [] };
    entry.buckets.push(b);
    byKey.set(key, entry);
  }
  const series = [...byKey.values()].map(({ variant, model, buckets }) => {
    const labelled = new Array<number>(times.length).fill(0);
    const values: Partial<Record<QualityMetric, (number | null)[]>> = {};
    for (const m of metrics) values[m] = new Array<number | null>(times.length).fill(null);
    for (const b of buckets) {
      const i = at.get(Date.parse(b.start))!;
      labelled[i] = b.labelled;
      // NaN (no class ever predicted, say) is not a point to draw.
      for (const m of metrics) values[m]![i] = b[m] !== undefined && Number.isFinite(b[m]) ? b[m]! : null;
    }
    return { variant, model, labelled, values };
  });
  return { endpoint: report.endpoint, kind: report.kind, bucketMs, metrics, times, series, skipped: report.skipped };
}
