// What one variant did during a window (a rollout step): requests, errors, NaN answers, latencies, and its agreement
// with another, kept as counts that add up across replicas (core/window-counts.ts).

import { LatencyHistogram } from '../core/latency-histogram.js';
import { ratesOf, type WindowCounts } from '../core/window-counts.js';

export interface WindowSnapshot {
  requests: number;
  errors: number;
  /** Errors over requests; null with no requests. */
  errorRate: number | null;
  /** From the histogram: the upper bound of the bucket the p99 falls in (buckets 2 % wide). */
  p99Ms: number | null;
  /** Rows compared with the reference variant, and how many agreed. */
  compared: number;
  agreed: number;
  agreement: number | null;
  /** Copies refused because this variant's queue was full (shadows shed load instead of queueing it). */
  dropped: number;
  startedAt: string;
}

/** How a request ended, as a window counts it: NaN answers were returned but count as errors. */
export type WindowOutcome = 'ok' | 'error' | 'nan';

export class VariantWindow {
  private requests = 0;
  private errors = 0;
  private nans = 0;
  private readonly latency = new LatencyHistogram();
  private compared = 0;
  private agreed = 0;
  private dropped = 0;
  private startedAt = Date.now();

  record(outcome: WindowOutcome, latencyMs: number): void {
    this.requests++;
    if (outcome !== 'ok') this.errors++;
    if (outcome === 'nan') this.nans++;
    this.latency.record(latencyMs);
  }

  recordDrop(): void {
    this.dropped++;
  }

  recordComparison(rows: number, agreed: number): void {
    this.compared += rows;
    this.agreed += agreed;
  }

  reset(): void {
    this.requests = 0;
    this.errors = 0;
    this.nans = 0;
    this.latency.reset();
    this.compared = 0;
    this.agreed = 0;
    this.dropped = 0;
    this.startedAt = Date.now();
  }

  counts(): WindowCounts {
    return {
      requests: this.requests, errors: this.errors, nans: this.nans, compared: this.compared, agreed: this.agreed,
      dropped: this.dropped, latency: this.latency.sparse(),
    };
  }

  snapshot(): WindowSnapshot {
    const c = this.counts();
    return { ...snapshotOf(c), startedAt: new Date(this.startedAt).toISOString() };
  }
}

/** The snapshot numbers of counts (this replica's, or merged over replicas). */
export function snapshotOf(c: WindowCounts): Omit<WindowSnapshot, 'startedAt'> {
  const rates = ratesOf(c);
  return { requests: c.requests, errors: c.errors, errorRate: rates.errorRate, p99Ms: rates.p99Ms, compared: c.compared, agreed: c.agreed, agreement: rates.agreement, dropped: c.dropped };
}
