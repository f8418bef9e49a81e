import { describe, expect, it } from 'vitest';
import { bucketOf, bucketUpperMs, histogramQuantile, LATENCY_BUCKETS, LatencyHistogram, mergeHistograms } from './latency-histogram.js';

describe('latency histogram', () => {
  it('puts a latency in the first bucket whose bound is at least it, within 2 %', () => {
    for (const ms of [0.002, 0.5, 1, 3.7, 12, 250, 9000]) {
      const b = bucketOf(ms);
      expect(bucketUpperMs(b)).toBeGreaterThanOrEqual(ms * (1 - 1e-12));
      expect(bucketUpperMs(b)).toBeLessThanOrEqual(ms * 1.02 * (1 + 1e-12));
    }
    expect(bucketOf(0)).toBe(0);
    expect(bucketOf(-1)).toBe(0);
    expect(bucketOf(Number.NaN)).toBe(0);
    expect(bucketOf(1e12)).toBe(LATENCY_BUCKETS - 1);
  });

  it('merged, gives the quantile of all samples, not of per-replica quantiles', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    // A: 100 fast answers; B: 98 fast and 2 slow. Together 200 answers, 2 slow: the p99 is fast (rank 198).
    for (let i = 0; i < 100; i++) a.record(1);
    for (let i = 0; i < 98; i++) b.record(1);
    b.record(100);
    b.record(100);
    expect(histogramQuantile(b.sparse(), 0.99)).toBeGreaterThan(99);
    const merged = mergeHistograms([a.sparse(), b.sparse()]);
    expect(merged.reduce((n, [, c]) => n + c, 0)).toBe(200);
    expect(histogramQuantile(merged, 0.99)).toBeCloseTo(bucketUpperMs(bucketOf(1)), 9);
    expect(histogramQuantile(merged, 1)).toBeGreaterThanOrEqual(100);
  });

  it('is empty after reset, and ignores malformed stored entries when merging', () => {
    const h = new LatencyHistogram();
    h.record(5);
    h.reset();
    expect(h.count).toBe(0);
    expect(histogramQuantile(h.sparse(), 0.99)).toBeNull();
    expect(mergeHistograms([[[-1, 3], [LATENCY_BUCKETS, 2], [1.5, 1], [4, 0], [7, 2]]])).toEqual([[7, 2]]);
  });
});
