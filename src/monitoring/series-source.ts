// Where the dashboard's series come from: this process's recorder, or (serve --workers) every worker's, merged second
// by second into one view of the server.

import type { SeriesRecorder, VariantSeriesView } from './series-recorder.js';
import { emptyErrors, type SeriesPoint } from './variant-series.js';

export interface SeriesSource {
  /** Seconds of history kept. */
  readonly capacity: number;
  /** One endpoint's variants with their finished seconds after `since` (epoch seconds), oldest first. */
  series(endpoint: string, since: number): Promise<VariantSeriesView[]>;
}

export interface SeriesQuestion {
  endpoint: string;
  since: number;
}

/** This process's series only: a server of one process. */
export function localSeries(recorder: SeriesRecorder): SeriesSource {
  return { capacity: recorder.capacity, series: async (endpoint, since) => recorder.series(endpoint, since) };
}

/** Every process's series, asked through `gather` (which answers each process's view, this one's included), merged. */
export function gatheredSeries(recorder: SeriesRecorder, gather: (question: SeriesQuestion) => Promise<VariantSeriesView[][]>): SeriesSource {
  return { capacity: recorder.capacity, series: async (endpoint, since) => mergeProcessSeries(await gather({ endpoint, since })) };
}

/**
 * The views of one endpoint from several processes as one. Counts add up (requests, errors, queue depth); the rest is
 * approximated from what each process kept of a second: p50 as the request-weighted mean of the processes' p50s and
 * p99 as the largest p99 (a percentile of the whole lies between the processes' own, so both stay within that range),
 * batch size weighted by requests, agreement the mean.
 */
export function mergeProcessSeries(parts: readonly (readonly VariantSeriesView[])[]): VariantSeriesView[] {
  const byVariant = new Map<string, { view: VariantSeriesView; points: SeriesPoint[][] }>();
  for (const part of parts) {
    for (const view of part) {
      const seen = byVariant.get(view.variant);
      if (!seen) {
        byVariant.set(view.variant, { view: { ...view, points: [] }, points: [view.points] });
        continue;
      }
      seen.points.push(view.points);
      if (view.live && !seen.view.live) {
        seen.view.live = true;
        if (view.shadow !== undefined) seen.view.shadow = view.shadow;
      }
    }
  }
  return [...byVariant.values()].map(({ view, points }) => ({ ...view, points: mergePoints(points) }));
}

function mergePoints(lists: readonly SeriesPoint[][]): SeriesPoint[] {
  if (lists.length === 1) return lists[0]!;
  const bySecond = new Map<number, SeriesPoint[]>();
  for (const list of lists) {
    for (const p of list) {
      const at = bySecond.get(p.t);
      if (at) at.push(p);
      else bySecond.set(p.t, [p]);
    }
  }
  return [...bySecond.entries()].sort(([a], [b]) => a - b).map(([t, points]) => mergeSecond(t, points));
}

function mergeSecond(t: number, points: readonly SeriesPoint[]): SeriesPoint {
  const out: SeriesPoint = {
    t, requests: 0, errors: emptyErrors(), p50Ms: null, p99Ms: null, queue: null, batchSize: null, agreement: null,
  };
  let p50Weight = 0;
  let p50Sum = 0;
  let batchWeight = 0;
  let batchSum = 0;
  let agreements = 0;
  let agreementSum = 0;
  for (const p of points) {
    out.requests += p.requests;
    for (const k of Object.keys(out.errors) as (keyof SeriesPoint['errors'])[]) out.errors[k] += p.errors[k];
    if (p.p50Ms !== null) {
      p50Sum += p.p50Ms * Math.max(1, p.requests);
      p50Weight += Math.max(1, p.requests);
    }
    if (p.p99Ms !== null) out.p99Ms = Math.max(out.p99Ms ?? 0, p.p99Ms);
    if (p.queue !== null) out.queue = (out.queue ?? 0) + p.queue;
    if (p.batchSize !== null) {
      batchSum += p.batchSize * Math.max(1, p.requests);
      batchWeight += Math.max(1, p.requests);
    }
    if (p.agreement !== null) {
      agreementSum += p.agreement;
      agreements++;
    }
  }
  if (p50Weight > 0) out.p50Ms = p50Sum / p50Weight;
  if (batchWeight > 0) out.batchSize = batchSum / batchWeight;
  if (agreements > 0) out.agreement = agreementSum / agreements;
  return out;
}
