// Dataset export for retraining: streams an endpoint's captured rows — feature columns under the package's feature
// names, the prediction, and (joined) the ground truth — as Parquet, CSV or JSON Lines, one page of captures at a time.

import { decodeTensors } from '../core/capture-codec.js';
import type { CaptureLayout } from '../core/capture-layout.js';
import { featureRows, layoutOf, PREDICTION_COLUMN, predictionRows } from '../core/capture-layout.js';
import type { CaptureRecord } from '../core/capture-config.js';
import type { DatasetQuery } from '../core/dataset-query.js';
import { InvalidInputError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import type { FeedbackLabel, LoopStore } from '../store/loop-store.js';
import { scanCaptures } from '../store/scan-captures.js';
import type { ExportColumn, RowWriter } from './row-writers.js';
import { rowWriter } from './row-writers.js';

/** Rows written between two turns of the event loop. */
const PAUSE_ROWS = 2048;

export type ExportValue = number | string | null;

export interface ExportResult {
  rows: number;
  records: number;
  columns: string[];
}

export interface ExportDeps {
  store: Pick<LoopStore, 'captures' | 'feedbackFor' | 'driftedRanges'>;
  versionOf: (name: string, version: number) => Promise<ModelVersion>;
}

/** The columns of an export, from the layout of the version the data is described by. */
export function exportColumns(layout: CaptureLayout, withFeedback: boolean): ExportColumn[] {
  const columns: ExportColumn[] = [
    { name: 'request_id', type: 'string', nullable: false },
    { name: 'row', type: 'int64', nullable: false },
    { name: 'time', type: 'string', nullable: false },
    { name: 'variant', type: 'string', nullable: false },
    { name: 'model_version', type: 'string', nullable: false },
    { name: 'latency_ms', type: 'double', nullable: false },
    ...layout.features.map((f): ExportColumn => ({ name: f.name, type: f.kind === 'numeric' ? 'double' : 'string', nullable: true })),
  ];
  if (layout.output) columns.push({ name: PREDICTION_COLUMN, type: layout.output.kind === 'numeric' ? 'double' : 'string', nullable: true });
  if (withFeedback) columns.push({ name: 'label', type: layout.output?.kind === 'numeric' ? 'double' : 'string', nullable: true });
  const names = new Set<string>();
  for (const c of columns) {
    if (names.has(c.name)) throw new InvalidInputError(`export: the model has a feature named "${c.name}", which an export column already uses`);
    names.add(c.name);
  }
  return columns;
}

/** Keeps records whose id falls in one of the (sorted, disjoint) id ranges; records arrive in id order. */
class RangeFilter {
  private at = 0;
  constructor(private readonly ranges: { first: number; last: number }[]) {}
  keeps(id: number): boolean {
    while (this.at < this.ranges.length && this.ranges[this.at]!.last < id) this.at++;
    const range = this.ranges[this.at];
    return range !== undefined && range.first <= id;
  }
}

/**
 * Streams the query's rows to `sink` and returns what was written. The first record's version describes the columns
 * (the endpoint's feature names); records of other versions are matched to them by name.
 */
export async function exportDataset(
  deps: ExportDeps, query: DatasetQuery, describe: ModelVersion, sink: (chunk: Uint8Array) => Promise<void> | void,
): Promise<ExportResult> {
  const withFeedback = query.withFeedback || query.onlyLabelled;
  const baseLayout = layoutOf(describe);
  const columns = exportColumns(baseLayout, withFeedback);
  const writer: RowWriter = rowWriter(query.format, columns, sink);
  const filter = query.onlyDriftedWindows ? new RangeFilter(await deps.store.driftedRanges(query.endpoint)) : undefined;
  const layouts = new Map<string, { layout: CaptureLayout; positions: number[] }>();
  const featureStart = 6;
  const positionsFor = async (r: CaptureRecord): Promise<{ layout: CaptureLayout; positions: number[] }> => {
    const key = `${r.model}:${r.version}`;
    let entry = layouts.get(key);
    if (!entry) {
      const layout = key === `${describe.name}:${describe.version}` ? baseLayout : layoutOf(await deps.versionOf(r.model, r.version));
      const positions = layout.features.map((f) => {
        const at = baseLayout.features.findIndex((b) => b.name === f.name);
        return at < 0 ? -1 : featureStart + at;
      });
      layouts.set(key, (entry = { layout, positions }));
    }
    return entry;
  };
  let rows = 0;
  let rowsAtPause = 0;
  let records = 0;
  const predictionAt = baseLayout.output ? featureStart + baseLayout.features.length : -1;
  const labelAt = withFeedback ? columns.length - 1 : -1;
  const scan = scanCaptures(deps.store, {
    endpoint: query.endpoint, statuses: ['ok'],
    ...(query.since !== undefined ? { since: query.since } : {}),
    ...(query.until !== undefined ? { until: query.until } : {}),
    ...(query.variant !== undefined ? { variant: query.variant } : {}),
  }, { pauseBetweenPages: false }); // it pauses every PAUSE_ROWS rows instead
  for await (const page of scan) {
    const kept = filter ? page.filter((r) => filter.keeps(r.id!)) : page;
    const labels = withFeedback ? await deps.store.feedbackFor(query.endpoint, kept.map((r) => r.requestId)) : new Map<string, FeedbackLabel>();
    for (const record of kept) {
      const label = labels.get(record.requestId);
      if (query.onlyLabelled && label === undefined) continue;
      const { layout, positions } = await positionsFor(record);
      const features = record.inputs ? featureRows(layout, decodeTensors(record.inputs), record.rows) : undefined;
      const predictions = record.outputs ? predictionRows(layout, decodeTensors(record.outputs), record.rows) : undefined;
      const time = new Date(record.time).toISOString();
      const model = `${record.model}:${record.version}`;
      for (let r = 0; r < record.rows; r++) {
        const row: ExportValue[] = new Array<ExportValue>(columns.length).fill(null);
        row[0] = record.requestId;
        row[1] = r;
        row[2] = time;
        row[3] = record.variant;
        row[4] = model;
        row[5] = record.latencyMs;
        if (features) {
          positions.forEach((at, f) => {
            if (at < 0) return;
            const v = features[f]![r]!;
            row[at] = typeof v === 'number' && Number.isNaN(v) ? null : coerce(v, columns[at]!.type);
          });
        }
        if (predictionAt >= 0 && predictions) row[predictionAt] = coerce(predictions[r] ?? null, columns[predictionAt]!.type);
        if (labelAt >= 0 && label !== undefined) row[labelAt] = coerce(Array.isArray(label) ? (label[r] ?? null) : record.rows === 1 ? label : null, columns[labelAt]!.type);
        await writer.write(row);
        rows++;
      }
      records++;
      // The store answers synchronously and a sink need not push back: without a pause now and then an export would
      // run from the first page to the last without the event loop serving a single request in between.
      if (rows - rowsAtPause >= PAUSE_ROWS) {
        rowsAtPause = rows;
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
  }
  await writer.close();
  return { rows, records, columns: columns.map((c) => c.name) };
}

/** A value in its column's type: a number in a text column as text; text in a number column as its number (or null). */
function coerce(value: ExportValue, type: ExportColumn['type']): ExportValue {
  if (value === null) return null;
  if (type === 'string') return String(value);
  const n = typeof value === 'number' ? value : Number(value);
  return Number.isNaN(n) ? null : n;
}
