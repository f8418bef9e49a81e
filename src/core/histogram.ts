// Histograms for charts: counts over equal-width bins (numeric) or per category (categorical), and the pair a monitor
// keeps for each feature of a window: the baseline's and the window's on the same bins. Pure.

/** Bins of a numeric histogram: enough to see a shape, few enough that every window can keep one per feature. */
export const HISTOGRAM_BINS = 20;
/** Categories shown by name; the rest are summed under OTHER_CATEGORY. */
export const MAX_CATEGORIES = 20;
export const OTHER_CATEGORY = '(other)';

/** Values counted over bins `[e0, e1), [e1, e2), …, [ek-1, ek]`; finite values outside go to below/above, NaN to missing. */
export interface BinnedCounts {
  counts: number[];
  /** Values counted in bins (below, above and missing excluded). */
  total: number;
  missing: number;
  below: number;
  above: number;
}

export interface CategoryCounts {
  counts: number[];
  total: number;
  missing: number;
}

/** One feature (or output, `output` true) of a window against its baseline, on the same bins or categories. */
export type FeatureHistogram =
  | { feature: string; output: boolean; kind: 'numeric'; edges: number[]; baseline: BinnedCounts; window: BinnedCounts }
  | { feature: string; output: boolean; kind: 'categorical'; categories: string[]; baseline: CategoryCounts; window: CategoryCounts };

/**
 * `bins` + 1 ascending edges from `lo` to `hi`, equally spaced. A range of one value gets one bin of width 1 centred on
 * it; a range that is not finite (no values at all) gets [0, 1].
 */
export function equalWidthEdges(lo: number, hi: number, bins = HISTOGRAM_BINS): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || lo > hi) return [0, 1];
  if (lo === hi) return [lo - 0.5, lo + 0.5];
  const width = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + i * width);
  // The last edge exactly hi: lo + bins * width may round below it, and the maximum would fall outside.
  edges[bins] = hi;
  return edges;
}

/** Counts values into the bins of `edges` (the last bin includes its upper edge). */
export function binValues(values: ArrayLike<number>, edges: readonly number[]): BinnedCounts {
  const bins = edges.length - 1;
  const counts = new Array<number>(bins).fill(0);
  const lo = edges[0]!;
  const hi = edges[bins]!;
  const width = (hi - lo) / bins;
  let missing = 0;
  let below = 0;
  let above = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (Number.isNaN(v)) missing++;
    else if (v < lo) below++;
    else if (v > hi) above++;
    else {
      // Equal widths: the bin by arithmetic, corrected at its edges for rounding.
      let b = Math.min(bins - 1, Math.floor((v - lo) / width));
      while (b > 0 && v < edges[b]!) b--;
      while (b < bins - 1 && v >= edges[b + 1]!) b++;
      counts[b]!++;
    }
  }
  return { counts, total: values.length - missing - below - above, missing, below, above };
}

/** The value at rank p (0..1) of ascending `sorted` (nearest rank); NaN for none. */
export function rankValue(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(p * (sorted.length - 1))))]!;
}

/**
 * Two tallies over the same categories: the MAX_CATEGORIES most frequent of both together (by share of each, so a
 * category new in the window shows however small the baseline), ordered by that share; when there are more, the last
 * place is OTHER_CATEGORY holding the rest.
 */
export function categoryPair(
  baseline: ReadonlyMap<string, number>, window: ReadonlyMap<string, number>, missing: { baseline: number; window: number },
): { categories: string[]; baseline: CategoryCounts; window: CategoryCounts } {
  const sum = (m: ReadonlyMap<string, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const bTotal = sum(baseline);
  const wTotal = sum(window);
  const share = (c: string): number => (bTotal > 0 ? (baseline.get(c) ?? 0) / bTotal : 0) + (wTotal > 0 ? (window.get(c) ?? 0) / wTotal : 0);
  const all = [...new Set([...baseline.keys(), ...window.keys()])].sort((a, b) => share(b) - share(a) || (a < b ? -1 : a > b ? 1 : 0));
  const named = all.length > MAX_CATEGORIES ? all.slice(0, MAX_CATEGORIES - 1) : all;
  const rest = all.slice(named.length);
  const countsOf = (m: ReadonlyMap<string, number>): number[] => {
    const counts = named.map((c) => m.get(c) ?? 0);
    if (rest.length > 0) counts.push(rest.reduce((n, c) => n + (m.get(c) ?? 0), 0));
    return counts;
  };
  return {
    categories: rest.length > 0 ? [...named, OTHER_CATEGORY] : named,
    baseline: { counts: countsOf(baseline), total: bTotal, missing: missing.baseline },
    window: { counts: countsOf(window), total: wTotal, missing: missing.window },
  };
}
