// Baseline profiles checked against numpy on small fixed data: summary, quantiles, bins, sample, categories, edge cases.

import { describe, expect, it } from 'vitest';
import type { CategoricalProfile, FeatureColumn, NumericProfile } from '../core/baseline.js';
import { expectInvalid } from '../../test/support/thrown.js';
import { PROFILE_QUANTILES, profileColumn, profileColumns, quantileSorted } from './baseline-profile.js';

const numeric = (name: string, values: number[]): FeatureColumn => ({ name, kind: 'numeric', values: Float64Array.from(values) });
const categorical = (name: string, values: (string | null)[]): FeatureColumn => ({ name, kind: 'categorical', values });
const profileNumeric = (values: number[], options = {}): NumericProfile => profileColumn(numeric('x', values), options) as NumericProfile;

describe('numeric profile', () => {
  it('summarises present values like numpy (linear quantiles, ddof=1 std), NaN counted as missing', () => {
    const p = profileNumeric([3, 1, 4, 1, 5, NaN, 9, 2, 6, 5, 3, 5, 8.5, -2.25]);
    // x = np.array([3,1,4,1,5,9,2,6,5,3,5,8.5,-2.25])
    // np.quantile(x, [0.01,0.05,0.25,0.5,0.75,0.95,0.99]).tolist(), x.mean(), x.std(ddof=1)
    const expected = [-1.8599999999999999, -0.2999999999999998, 2.0, 4.0, 5.0, 8.7, 8.94];
    expect(p.count).toBe(13);
    expect(p.missing).toBe(1);
    expect(p.mean).toBeCloseTo(3.8653846153846154, 14);
    expect(p.std).toBeCloseTo(3.0967311135685627, 14);
    expect(p.min).toBe(-2.25);
    expect(p.max).toBe(9);
    // numpy's own lerp is reproduced, so the values agree exactly, not just closely.
    expect(p.quantiles).toEqual(PROFILE_QUANTILES.map((q, i) => ({ p: q, value: expected[i] })));
    // 9 distinct values (<= 10): each is an edge and gets its own bin; (-inf, -2.25) is empty.
    expect(p.edges).toEqual([-2.25, 1, 2, 3, 4, 5, 6, 8.5, 9]);
    expect(p.counts).toEqual([0, 1, 2, 1, 2, 1, 3, 1, 1, 1]);
    expect(p.sample).toEqual([-2.25, 1, 1, 2, 3, 3, 4, 5, 5, 5, 6, 8.5, 9]);
  });

  it('uses the deciles as edges when there are more than 10 distinct values', () => {
    const y = [0.5, 12.25, 3.75, 7.0, -4.5, 19.0, 2.0, 2.0, 11.5, 6.25, 8.75, -1.0, 15.5, 4.0, 9.0, 13.0, 0.0, 5.5, 17.25, 10.0, 3.0];
    const p = profileNumeric(y);
    // np.quantile(y, [0.1,...,0.9]).tolist(); counts: np.histogram(y, [-np.inf, *edges, np.inf])[0]
    expect(p.edges).toEqual([0.0, 2.0, 3.0, 4.0, 6.25, 8.75, 10.0, 12.25, 15.5]);
    expect(p.counts).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 2, 3]);
    // np.quantile(y, [0.01,0.05,0.25,0.5,0.75,0.95,0.99]).tolist(), y.mean(), y.std(ddof=1)
    expect(p.quantiles.map((q) => q.value)).toEqual([-3.8, -1.0, 2.0, 6.25, 11.5, 17.25, 18.650000000000002]);
    expect(p.mean).toBeCloseTo(6.892857142857143, 14);
    expect(p.std).toBeCloseTo(6.311978408436726, 14);
  });

  it('gives integer pixels with heavy ties distinct edges and bins that each hold baseline rows', () => {
    // Half zeros, then 1..16: 17 distinct values, five deciles equal to 0.
    const v = [...Array<number>(50).fill(0), ...Array.from({ length: 50 }, (_, i) => (((i + 50) * 7) % 16) + 1)];
    const p = profileNumeric(v);
    // np.quantile(v, [0.1,...,0.9]) = [0,0,0,0,0.5,4,7,10,13.100000000000009], repeats dropped;
    // np.histogram(v, [-np.inf, *edges, np.inf])[0] = [0,50,9,10,9,12,10]
    expect(p.edges).toEqual([0, 0.5, 4, 7, 10, 13.100000000000009]);
    expect(p.counts).toEqual([0, 50, 9, 10, 9, 12, 10]);
    expect(p.counts.reduce((a, b) => a + b, 0)).toBe(100);
    expect(p.mean).toBeCloseTo(4.29, 14);
    expect(p.std).toBeCloseTo(5.420304139962718, 14);
  });

  it('gives each value of a small integer column its own bin', () => {
    const p = profileNumeric([2, 0, 1, 1, 3, 0, 2, 2, 5, 0, 1, 2]);
    expect(p.edges).toEqual([0, 1, 2, 3, 5]);
    expect(p.counts).toEqual([0, 3, 3, 4, 1, 1]);
  });

  it('profiles a constant column with one edge and zero spread', () => {
    const p = profileNumeric([7, 7, 7, 7]);
    expect(p.edges).toEqual([7]);
    expect(p.counts).toEqual([0, 4]);
    expect(p.std).toBe(0);
    expect(p.min).toBe(7);
    expect(p.max).toBe(7);
    expect(p.quantiles.every((q) => q.value === 7)).toBe(true);
  });

  it('gives a single value a spread of 0, not NaN', () => {
    const p = profileNumeric([NaN, 4.5]);
    expect(p).toMatchObject({ count: 1, missing: 1, mean: 4.5, std: 0, edges: [4.5], counts: [0, 1], sample: [4.5] });
  });

  it('profiles an all-missing column with count 0 and no bins', () => {
    const p = profileNumeric([NaN, NaN, NaN]);
    expect(p).toMatchObject({ count: 0, missing: 3, quantiles: [], edges: [], counts: [0], sample: [] });
    expect(profileNumeric([])).toMatchObject({ count: 0, missing: 0, counts: [0] });
  });

  it('refuses infinite values, naming the column and row', () => {
    expectInvalid(() => profileNumeric([1, Infinity]), 'baseline column "x": row 1 is Infinity; expected finite numbers (NaN for missing)');
  });
});

