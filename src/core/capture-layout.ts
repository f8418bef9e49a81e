// How a model version's tensors map to named columns: one per input feature, plus the prediction (predicted class or
// value). Monitors, baselines, live quality and exports all read captures through this one mapping.

import type { FeatureColumn, FeatureKind } from './baseline.js';
import type { ModelVersion } from './model-version.js';
import { classIdResolver, numbersOf, predictedClasses, predictedValues } from './table-tensors.js';
import type { Tensor } from './tensor.js';
import { shapeSize } from './tensor.js';

/** Inputs with more values per row than this (images, sequences) are not profiled value by value. */
export const MAX_FEATURES_PER_INPUT = 512;
export const PREDICTION_COLUMN = 'prediction';

export interface FeatureSlot {
  name: string;
  kind: FeatureKind;
  input: string;
  /** Position of the value inside one row of the input. */
  index: number;
}

export interface CaptureLayout {
  features: FeatureSlot[];
  /** The output the prediction is read from, and whether it is a class (categorical) or a value (numeric). */
  output: { name: string; kind: FeatureKind; labels?: string[] } | undefined;
  /** Inputs skipped because a row holds too many values. */
  skippedInputs: string[];
}

export function layoutOf(version: ModelVersion): CaptureLayout {
  const { signature, manifest } = version;
  const features: FeatureSlot[] = [];
  const skippedInputs: string[] = [];
  const categorical = new Set(manifest.categorical ?? []);
  signature.inputs.forEach((input, i) => {
    const inner = input.shape.slice(1);
    const names = input.features ?? (i === 0 ? manifest.features : undefined);
    const width = names?.length ?? (inner.every((d) => d > 0) ? shapeSize(inner) : 1);
    if (width > MAX_FEATURES_PER_INPUT) {
      skippedInputs.push(input.name);
      return;
    }
    for (let f = 0; f < width; f++) {
      const name = names?.[f] ?? (signature.inputs.length === 1 && width === 1 ? input.name : `${input.name}_${f}`);
      const kind: FeatureKind = input.datatype === 'BYTES' || input.datatype === 'BOOL' || categorical.has(name) ? 'categorical' : 'numeric';
      features.push({ name, kind, input: input.name, index: f });
    }
  });
  return { features, output: predictionOutput(version), skippedInputs };
}

function predictionOutput(version: ModelVersion): CaptureLayout['output'] {
  const outputs = version.signature.outputs;
  if (outputs.length === 0) return undefined;
  const tested = version.manifest.tests.find((t) => t.output !== undefined)?.output;
  const labelled = outputs.find((o) => o.labels);
  const chosen = outputs.find((o) => o.name === tested) ?? labelled ?? outputs[0]!;
  const labels = chosen.labels ?? version.manifest.labels;
  const classification = version.task === 'classification' || chosen.datatype === 'BYTES' || (version.task === 'other' && (chosen.shape.at(-1) ?? 1) > 1 && chosen.shape.length > 1);
  return { name: chosen.name, kind: classification ? 'categorical' : 'numeric', ...(labels ? { labels } : {}) };
}

/** The class text of a predicted id: its label when the package names one, else the id itself. */
export function classText(id: number, labels: readonly string[] | undefined): string | null {
  if (Number.isNaN(id)) return null;
  return labels?.[id] ?? String(id);
}

/** Per-row feature values of one request's inputs (numeric ones as numbers, NaN when absent; categorical as text). */
export function featureRows(layout: CaptureLayout, inputs: Tensor[], rows: number): (number | string | null)[][] {
  const byName = new Map(inputs.map((t) => [t.name, t]));
  const values = layout.features.map((slot) => {
    const tensor = byName.get(slot.input);
    const column: (number | string | null)[] = new Array<number | string | null>(rows).fill(slot.kind === 'numeric' ? Number.NaN : null);
    if (!tensor) return column;
    const perRow = tensor.shape.length === 0 ? 1 : shapeSize(tensor.shape) / Math.max(1, tensor.shape[0] ?? 1);
    const data = Array.isArray(tensor.data) ? tensor.data : numbersOf(tensor);
    for (let r = 0; r < rows; r++) {
      const v = data[r * perRow + slot.index];
      if (v === undefined) continue;
      column[r] = slot.kind === 'numeric' ? Number(v) : String(v);
    }
    return column;
  });
  return values;
}

/** Per-row predictions of one request's outputs (null where the output is absent or not a prediction). */
export function predictionRows(layout: CaptureLayout, outputs: Tensor[], rows: number): (number | string | null)[] {
  const spec = layout.output;
  const tensor = spec && outputs.find((t) => t.name === spec.name);
  if (!spec || !tensor) return new Array<null>(rows).fill(null);
  try {
    if (spec.kind === 'numeric') return Array.from(predictedValues(tensor, rows));
    const ids = predictedClasses(tensor, rows, classIdResolver(spec.labels));
    if (Array.isArray(tensor.data)) return tensor.data.slice(0, rows);
    return Array.from(ids, (id) => classText(id, spec.labels));
  } catch {
    // A shape the prediction cannot be read from (e.g. a batch dimension the model does not have): no prediction.
    return new Array<null>(rows).fill(null);
  }
}

/** Accumulates captured rows into feature and prediction columns for a window check or a baseline. */
export class ColumnCollector {
  private readonly numeric: number[][];
  private readonly text: (string | null)[][];
  private readonly prediction: (number | string | null)[] = [];
  rows = 0;

  constructor(private readonly layout: CaptureLayout) {
    this.numeric = layout.features.map(() => []);
    this.text = layout.features.map(() => []);
  }

  add(inputs: Tensor[] | null, outputs: Tensor[] | null, rows: number): void {
    if (inputs) {
      const values = featureRows(this.layout, inputs, rows);
      this.layout.features.forEach((slot, f) => {
        const target = slot.kind === 'numeric' ? this.numeric[f]! : this.text[f]!;
        for (const v of values[f]!) (target as (number | string | null)[]).push(v);
      });
    } else {
      this.layout.features.forEach((slot, f) => {
        for (let r = 0; r < rows; r++) slot.kind === 'numeric' ? this.numeric[f]!.push(Number.NaN) : this.text[f]!.push(null);
      });
    }
    for (const p of outputs ? predictionRows(this.layout, outputs, rows) : new Array<null>(rows).fill(null)) this.prediction.push(p);
    this.rows += rows;
  }

  features(): FeatureColumn[] {
    return this.layout.features.map((slot, f): FeatureColumn =>
      slot.kind === 'numeric'
        ? { name: slot.name, kind: 'numeric', values: Float64Array.from(this.numeric[f]!) }
        : { name: slot.name, kind: 'categorical', values: this.text[f]! },
    );
  }

  outputs(): FeatureColumn[] {
    const spec = this.layout.output;
    if (!spec) return [];
    return spec.kind === 'numeric'
      ? [{ name: PREDICTION_COLUMN, kind: 'numeric', values: Float64Array.from(this.prediction, (p) => (typeof p === 'number' ? p : Number.NaN)) }]
      : [{ name: PREDICTION_COLUMN, kind: 'categorical', values: this.prediction.map((p) => (p === null ? null : String(p))) }];
  }
}
