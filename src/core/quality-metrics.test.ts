// Hand-computed checks of the quality metrics and the nearest-rank percentile, edge cases included.

import { describe, expect, it } from 'vitest';
import { InvalidInputError } from './errors.js';
import { accuracy, countNaN, macroF1, meanAbsoluteError, nearestRankPercentile, p99, rootMeanSquaredError } from './quality-metrics.js';

describe('accuracy', () => {
  it('is the fraction of rows predicted right', () => {
    expect(accuracy([0, 1, 2, 2], [0, 2, 2, 2])).toBe(0.75);
    expect(accuracy([3], [3])).toBe(1);
  });

  it('counts a NaN prediction as wrong', () => {
    expect(accuracy([0, 1, 1, 0], [0, Number.NaN, 1, Number.NaN])).toBe(0.5);
  });

  it('refuses empty or mismatched input, naming the metric', () => {
    expect(() => accuracy([], [])).toThrow(InvalidInputError);
    expect(() => accuracy([], [])).toThrow('accuracy: expected at least one row, got none');
    expect(() => accuracy([1, 2], [1])).toThrow('accuracy: expected as many predictions as targets, got 1 predictions for 2 targets');
  });
});

describe('macroF1', () => {
  it('averages per-class F1 over the classes in the targets', () => {
    // class 0: TP 1, FP 1, FN 1 -> 2/4; class 1: TP 2, FP 1 -> 4/5; class 2: FN 1 -> 0
    expect(macroF1([0, 0, 1, 1, 2], [0, 1, 1, 1, 0])).toBeCloseTo((0.5 + 0.8 + 0) / 3, 12);
  });

  it('includes classes that only the predictions name', () => {
    // class 0: TP 1, FN 1 -> 2/3; class 3 (predicted, never a target): FP 1 -> 0
    expect(macroF1([0, 0], [0, 3])).toBeCloseTo(1 / 3, 12);
  });

  it('is 1 for perfect predictions', () => {
    expect(macroF1([2, 0, 1, 1], [2, 0, 1, 1])).toBe(1);
  });

  it('counts a NaN prediction as a miss of its target class, not as a class', () => {
    // class 0: TP 1 -> 1; class 1: FN 1 -> 0; NaN adds no class
    expect(macroF1([0, 1], [0, Number.NaN])).toBe(0.5);
  });

  it('refuses empty input', () => {
    expect(() => macroF1([], [])).toThrow('f1: expected at least one row, got none');
  });
});

describe('regression errors', () => {
  it('MAE and RMSE of hand-made rows', () => {
    expect(meanAbsoluteError([1, 2, 3], [2, 2, 1])).toBe(1);
    expect(rootMeanSquaredError([1, 2, 3], [2, 2, 1])).toBeCloseTo(Math.sqrt(5 / 3), 12);
    expect(meanAbsoluteError([-1.5], [0.5])).toBe(2);
    expect(rootMeanSquaredError([0, 0], [3, -4])).toBeCloseTo(Math.sqrt(12.5), 12);
  });

  it('become NaN when any prediction is NaN', () => {
    expect(meanAbsoluteError([1, 2], [1, Number.NaN])).toBeNaN();
    expect(rootMeanSquaredError([1, 2], [Number.NaN, 2])).toBeNaN();
    expect(countNaN([1, Number.NaN, 3, Number.NaN])).toBe(2);
  });

  it('refuse empty or mismatched input', () => {
    expect(() => meanAbsoluteError([], [])).toThrow('mae: expected at least one row, got none');
    expect(() => rootMeanSquaredError([1], [1, 2])).toThrow('rmse: expected as many predictions as targets');
  });
});

describe('nearest-rank percentile', () => {
  it('p99 of 1..200 is the 198th value, of 1..100 the 99th', () => {
    const values = (n: number): number[] => Array.from({ length: n }, (_, i) => n - i); // descending: must sort
    expect(p99(values(200))).toBe(198);
    expect(p99(values(100))).toBe(99);
    expect(p99(values(101))).toBe(100);
  });

  it('of one value is that value; of a few, the largest', () => {
    expect(p99([5])).toBe(5);
    expect(p99([3, 1, 2])).toBe(3);
  });

  it('sorts numerically, not as text', () => {
    expect(nearestRankPercentile([10, 9, 100, 1], 50)).toBe(9);
    expect(nearestRankPercentile([7, 1, 2, 3, 4, 5, 6, 8, 9, 10], 70)).toBe(7);
  });

  it('refuses no values and a p outside (0, 100]', () => {
    expect(() => p99([])).toThrow('percentile 99: expected at least one value, got none');
    expect(() => nearestRankPercentile([1], 0)).toThrow('expected p in (0, 100]');
  });
});
