// What one variant did in one rollout step, as counts that add up across replicas: each replica publishes its own,
// and the replica holding the rollout duty merges them so gates judge the traffic of every replica.

import { histogramQuantile, mergeHistograms, type SparseHistogram } from './latency-histogram.js';

export interface WindowCounts {
  requests: number;
  /** Failures to run and NaN answers (gates count both as errors). */
  errors: number;
  /** Answers returned with NaN in a float output (a subset of errors). */
  nans: number;
  /** Rows compared with the reference variant, and how many agreed. */
  compared: number;
  agreed: number;
  /** Copies refused because the variant's queue was full. */
  dropped: number;
  latency: SparseHistogram;
}

/** The numbers gates read, computed from counts. */
export interface WindowRates {
  requests: number;
  errorRate: number | null;
  p99Ms: number | null;
  agreement: number | null;
}

export const EMPTY_COUNTS: WindowCounts = { requests: 0, errors: 0, nans: 0, compared: 0, agreed: 0, dropped: 0, latency: [] };

export function mergeCounts(list: readonly WindowCounts[]): WindowCounts {
  const out = { ...EMPTY_COUNTS };
  for (const c of list) {
    out.requests += c.requests;
    out.errors += c.errors;
    out.nans += c.nans;
    out.compared += c.compared;
    out.agreed += c.agreed;
    out.dropped += c.dropped;
  }
  out.latency = mergeHistograms(list.map((c) => c.latency));
  return out;
}

export function ratesOf(c: WindowCounts): WindowRates {
  return {
    requests: c.requests,
    errorRate: c.requests === 0 ? null : c.errors / c.requests,
    p99Ms: histogramQuantile(c.latency, 0.99),
    agreement: c.compared === 0 ? null : c.agreed / c.compared,
  };
}

/** One replica's published window of one variant. */
export interface PublishedWindow {
  replica: string;
  endpoint: string;
  variant: string;
  /** Which window this is (the rollout step it counts: `rolloutStepKey`); windows of other steps are not merged. */
  key: string;
  counts: WindowCounts;
  /** Milliseconds since the epoch (the store's clock) of the last publication. */
  updatedAt: number;
}

/** The key of a rollout step's window: the same on every replica for the same step. */
export function rolloutStepKey(state: { id: string; phase: string; stepIndex: number }): string {
  return `${state.id}/${state.phase}/${state.stepIndex}`;
}

/**
 * Each variant's counts over every replica for the window `key`: the published rows of that key, with this replica's
 * row replaced by its live counts (fresher than what it last published).
 */
export function mergeReplicaWindows(
  published: readonly PublishedWindow[],
  key: string,
  self: string,
  local: ReadonlyMap<string, WindowCounts>,
): Map<string, WindowCounts> {
  const byVariant = new Map<string, WindowCounts[]>();
  const add = (variant: string, c: WindowCounts): void => {
    const list = byVariant.get(variant);
    if (list) list.push(c);
    else byVariant.set(variant, [c]);
  };
  for (const p of published) if (p.key === key && p.replica !== self) add(p.variant, p.counts);
  for (const [variant, c] of local) add(variant, c);
  return new Map([...byVariant].map(([variant, list]) => [variant, mergeCounts(list)]));
}
