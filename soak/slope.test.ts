// The least-squares slope per minute and the trend after a warm-up, on series with known answers.

import { describe, expect, it } from 'vitest';
import { slopePerMinute, trendAfter, type Sample } from './slope.js';

const series = (values: number[], stepMs = 1000, t0 = 1_700_000_000_000): Sample[] => values.map((value, i) => ({ t: t0 + i * stepMs, value }));

describe('slopePerMinute', () => {
  it('is the growth per minute of a straight line', () => {
    // One unit per second: 60 per minute.
    expect(slopePerMinute(series([0, 1, 2, 3, 4, 5]))).toBeCloseTo(60, 9);
    expect(slopePerMinute(series([10, 8, 6, 4], 30_000))).toBeCloseTo(-4, 9);
  });

  it('is zero for a flat series and near zero for noise around a level', () => {
    expect(slopePerMinute(series([5, 5, 5, 5]))).toBe(0);
    expect(Math.abs(slopePerMinute(series([100, 101, 99, 100, 101, 99, 100, 101, 99], 10_000))!)).toBeLessThan(1);
  });

  it('fits least squares through scattered points', () => {
    // y = 2x + noise whose least-squares slope is known: points (0,1), (1,3), (2,4), (3,7) → slope 1.9 per second.
    expect(slopePerMinute(series([1, 3, 4, 7]))).toBeCloseTo(1.9 * 60, 9);
  });

  it('cannot fit fewer than three samples or samples at one instant', () => {
    expect(slopePerMinute(series([1, 2]))).toBeNull();
    expect(slopePerMinute(series([1, 2, 3], 0))).toBeNull();
  });
});

describe('trendAfter', () => {
  it('uses only the samples after the warm-up', () => {
    const samples = series([50, 80, 100, 100, 100, 100]);
    const trend = trendAfter(samples, samples[2]!.t);
    expect(trend).toEqual({ samples: 4, perMinute: 0, first: 100, last: 100, max: 100 });
  });

  it('says so when nothing is left to fit', () => {
    expect(trendAfter(series([1, 2, 3]), Number.MAX_SAFE_INTEGER)).toEqual({ samples: 0, perMinute: null, first: null, last: null, max: null });
  });
});
