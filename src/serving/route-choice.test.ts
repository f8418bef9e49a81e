import { describe, expect, it } from 'vitest';
import { pickSticky, pickWeighted } from './route-choice.js';

const JUST_BELOW_ONE = 1 - Number.EPSILON / 2; // the largest double below 1

/** How many of `n` evenly spaced u = k/n (k = 0..n-1) pick each index. */
function counts(weights: readonly number[], n: number): number[] {
  const out = new Array<number>(weights.length).fill(0);
  for (let k = 0; k < n; k++) out[pickWeighted(weights, k / n)]!++;
  return out;
}

describe('pickWeighted', () => {
  it('always picks the only variant', () => {
    for (const u of [0, 0.25, 0.5, 0.999, JUST_BELOW_ONE]) expect(pickWeighted([1], u)).toBe(0);
    expect(pickWeighted([7.5], JUST_BELOW_ONE)).toBe(0);
  });

  it('picks the first positive weight for u = 0', () => {
    expect(pickWeighted([1, 1], 0)).toBe(0);
    expect(pickWeighted([0, 3, 1], 0)).toBe(1);
    expect(pickWeighted([0, 0, 0, 2], 0)).toBe(3);
  });

  it('picks the last positive weight for u just below 1', () => {
    expect(pickWeighted([1, 1], JUST_BELOW_ONE)).toBe(1);
    expect(pickWeighted([1, 2, 3], JUST_BELOW_ONE)).toBe(2);
    expect(pickWeighted([3, 1, 0], JUST_BELOW_ONE)).toBe(1);
    expect(pickWeighted([5, 0, 0], JUST_BELOW_ONE)).toBe(0);
  });

  it('never picks a zero weight, whatever u is', () => {
    const weights = [0, 2, 0, 1, 0];
    for (let k = 0; k < 1000; k++) expect([1, 3]).toContain(pickWeighted(weights, k / 1000));
    expect([1, 3]).toContain(pickWeighted(weights, JUST_BELOW_ONE));
  });

  it('gives a boundary point to the next variant (intervals are closed below, open above)', () => {
    // weights [1, 1]: [0, 0.5) -> 0, [0.5, 1) -> 1
    expect(pickWeighted([1, 1], 0.5 - Number.EPSILON)).toBe(0);
    expect(pickWeighted([1, 1], 0.5)).toBe(1);
    // weights [1, 3]: [0, 0.25) -> 0, [0.25, 1) -> 1
    expect(pickWeighted([1, 3], 0.25 - Number.EPSILON)).toBe(0);
    expect(pickWeighted([1, 3], 0.25)).toBe(1);
  });

  it('does not depend on the scale of the weights', () => {
    for (let k = 0; k < 1000; k++) {
      const u = k / 1000;
      expect(pickWeighted([10, 30, 60], u)).toBe(pickWeighted([0.1, 0.3, 0.6], u));
    }
  });

  it('falls back to the last positive weight when float rounding leaves no weight chosen', () => {
    // With these weights, subtracting them one by one from u * total (u just below 1) ends at exactly 0, not below.
    expect(pickWeighted([0.1, 0.2, 0.3], JUST_BELOW_ONE)).toBe(2);
    expect(pickWeighted([0.1, 0.2, 0.3, 0, 0], JUST_BELOW_ONE)).toBe(2);
    expect(pickWeighted([0.1, 0.2], JUST_BELOW_ONE)).toBe(1);
    expect(pickWeighted([0.1, 0.2, 0], JUST_BELOW_ONE)).toBe(1);
    expect(pickWeighted([0.7, 0.1, 0.2], JUST_BELOW_ONE)).toBe(2);
  });

  it('splits 10000 evenly spaced u exactly in proportion to [1, 2, 7]', () => {
    expect(counts([1, 2, 7], 10_000)).toEqual([1000, 2000, 7000]);
  });

  it('splits 10000 evenly spaced u exactly in proportion to [3, 0, 5, 2], skipping the zero', () => {
    expect(counts([3, 0, 5, 2], 10_000)).toEqual([3000, 0, 5000, 2000]);
  });

  it('splits 10000 evenly spaced u exactly for a 90/10 canary', () => {
    expect(counts([90, 10], 10_000)).toEqual([9000, 1000]);
  });

  it('splits 10000 evenly spaced u exactly for equal weights', () => {
    expect(counts([1, 1, 1, 1], 10_000)).toEqual([2500, 2500, 2500, 2500]);
  });

  it('picks contiguous ranges of u in weight order', () => {
    const picks: number[] = [];
    for (let k = 0; k < 100; k++) picks.push(pickWeighted([1, 2, 7], k / 100));
    expect(picks).toEqual([...new Array<number>(10).fill(0), ...new Array<number>(20).fill(1), ...new Array<number>(70).fill(2)]);
  });
});

describe('pickSticky', () => {
  const keys = Array.from({ length: 20000 }, (_, i) => `user-${i}`);
  const share = (variants: { name: string; weight: number }[]): number[] => {
    const counts = variants.map(() => 0);
    for (const k of keys) counts[pickSticky(k, variants)]!++;
    return counts.map((c) => c / keys.length);
  };

  it('splits keys by weight', () => {
    const s = share([{ name: 'stable', weight: 75 }, { name: 'canary', weight: 25 }]);
    expect(s[0]).toBeCloseTo(0.75, 1);
    expect(s[1]).toBeCloseTo(0.25, 1);
  });

  it('keeps each key on its variant, moving only the minimal share when weights change', () => {
    const before = keys.map((k) => pickSticky(k, [{ name: 'stable', weight: 95 }, { name: 'canary', weight: 5 }]));
    const after = keys.map((k) => pickSticky(k, [{ name: 'stable', weight: 75 }, { name: 'canary', weight: 25 }]));
    const moved = before.filter((v, i) => v !== after[i]).length / keys.length;
    // 20% of traffic has to move; nothing moves back from canary to stable
    expect(moved).toBeGreaterThan(0.17);
    expect(moved).toBeLessThan(0.23);
    expect(before.some((v, i) => v === 1 && after[i] === 0)).toBe(false);
  });

  it('does not depend on the order of variants and never picks a zero weight', () => {
    const a = [{ name: 'x', weight: 1 }, { name: 'y', weight: 1 }, { name: 'z', weight: 0 }];
    const b = [a[2]!, a[1]!, a[0]!];
    for (const k of keys.slice(0, 500)) {
      expect(a[pickSticky(k, a)]!.name).toBe(b[pickSticky(k, b)]!.name);
      expect(a[pickSticky(k, a)]!.name).not.toBe('z');
    }
  });
});
