// Live model quality: captured predictions joined with their ground truth, per variant over time buckets —
// accuracy and macro F1 for classifiers, MAE and RMSE for regressors.

import { decodeTensors } from '../core/capture-codec.js';
import type { CaptureLayout } from '../core/capture-layout.js';
import { layoutOf, predictionRows } from '../core/capture-layout.js';
import type { ModelVersion } from '../core/model-version.js';
import { accuracy, macroF1, meanAbsoluteError, rootMeanSquaredError } from '../core/quality-metrics.js';
import { classIdResolver } from '../core/table-tensors.js';
import type { FeedbackLabel, LabelledCursor, LoopStore } from '../store/loop-store.js';
import { SCAN_PAGE } from '../store/scan-captures.js';

/** Feedback may be stamped by one replica's clock and its capture by another's: how far they may disagree. */
const CLOCK_MARGIN_MS = 5 * 60_000;

export interface QualityQuery {
  endpoint: string;
  since: number;
  until: number;
  bucketMs: number;
  variant?: string;
}

import type { QualityBucket, QualityReport } from '../core/quality-report.js';

export type { QualityBucket, QualityReport };

interface Accumulator {
  start: number;
  variant: string;
  model: string;
  targets: (number | string)[];
  predictions: (number | string)[];
}

/** The label of each row of a request: one label for a one-row request, or one per row. */
function perRow(label: FeedbackLabel, rows: number): (string | number)[] | undefined {
  if (Array.isArray(label)) return label.length === rows ? label : undefined;
  return rows === 1 ? [label] : undefined;
}

export async function liveQuality(
  store: Pick<LoopStore, 'labelledCaptures'>, versionOf: (name: string, version: number) => Promise<ModelVersion>, query: QualityQuery,
): Promise<QualityReport> {
  const layouts = new Map<string, CaptureLayout>();
  const layout = async (name: string, version: number): Promise<CaptureLayout> => {
    const key = `${name}:${version}`;
    let l = layouts.get(key);
    if (!l) layouts.set(key, (l = layoutOf(await versionOf(name, version))));
    return l;
  };
  const buckets = new Map<string, Accumulator>();
  let kind: QualityReport['kind'] = 'unknown';
  let skipped = 0;
  // From the feedback side: only labelled requests count, so the work follows the feedback given in the range, not
  // every request served in it (the dashboard asks for the last hour every 15 s). Feedback is taken only for a request
  // already captured, so it was received after its capture's time; the margin covers replicas' clocks.
  let after: LabelledCursor | undefined;
  for (;;) {
    const page = await store.labelledCaptures({
      endpoint: query.endpoint, receivedSince: query.since - CLOCK_MARGIN_MS, since: query.since, until: query.until, limit: SCAN_PAGE,
      ...(query.variant !== undefined ? { variant: query.variant } : {}), ...(after ? { after } : {}),
    });
    for (const { record, label } of page) {
      const l = await layout(record.model, record.version);
      const targets = perRow(label, record.rows);
      if (!targets || !record.outputs || !l.output) {
        skipped++;
        continue;
      }
      kind = l.output.kind === 'categorical' ? 'classification' : 'regression';
      const predictions = predictionRows(l, decodeTensors(record.outputs), record.rows);
      const start = Math.floor(record.time / query.bucketMs) * query.bucketMs;
      const key = `${start}\u0000${record.variant}\u0000${record.model}:${record.version}`;
      let acc = buckets.get(key);
      if (!acc) buckets.set(key, (acc = { start, variant: record.variant, model: `${record.model}:${record.version}`, targets: [], predictions: [] }));
      predictions.forEach((p, r) => {
        if (p === null) {
          skipped++;
          return;
        }
        acc!.targets.push(targets[r]!);
        acc!.predictions.push(p);
      });
    }
    if (page.length < SCAN_PAGE) break;
    after = page[page.length - 1]!.cursor;
  }
  const report: QualityBucket[] = [...buckets.values()]
    .sort((a, b) => a.start - b.start || a.variant.localeCompare(b.variant))
    .filter((acc) => acc.targets.length > 0)
    .map((acc) => {
      const bucket: QualityBucket = {
        start: new Date(acc.start).toISOString(), end: new Date(acc.start + query.bucketMs).toISOString(),
        variant: acc.variant, model: acc.model, labelled: acc.targets.length,
      };
      if (kind === 'classification') {
        // Labels and predictions meet as class texts: "3", a label name, or an index into the labels all compare equal.
        const labelsOf = layouts.get(acc.model)?.output?.labels;
        const id = classIdResolver(labelsOf);
        const t = Float64Array.from(acc.targets, (v) => id(String(v)));
        const p = Float64Array.from(acc.predictions, (v) => id(String(v)));
        bucket.accuracy = accuracy(t, p);
        bucket.f1 = macroF1(t, p);
      } else {
        const t = Float64Array.from(acc.targets, Number);
        const p = Float64Array.from(acc.predictions, Number);
        bucket.mae = meanAbsoluteError(t, p);
        bucket.rmse = rootMeanSquaredError(t, p);
      }
      return bucket;
    });
  return { endpoint: query.endpoint, kind, buckets: report, skipped };
}
