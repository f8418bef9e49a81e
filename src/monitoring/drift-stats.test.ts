// Checks the drift statistics against scipy's values in test/fixtures/drift/reference.json, plus edge cases and errors.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import {
  binCounts,
  chiSquareGoodnessOfFit,
  chiSquareHomogeneity,
  chiSquareSurvival,
  ksTwoSample,
  populationStabilityIndex,
  wassersteinDistance,
} from './drift-stats.js';

interface SampleCase {
  name: string;
  a: string;
  b: string;
  aLen: number;
  bLen: number;
}
interface KsCase extends SampleCase {
  statistic: number;
  pValue: number;
  branch: 'exact' | 'asymp';
  kstwoN?: number;
  kstwoMethod?: string;
}
interface ChiSquareCase {
  name: string;
  observed: number[];
  expected: number[] | null;
  statistic: number;
  pValue: number;
  dof: number;
}
interface HomogeneityCase {
  name: string;
  a: number[];
  b: number[];
  statistic: number;
  pValue: number;
  dof: number;
}
interface WassersteinCase extends SampleCase {
  distance: number;
}
interface PsiCase {
  name: string;
  expected: number[];
  actual: number[];
  epsilon: number | null;
  psi: number;
}
interface BinsCase {
  name: string;
  values: (number | null)[];
  edges: number[];
  counts: number[];
}
interface Reference {
  scipy: string;
  samples: Record<string, number[]>;
  ks: KsCase[];
  chisquare: ChiSquareCase[];
  homogeneity: HomogeneityCase[];
  wasserstein: WassersteinCase[];
  psi: PsiCase[];
  bins: BinsCase[];
  chi2sf: [x: number, dof: number, sf: number][];
}

const ref = JSON.parse(readFileSync(new URL('../../test/fixtures/drift/reference.json', import.meta.url), 'utf8')) as Reference;

function sample(name: string, length: number): Float64Array {
  const values = ref.samples[name];
  if (!values) throw new Error(`reference.json has no sample ${name}`);
  return Float64Array.from(values.slice(0, length));
}

const ABS = 1e-6;
const REL = 1e-6;

/**
 * Agreement with scipy: 1e-6 absolute always; below 1e-3 also 1e-6 relative. That holds on both KS branches: the
 * asymptotic p-value (kstwo.sf) is ported method by method, so it agrees relatively too, not only absolutely.
 * Subnormal references (< 1e-300) carry no relative precision, and a reference of 0 must come out (near) 0.
 */
function expectAgrees(actual: number, expected: number, what: string): void {
  expect(Math.abs(actual - expected), `${what}: ${actual} vs scipy ${expected}`).toBeLessThanOrEqual(ABS);
  if (expected === 0) expect(actual, `${what}: scipy gives 0`).toBeLessThan(1e-300);
  else if (Math.abs(expected) < 1e-3 && Math.abs(expected) > 1e-300) {
    expect(Math.abs(actual - expected) / Math.abs(expected), `${what}: ${actual} vs scipy ${expected} (relative)`).toBeLessThanOrEqual(REL);
  }
}

describe('reference.json', () => {
  it('was produced by scipy and holds every kind of case', () => {
    expect(ref.scipy).toMatch(/^\d+\.\d+/);
    expect(ref.ks.some((c) => c.branch === 'exact')).toBe(true);
    expect(ref.ks.some((c) => c.branch === 'asymp')).toBe(true);
    expect(ref.chi2sf.length).toBeGreaterThan(100);
  });
});

