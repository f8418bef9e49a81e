// Builds a baseline profile from training-time columns: the summary, bins and sample that drift-check compares windows with. Pure.

import type { BaselineProfile, BaselineSource, CategoricalProfile, FeatureColumn, FeatureProfile, NumericProfile } from '../core/baseline.js';
import { InvalidInputError } from '../core/errors.js';
import { mulberry32 } from '../core/seeded-random.js';
import { binCounts } from './drift-stats.js';

/** The quantile levels a numeric profile reports (NumericProfile.quantiles). */
export const PROFILE_QUANTILES: readonly number[] = [0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99];

/** Deciles: the bin edges of a column with many distinct values, so each bin holds about a tenth of the baseline. */
const DECILES: readonly number[] = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9];

/**
 * At or below this many distinct values, every distinct value becomes an edge (its own bin) instead of the deciles:
 * deciles of a column like integer pixels 0..16 collapse onto a few values and would lump unrelated values together.
 */
const MAX_DISTINCT_AS_EDGES = 10;

export const DEFAULT_SAMPLE_SIZE = 5000;

/** Used when no seed is given, so that profiling the same data twice gives the same profile (content-addressed artifacts). */
export const DEFAULT_SEED = 0x5eed;

export interface ProfileColumnOptions {
  /** Most values kept in a numeric profile's `sample` (KS and Wasserstein compare against it). Default 5000. */
  sampleSize?: number;
  /** Seed of the reservoir sample; the same seed and data give the same sample. */
  seed?: number;
}

export interface ProfileOptions extends ProfileColumnOptions {
  /** The profile's `createdAt`; now when absent. */
  now?: Date;
}

/** Profiles every feature and output column of a baseline data set. All columns must have the same number of rows. */
export function profileColumns(
  columns: FeatureColumn[],
  outputs: FeatureColumn[],
  source: BaselineSource,
  options: ProfileOptions = {},
): BaselineProfile {
  const all = [...columns, ...outputs];
  const rows = all[0]?.values.length ?? 0;
  for (const column of all) {
    if (column.values.length !== rows) {
      throw new InvalidInputError(
        `baseline column "${column.name}": expected ${rows} rows (as "${all[0]?.name ?? ''}" has), got ${column.values.length}`,
      );
    }
  }
  checkUniqueNames('feature', columns);
  checkUniqueNames('output', outputs);
  const columnOptions: ProfileColumnOptions = { sampleSize: options.sampleSize, seed: options.seed };
  return {
    source,
    rows,
    createdAt: (options.now ?? new Date()).toISOString(),
    features: columns.map((c) => profileColumn(c, columnOptions)),
    outputs: outputs.map((c) => profileColumn(c, columnOptions)),
  };
}

/** Profiles one column: numeric (NaN = missing; infinities are refused) or categorical (null = missing). */
export function profileColumn(column: FeatureColumn, options: ProfileColumnOptions = {}): FeatureProfile {
  if (column.kind === 'categorical') return profileCategorical(column.name, column.values);
  const sampleSize = options.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  if (!Number.isInteger(sampleSize) || sampleSize < 1) {
    throw new InvalidInputError(`baseline sampleSize: expected a positive integer, got ${sampleSize}`);
  }
  const seed = options.seed ?? DEFAULT_SEED;
  if (!Number.isInteger(seed)) throw new InvalidInputError(`baseline seed: expected an integer, got ${seed}`);
  return profileNumeric(column.name, column.values, sampleSize, seed);
}

function checkUniqueNames(what: string, columns: FeatureColumn[]): void {
  const seen = new Set<string>();
  for (const c of columns) {
    if (seen.has(c.name)) throw new InvalidInputError(`baseline ${what} "${c.name}": expected each name once, got it twice`);
    seen.add(c.name);
  }
}

