// The histograms of a baseline's features for charts, and of a window's features on the same bins as the baseline's,
// computed when the monitor evaluates the window so that showing a cell of the drift heatmap is a lookup. Pure.

import type { BaselineProfile, FeatureColumn, FeatureProfile, NumericProfile } from '../core/baseline.js';
import type { FeatureHistogram } from '../core/histogram.js';
import { binValues, categoryPair, equalWidthEdges, HISTOGRAM_BINS, rankValue } from '../core/histogram.js';

/** One baseline column as a chart draws it: its summary and its counts over equal-width bins or per category. */
export type BaselineHistogram =
  | {
      name: string; kind: 'numeric'; count: number; missing: number; mean: number; std: number; min: number; max: number;
      quantiles: { p: number; value: number }[]; edges: number[]; counts: number[];
      /** The counts are of the baseline's stored sample, which holds fewer values than the baseline's rows. */
      sampled: boolean;
    }
  | { name: string; kind: 'categorical'; count: number; missing: number; categories: string[]; counts: number[] };

export interface BaselineHistograms {
  rows: number;
  source: BaselineProfile['source'];
  createdAt: string;
  features: BaselineHistogram[];
  outputs: BaselineHistogram[];
}

function baselineHistogram(p: FeatureProfile): BaselineHistogram {
  if (p.kind === 'categorical') {
    const pair = categoryPair(new Map(Object.entries(p.frequencies)), new Map(), { baseline: p.missing, window: 0 });
    return { name: p.name, kind: 'categorical', count: p.count, missing: p.missing, categories: pair.categories, counts: pair.baseline.counts };
  }
  const edges = equalWidthEdges(p.min, p.max);
  return {
    name: p.name, kind: 'numeric', count: p.count, missing: p.missing, mean: finite(p.mean), std: finite(p.std), min: finite(p.min), max: finite(p.max),
    quantiles: p.quantiles.map((q) => ({ p: q.p, value: finite(q.value) })), edges, counts: binValues(p.sample, edges).counts,
    sampled: p.sample.length < p.count,
  };
}

/** A baseline's features and outputs as histograms. */
export function baselineHistograms(profile: BaselineProfile): BaselineHistograms {
  return {
    rows: profile.rows, source: profile.source, createdAt: profile.createdAt,
    features: profile.features.map(baselineHistogram), outputs: profile.outputs.map(baselineHistogram),
  };
}

/**
 * Bins for a window of a numeric feature: equal widths over the baseline's range widened to the window's 1st–99th
 * percentile, so a shifted window is drawn beside the baseline rather than piled into one end bin, and a few wild values
 * (counted in below/above) do not squash every bin into one.
 */
function windowEdges(p: NumericProfile, present: Float64Array): number[] {
  const sorted = present.filter(Number.isFinite).sort();
  const lo = Math.min(p.count > 0 ? p.min : Infinity, sorted.length ? rankValue(sorted, 0.01) : Infinity);
  const hi = Math.max(p.count > 0 ? p.max : -Infinity, sorted.length ? rankValue(sorted, 0.99) : -Infinity);
  return equalWidthEdges(lo, hi, HISTOGRAM_BINS);
}

function histogramOf(p: FeatureProfile, column: FeatureColumn, output: boolean): FeatureHistogram | undefined {
  if (p.kind === 'numeric' && column.kind === 'numeric') {
    const edges = windowEdges(p, column.values.filter((v) => !Number.isNaN(v)));
    const baseline = binValues(p.sample, edges);
    return { feature: p.name, output, kind: 'numeric', edges, baseline: { ...baseline, missing: p.missing }, window: binValues(column.values, edges) };
  }
  if (p.kind === 'categorical' && column.kind === 'categorical') {
    const tally = new Map<string, number>();
    let missing = 0;
    for (const v of column.values) {
      if (v === null) missing++;
      else tally.set(v, (tally.get(v) ?? 0) + 1);
    }
    const pair = categoryPair(new Map(Object.entries(p.frequencies)), tally, { baseline: p.missing, window: missing });
    return { feature: p.name, output, kind: 'categorical', ...pair };
  }
  // A column whose kind differs from the baseline's is a schema finding; it has no common bins to draw.
  return undefined;
}

/** Every baseline column the window has, as the baseline's and the window's histograms on the same bins. */
export function windowHistograms(baseline: BaselineProfile, window: { features: FeatureColumn[]; outputs: FeatureColumn[] }): FeatureHistogram[] {
  const out: FeatureHistogram[] = [];
  const add = (profiles: FeatureProfile[], columns: FeatureColumn[], output: boolean): void => {
    const byName = new Map(columns.map((c) => [c.name, c]));
    for (const p of profiles) {
      const column = byName.get(p.name);
      const h = column && histogramOf(p, column, output);
      if (h) out.push(h);
    }
  };
  add(baseline.features, window.features, false);
  add(baseline.outputs, window.outputs, true);
  return out;
}

/** JSON has no Infinity or NaN: a profile of no values reports 0. */
function finite(x: number): number {
  return Number.isFinite(x) ? x : 0;
}
