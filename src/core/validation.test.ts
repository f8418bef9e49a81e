// The verdict of a measured value against a test's threshold, and the words it is reported in.

import { describe, expect, it } from 'vitest';
import { formatMetricValue, judge, meetsThreshold, notRun } from './validation.js';

describe('meetsThreshold', () => {
  it('is a minimum for scores and a maximum for costs, inclusive', () => {
    expect(meetsThreshold('accuracy', 0.95, 0.95)).toBe(true);
    expect(meetsThreshold('f1', 0.94, 0.95)).toBe(false);
    expect(meetsThreshold('mae', 49, 49)).toBe(true);
    expect(meetsThreshold('rmse', 50, 49)).toBe(false);
    expect(meetsThreshold('p99_latency_ms', 0.2, 50)).toBe(true);
  });

  it('never passes NaN', () => {
    expect(meetsThreshold('mae', Number.NaN, 1e9)).toBe(false);
    expect(meetsThreshold('accuracy', Number.NaN, 0)).toBe(false);
  });
});

describe('judge', () => {
  const accuracyTest = { name: 'golden', metric: 'accuracy', threshold: 0.95 } as const;

  it('says what was measured and against what', () => {
    expect(judge(accuracyTest, 440 / 450, 'on 450 rows')).toEqual({
      name: 'golden', metric: 'accuracy', threshold: 0.95, value: 440 / 450, passed: true, detail: 'accuracy 0.9778 >= 0.95 on 450 rows',
    });
    expect(judge({ ...accuracyTest, threshold: 0.999 }, 440 / 450, 'on 450 rows').detail).toBe(
      'accuracy 0.9778 < 0.999 on 450 rows (expected >= 0.999)',
    );
    expect(judge({ name: 'l', metric: 'p99_latency_ms', threshold: 0.0001 }, 0.25, 'over 200 single-row runs').detail).toBe(
      'p99 latency 0.2500 ms > 0.0001 ms over 200 single-row runs (expected <= 0.0001 ms)',
    );
  });

  it('reports NaN as a null value and says so', () => {
    const result = judge({ name: 'm', metric: 'mae', threshold: 49 }, Number.NaN, 'on 8 rows', 'the model produced NaN for 2 of 8 rows');
    expect(result).toMatchObject({ value: null, passed: false });
    expect(result.detail).toBe('MAE is NaN on 8 rows (expected <= 49); the model produced NaN for 2 of 8 rows');
  });

  it('fails a test that could not run, with the reason', () => {
    expect(notRun(accuracyTest, 'the model failed')).toEqual({
      name: 'golden', metric: 'accuracy', threshold: 0.95, value: null, passed: false, detail: 'could not run: the model failed',
    });
  });

  it('formats ordinary and tiny values readably', () => {
    expect(formatMetricValue(43.90123)).toBe('43.9012');
    expect(formatMetricValue(1)).toBe('1');
    expect(formatMetricValue(0.00001234567)).toBe('0.00001235');
  });
});