function profileNumeric(name: string, values: Float64Array, sampleSize: number, seed: number): NumericProfile {
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) continue;
    // An infinite value has no mean, spread or distance to summarise; in training data it is a bug worth knowing about.
    if (!Number.isFinite(v)) {
      throw new InvalidInputError(`baseline column "${name}": row ${i} is ${v}; expected finite numbers (NaN for missing)`);
    }
    count++;
  }
  const present = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isNaN(v)) present[k++] = v;
  }
  const missing = values.length - count;
  if (count === 0) {
    // Nothing to summarise: NaN says so (drift-check skips every distribution check of a column with count 0), and the
    // one bin (-inf, +inf) with no edges keeps `counts.length === edges.length + 1`.
    return { kind: 'numeric', name, count, missing, mean: NaN, std: NaN, min: NaN, max: NaN, quantiles: [], edges: [], counts: [0], sample: [] };
  }
  // Sample selection runs on the values in their original order (before sorting) so it does not depend on ties' order.
  const sample = count <= sampleSize ? Array.from(present) : Array.from(reservoirSample(present, sampleSize, seed));
  sample.sort((a, b) => a - b);
  const sorted = present.sort();

  // Two passes (mean, then squared deviations) rather than sum of squares: no cancellation on large, tightly spread values.
  let sum = 0;
  for (let i = 0; i < count; i++) sum += sorted[i]!;
  const mean = sum / count;
  let squares = 0;
  for (let i = 0; i < count; i++) squares += (sorted[i]! - mean) ** 2;
  // Sample standard deviation (ddof = 1, pandas' default): the baseline estimates the training population's spread, and
  // drift-check divides Wasserstein distances by it. A single value has no spread to estimate: 0.
  const std = count > 1 ? Math.sqrt(squares / (count - 1)) : 0;

  const edges = binEdges(sorted);
  return {
    kind: 'numeric',
    name,
    count,
    missing,
    mean,
    std,
    min: sorted[0]!,
    max: sorted[count - 1]!,
    quantiles: PROFILE_QUANTILES.map((p) => ({ p, value: quantileSorted(sorted, p) })),
    edges,
    counts: binCounts(sorted, edges),
    sample,
  };
}

function profileCategorical(name: string, values: (string | null)[]): CategoricalProfile {
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  // Most frequent first, ties by name: the same data always gives the same object (and the same artifact hash).
  const ordered = [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  // Object.fromEntries defines own properties, so a category named "__proto__" is kept as data.
  return { kind: 'categorical', name, count: values.length - missing, missing, frequencies: Object.fromEntries(ordered) };
}

/**
 * Interior bin edges, ascending and distinct. At most MAX_DISTINCT_AS_EDGES distinct values: each distinct value is an
 * edge, so each value has its own bin [v_i, v_{i+1}) and (-inf, v_0) stays empty (a constant column gets one edge).
 * Otherwise the deciles, with repeats dropped (ties can make several deciles equal).
 */
function binEdges(sorted: Float64Array): number[] {
  const distinct: number[] = [];
  for (let i = 0; i < sorted.length && distinct.length <= MAX_DISTINCT_AS_EDGES; i++) {
    const v = sorted[i]!;
    if (distinct.length === 0 || v !== distinct[distinct.length - 1]) distinct.push(v);
  }
  if (distinct.length <= MAX_DISTINCT_AS_EDGES) return distinct;
  const edges: number[] = [];
  for (const p of DECILES) {
    const q = quantileSorted(sorted, p);
    if (edges.length === 0 || q > edges[edges.length - 1]!) edges.push(q);
  }
  return edges;
}

/**
 * Quantile p of ascending values by numpy's default ('linear') method: virtual index h = (n - 1) p, interpolated between
 * the values at floor(h) and floor(h) + 1, with numpy's two-sided lerp (from b when the weight is at least 1/2) so the
 * results agree with numpy to the last bit.
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) throw new InvalidInputError('quantile: expected at least one value, got none');
  if (!(p >= 0 && p <= 1)) throw new InvalidInputError(`quantile: expected p in [0, 1], got ${p}`);
  const h = (n - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, n - 1);
  const t = h - lo;
  const a = sorted[lo]!;
  const b = sorted[hi]!;
  const d = b - a;
  return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/** A uniform sample of k values (Vitter's algorithm R), deterministic for a seed. Requires values.length > k. */
function reservoirSample(values: Float64Array, k: number, seed: number): Float64Array {
  const random = mulberry32(seed);
  const reservoir = values.slice(0, k);
  for (let i = k; i < values.length; i++) {
    const j = Math.floor(random() * (i + 1));
    if (j < k) reservoir[j] = values[i]!;
  }
  return reservoir;
}