describe('ksTwoSample matches scipy.stats.ks_2samp', () => {
  it.each(ref.ks.map((c) => [`${c.name} [${c.branch}${c.kstwoMethod ? `/${c.kstwoMethod}` : ''}]`, c] as const))('%s', (_label, c) => {
    const result = ksTwoSample(sample(c.a, c.aLen), sample(c.b, c.bLen));
    expectAgrees(result.statistic, c.statistic, 'statistic');
    expectAgrees(result.pValue, c.pValue, 'pValue');
  });

  it('covers every method scipy picks for the asymptotic p-value', () => {
    const methods = new Set(ref.ks.map((c) => c.kstwoMethod).filter((m) => m !== undefined));
    for (const m of ['ruben-gambino-low', 'ruben-gambino-high', 'smirnov-exact', 'dmtw', 'pomeranz', 'smirnov-miller', 'smirnov', 'pelz-good', 'zero']) {
      expect(methods.has(m), m).toBe(true);
    }
  });

  it('runs the exact branch on 5000 vs 1000 well under a second', () => {
    const a = sample('ks_5000', 5000);
    const b = sample('ks_1000', 1000);
    const start = performance.now();
    ksTwoSample(a, b);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('gives statistic 0 and p-value 1 for identical samples, on both branches', () => {
    const small = sample('ks_same', 50);
    expect(ksTwoSample(small, small)).toEqual({ statistic: 0, pValue: 1 });
    const big = sample('ks_big', 12000);
    expect(ksTwoSample(big, big)).toEqual({ statistic: 0, pValue: 1 });
  });

  it('is symmetric in its arguments and ignores input order', () => {
    const a = [3, 1, 2, 2, 9, 4];
    const b = [2, 8, 7, 5, 5];
    expect(ksTwoSample(a, b)).toEqual(ksTwoSample(b, a));
    expect(ksTwoSample(a, b)).toEqual(ksTwoSample([...a].reverse(), [...b].sort()));
  });

  it('accepts infinities, which only take part in the ordering', () => {
    expect(ksTwoSample([-Infinity, 0, 1], [0, 1, Infinity]).statistic).toBeCloseTo(1 / 3, 15);
  });

  it('refuses empty samples and NaNs, naming the sample', () => {
    expect(() => ksTwoSample([], [1])).toThrow(InvalidInputError);
    expect(() => ksTwoSample([], [1])).toThrow('ksTwoSample: a is empty');
    expect(() => ksTwoSample([1], new Float64Array(0))).toThrow('ksTwoSample: b is empty');
    expect(() => ksTwoSample([1, Number.NaN], [1])).toThrow('ksTwoSample: a[1] is NaN');
  });
});

describe('chiSquareGoodnessOfFit matches scipy.stats.chisquare', () => {
  it.each(ref.chisquare.map((c) => [c.name, c] as const))('%s', (_label, c) => {
    const result = c.expected === null ? chiSquareGoodnessOfFit(c.observed) : chiSquareGoodnessOfFit(c.observed, c.expected);
    expectAgrees(result.statistic, c.statistic, 'statistic');
    expectAgrees(result.pValue, c.pValue, 'pValue');
    expect(result.dof).toBe(c.dof);
  });

  it('refuses bad counts, naming the argument', () => {
    expect(() => chiSquareGoodnessOfFit([])).toThrow('chiSquareGoodnessOfFit: observed is empty');
    expect(() => chiSquareGoodnessOfFit([3])).toThrow('chiSquareGoodnessOfFit: observed has 1 category');
    expect(() => chiSquareGoodnessOfFit([3, -1])).toThrow('chiSquareGoodnessOfFit: observed[1] is -1');
    expect(() => chiSquareGoodnessOfFit([0, 0])).toThrow('chiSquareGoodnessOfFit: observed is all zeros');
    expect(() => chiSquareGoodnessOfFit([1, 2], [3])).toThrow('chiSquareGoodnessOfFit: observed has 2 entries and expected has 1');
    expect(() => chiSquareGoodnessOfFit([1, 2], [3, 0])).toThrow('chiSquareGoodnessOfFit: expected[1] is 0');
    expect(() => chiSquareGoodnessOfFit([1, 2], [2, 2])).toThrow('chiSquareGoodnessOfFit: observed sums to 3 and expected to 4');
    expect(() => chiSquareGoodnessOfFit([1, Number.POSITIVE_INFINITY])).toThrow(InvalidInputError);
  });
});

describe('chiSquareHomogeneity matches scipy.stats.chi2_contingency(correction=False)', () => {
  it.each(ref.homogeneity.map((c) => [c.name, c] as const))('%s', (_label, c) => {
    const result = chiSquareHomogeneity(c.a, c.b);
    expectAgrees(result.statistic, c.statistic, 'statistic');
    expectAgrees(result.pValue, c.pValue, 'pValue');
    expect(result.dof).toBe(c.dof);
  });

  it('gives 0 and p-value 1 for proportional count vectors', () => {
    const r = chiSquareHomogeneity([10, 20, 30], [20, 40, 60]);
    expect(r.statistic).toBeCloseTo(0, 12);
    expect(r.pValue).toBeCloseTo(1, 12);
    expect(r.dof).toBe(2);
  });

  it('refuses bad counts, naming the argument', () => {
    expect(() => chiSquareHomogeneity([1, 2], [1])).toThrow('chiSquareHomogeneity: a has 2 entries and b has 1');
    expect(() => chiSquareHomogeneity([1, -2], [1, 2])).toThrow('chiSquareHomogeneity: a[1] is -2');
    expect(() => chiSquareHomogeneity([0, 0], [1, 2])).toThrow('chiSquareHomogeneity: a is all zeros');
    expect(() => chiSquareHomogeneity([1, 2], [0, 0])).toThrow('chiSquareHomogeneity: b is all zeros');
    expect(() => chiSquareHomogeneity([], [])).toThrow('chiSquareHomogeneity: a is empty');
  });
});

describe('chiSquareSurvival matches scipy.stats.chi2.sf', () => {
  it('agrees on the grid to 1e-10 relative (1e-6 absolute everywhere)', () => {
    for (const [x, dof, sf] of ref.chi2sf) {
      const got = chiSquareSurvival(x, dof);
      expectAgrees(got, sf, `chi2.sf(${x}, ${dof})`);
      if (sf > 1e-300) expect(Math.abs(got - sf) / sf, `chi2.sf(${x}, ${dof}): ${got} vs ${sf}`).toBeLessThanOrEqual(1e-10);
    }
  });

  it('is 1 at and below 0, 0 at infinity, and refuses a bad dof', () => {
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(chiSquareSurvival(-1, 3)).toBe(1);
    expect(chiSquareSurvival(Number.POSITIVE_INFINITY, 3)).toBe(0);
    expect(() => chiSquareSurvival(1, 0)).toThrow('chiSquareSurvival: dof is 0');
    expect(() => chiSquareSurvival(Number.NaN, 2)).toThrow('chiSquareSurvival: x is NaN');
  });
});

describe('wassersteinDistance matches scipy.stats.wasserstein_distance', () => {
  it.each(ref.wasserstein.map((c) => [c.name, c] as const))('%s', (_label, c) => {
    expectAgrees(wassersteinDistance(sample(c.a, c.aLen), sample(c.b, c.bLen)), c.distance, 'distance');
  });

  it('is 0 for identical samples and the shift for a shifted one', () => {
    expect(wassersteinDistance([1, 2, 3], [3, 1, 2])).toBe(0);
    expect(wassersteinDistance([1, 2, 3], [11, 12, 13])).toBeCloseTo(10, 12);
  });

  it('refuses empty and non-finite samples, naming the sample', () => {
    expect(() => wassersteinDistance([], [1])).toThrow('wassersteinDistance: a is empty');
    expect(() => wassersteinDistance([1], [Number.POSITIVE_INFINITY])).toThrow('wassersteinDistance: b[0] is Infinity; expected finite numbers');
  });
});

describe('populationStabilityIndex matches the numpy formula', () => {
  it.each(ref.psi.map((c) => [c.name, c] as const))('%s', (_label, c) => {
    const got = c.epsilon === null ? populationStabilityIndex(c.expected, c.actual) : populationStabilityIndex(c.expected, c.actual, c.epsilon);
    expectAgrees(got, c.psi, 'psi');
  });

  it('is 0 for identical counts and positive otherwise', () => {
    expect(populationStabilityIndex([5, 0, 7, 9], [5, 0, 7, 9])).toBe(0);
    expect(populationStabilityIndex([5, 1, 7, 9], [9, 7, 1, 5])).toBeGreaterThan(0);
  });

  it('refuses bad counts and epsilon, naming the argument', () => {
    expect(() => populationStabilityIndex([1, 2], [1, 2, 3])).toThrow('populationStabilityIndex: expectedCounts has 2 entries and actualCounts has 3');
    expect(() => populationStabilityIndex([1, -2], [1, 2])).toThrow('populationStabilityIndex: expectedCounts[1] is -2');
    expect(() => populationStabilityIndex([1, 2], [0, 0])).toThrow('populationStabilityIndex: actualCounts is all zeros');
    expect(() => populationStabilityIndex([], [])).toThrow('populationStabilityIndex: expectedCounts is empty');
    expect(() => populationStabilityIndex([1], [1], 0)).toThrow('populationStabilityIndex: epsilon is 0');
  });
});

describe('binCounts matches numpy.searchsorted(side="right")', () => {
  it.each(ref.bins.map((c) => [c.name, c] as const))('%s', (_label, c) => {
    const values = c.values.map((v) => (v === null ? Number.NaN : v));
    expect(binCounts(values, c.edges)).toEqual(c.counts);
  });

  it('puts a value equal to an edge in the bin that edge opens, and infinities in the end bins', () => {
    expect(binCounts([0, 1, 2, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, Number.NaN], [1, 2])).toEqual([2, 1, 2]);
  });

  it('refuses descending or NaN edges', () => {
    expect(() => binCounts([1], [2, 1])).toThrow('binCounts: edges[1] = 1 is below edges[0] = 2');
    expect(() => binCounts([1], [Number.NaN])).toThrow('binCounts: edges[0] is NaN');
  });
});
