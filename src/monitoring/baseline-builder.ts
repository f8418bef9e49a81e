// Builds and stores a version's baseline: from its package's baseline file (running the model on it for the output
// distribution) or from a chosen range of an endpoint's captures.

import type { BaselineProfile, FeatureColumn } from '../core/baseline.js';
import type { CsvTable } from '../core/csv.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import { DEFAULT_RUNTIME } from '../core/runtime-config.js';
import { rowShape, tableValues, type TableValues } from '../core/table-tensors.js';
import type { Registry } from '../registry/registry.js';
import { readDataTable } from '../registry/data-table.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import { runOverTable } from '../runtime/table-run.js';
import type { LoopStore } from '../store/loop-store.js';
import { scanCaptures } from '../store/scan-captures.js';
import { profileColumns } from './baseline-profile.js';
import { decodeTensors } from '../core/capture-codec.js';
import type { CaptureLayout } from '../core/capture-layout.js';
import { ColumnCollector, layoutOf, PREDICTION_COLUMN, predictionRows } from '../core/capture-layout.js';

export interface BaselineDeps {
  registry: Pick<Registry, 'artifacts'>;
  /** Loads the version's model for the output distribution, as serving does. */
  runners: RunnerLoader;
  store: Pick<LoopStore, 'saveBaseline' | 'captures'>;
}

/**
 * The baseline's feature columns, each value at the precision the model receives it: an FP32 input sees
 * float32(-0.044641636), not the double the file spells, and a baseline at double precision would call every live
 * value of a two-valued feature out of range.
 */
function featureColumnsOf(version: ModelVersion, layout: CaptureLayout, table: CsvTable, path: string): FeatureColumn[] {
  const float32 = new Set(version.signature.inputs.filter((i) => i.datatype === 'FP32').map((i) => i.name));
  return layout.features.map((slot): FeatureColumn => {
    const round = float32.has(slot.input) ? Math.fround : (v: number): number => v;
    const at = table.header.indexOf(slot.name);
    if (at < 0) throw new InvalidInputError(`${path}: expected a column "${slot.name}" (a feature of the model), the header has ${table.header.join(', ')}`);
    if (slot.kind === 'categorical') return { name: slot.name, kind: 'categorical', values: table.rows.map((r) => (r[at]!.trim() === '' ? null : r[at]!.trim())) };
    return {
      name: slot.name, kind: 'numeric',
      values: Float64Array.from(table.rows, (r) => {
        const cell = r[at]!.trim();
        return cell === '' ? Number.NaN : round(Number(cell));
      }),
    };
  });
}

/**
 * The model's predictions on the baseline rows, for the output distribution. Only for one tabular input (numbers
 * without missing values, or the cells' text for a BYTES input): anything else cannot be fed from a table, and the baseline then has no output profile.
 */
async function predictionsOn(version: ModelVersion, layout: CaptureLayout, table: CsvTable, path: string, deps: BaselineDeps): Promise<FeatureColumn[]> {
  const inputs = version.signature.inputs;
  const spec = layout.output;
  if (!spec || inputs.length !== 1 || layout.features.length === 0) return [];
  const input = inputs[0]!;
  let features: TableValues;
  try {
    features = tableValues(input, table, layout.features.map((f) => f.name), path);
  } catch {
    return [];
  }
  const row = rowShape(input, layout.features.length);
  const runner = await deps.runners.loadRunner(version, { ...DEFAULT_RUNTIME, instances: 1 });
  try {
    const predictions: (number | string | null)[] = [];
    await runOverTable(runner, { input, row, values: features, rows: table.rows.length }, [spec.name], (outputs, _from, count) => {
      predictions.push(...predictionRows(layout, outputs, count));
    });
    return spec.kind === 'numeric'
      ? [{ name: PREDICTION_COLUMN, kind: 'numeric', values: Float64Array.from(predictions, (p) => (typeof p === 'number' ? p : Number.NaN)) }]
      : [{ name: PREDICTION_COLUMN, kind: 'categorical', values: predictions.map((p) => (p === null ? null : String(p))) }];
  } finally {
    await runner.dispose();
  }
}

/** Profiles the package's baseline file and stores it on the version; undefined when the package has none. */
export async function buildPackageBaseline(version: ModelVersion, deps: BaselineDeps): Promise<BaselineProfile | undefined> {
  const path = version.manifest.baseline;
  if (!path) return undefined;
  const file = version.files.find((f) => f.path === path);
  if (!file) throw new NotFoundError(`model version ${formatVersionId(version)} has no file "${path}"`);
  const table = await readDataTable(await deps.registry.artifacts.read(file.sha256), path);
  if (table.rows.length === 0) throw new InvalidInputError(`${path}: expected at least one data row`);
  const layout = layoutOf(version);
  const profile = profileColumns(featureColumnsOf(version, layout, table, path), await predictionsOn(version, layout, table, path, deps), { kind: 'package', file: path });
  await deps.store.saveBaseline(version.name, version.version, profile);
  return profile;
}

/** Profiles the endpoint's successful captures in [since, until) (optionally of one variant) and stores it on the version. */
export async function buildCaptureBaseline(
  version: ModelVersion, range: { endpoint: string; since?: number; until?: number; variant?: string }, deps: Pick<BaselineDeps, 'store'>,
): Promise<BaselineProfile> {
  const layout = layoutOf(version);
  const collector = new ColumnCollector(layout);
  // A large range is many pages: the scan lets requests be answered between them.
  for await (const page of scanCaptures(deps.store, { ...range, statuses: ['ok'] })) {
    for (const record of page) {
      if (record.inputs === null && record.outputs === null) continue;
      collector.add(record.inputs && decodeTensors(record.inputs), record.outputs && decodeTensors(record.outputs), record.rows);
    }
  }
  if (collector.rows === 0) {
    throw new InvalidInputError(`endpoint "${range.endpoint}" has no captured requests with payloads in that range; widen --since/--until or turn capture on`);
  }
  const source = {
    kind: 'captures' as const, endpoint: range.endpoint,
    ...(range.since !== undefined ? { since: new Date(range.since).toISOString() } : {}),
    ...(range.until !== undefined ? { until: new Date(range.until).toISOString() } : {}),
  };
  const profile = profileColumns(collector.features(), collector.outputs(), source);
  await deps.store.saveBaseline(version.name, version.version, profile);
  return profile;
}