describe('baseline sample', () => {
  const values = Array.from({ length: 20000 }, (_, i) => i);

  it('keeps every value, sorted, when there are at most sampleSize', () => {
    expect(profileNumeric([5, 3, 9, 1], { sampleSize: 4 }).sample).toEqual([1, 3, 5, 9]);
  });

  it('is a seeded reservoir sample when there are more: deterministic, sorted, drawn from the values, uniform', () => {
    const a = profileNumeric(values, { sampleSize: 1000, seed: 42 }).sample;
    const b = profileNumeric(values, { sampleSize: 1000, seed: 42 }).sample;
    const c = profileNumeric(values, { sampleSize: 1000, seed: 43 }).sample;
    expect(a).toHaveLength(1000);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBe(1000); // distinct rows, no value drawn twice
    for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThan(a[i - 1]!);
    // Uniform over the input order: the mean of 1000 draws from 0..19999 is 9999.5 ± 183 (sd 5774 / sqrt(1000));
    // a reservoir that favoured early or late rows (or kept the first 1000) would be far outside 4 standard errors.
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    expect(Math.abs(mean - 9999.5)).toBeLessThan(4 * 183);
    // Both halves of the input are represented about equally (binomial 500 ± 16).
    expect(Math.abs(a.filter((v) => v < 10000).length - 500)).toBeLessThan(4 * 16);
    // The summary statistics use every value, not the sample.
    expect(profileNumeric(values, { sampleSize: 1000 }).max).toBe(19999);
  });

  it('is deterministic without a seed too (a fixed default)', () => {
    expect(profileNumeric(values, { sampleSize: 100 }).sample).toEqual(profileNumeric(values, { sampleSize: 100 }).sample);
  });

  it('refuses a sample size that is not a positive integer', () => {
    expectInvalid(() => profileNumeric([1], { sampleSize: 0 }), 'baseline sampleSize: expected a positive integer, got 0');
    expectInvalid(() => profileNumeric([1], { sampleSize: 2.5 }), 'baseline sampleSize: expected a positive integer, got 2.5');
  });
});

describe('categorical profile', () => {
  it('counts each category, most frequent first, nulls as missing; odd names stay data', () => {
    const p = profileColumn(categorical('c', ['a', 'b', null, 'a', 'toString', 'a', 'b', '__proto__', 'c', null])) as CategoricalProfile;
    expect(p).toMatchObject({ kind: 'categorical', name: 'c', count: 8, missing: 2 });
    expect(Object.entries(p.frequencies)).toEqual([
      ['a', 3],
      ['b', 2],
      ['__proto__', 1],
      ['c', 1],
      ['toString', 1],
    ]);
    expect(Object.hasOwn(p.frequencies, '__proto__')).toBe(true);
  });

  it('profiles an all-missing column with count 0 and no categories', () => {
    expect(profileColumn(categorical('c', [null, null]))).toEqual({ kind: 'categorical', name: 'c', count: 0, missing: 2, frequencies: {} });
  });
});

describe('profileColumns', () => {
  it('profiles features and outputs with the source, row count and creation time', () => {
    const now = new Date('2025-03-01T12:00:00Z');
    const profile = profileColumns([numeric('a', [1, 2, 3]), categorical('b', ['x', 'y', 'x'])], [categorical('class', ['0', '1', '1'])], { kind: 'package', file: 'baseline.csv' }, { now });
    expect(profile.rows).toBe(3);
    expect(profile.createdAt).toBe('2025-03-01T12:00:00.000Z');
    expect(profile.source).toEqual({ kind: 'package', file: 'baseline.csv' });
    expect(profile.features.map((f) => [f.name, f.kind])).toEqual([
      ['a', 'numeric'],
      ['b', 'categorical'],
    ]);
    expect(profile.outputs[0]).toMatchObject({ name: 'class', frequencies: { '1': 2, '0': 1 } });
  });

  it('refuses columns of different lengths and repeated names', () => {
    expectInvalid(
      () => profileColumns([numeric('a', [1, 2, 3]), numeric('b', [1, 2])], [], { kind: 'package' }),
      'baseline column "b": expected 3 rows (as "a" has), got 2',
    );
    expectInvalid(
      () => profileColumns([numeric('a', [1]), categorical('a', ['x'])], [], { kind: 'package' }),
      'baseline feature "a": expected each name once, got it twice',
    );
  });
});

describe('quantileSorted', () => {
  it('interpolates linearly between order statistics and returns the ends at p = 0 and 1', () => {
    expect(quantileSorted([1, 2, 3, 4], 0)).toBe(1);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([10], 0.3)).toBe(10);
    expectInvalid(() => quantileSorted([], 0.5), 'quantile: expected at least one value, got none');
  });
});
