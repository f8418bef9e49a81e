import { describe, expect, it } from 'vitest';
import { binValues, categoryPair, equalWidthEdges, MAX_CATEGORIES, OTHER_CATEGORY, rankValue } from './histogram.js';

describe('equalWidthEdges', () => {
  it('spaces bins + 1 edges from lo to hi, the last exactly hi', () => {
    expect(equalWidthEdges(0, 10, 5)).toEqual([0, 2, 4, 6, 8, 10]);
    const edges = equalWidthEdges(0.1, 0.7, 3);
    expect(edges).toHaveLength(4);
    expect(edges[3]).toBe(0.7);
  });
  it('gives one value a bin of width 1 around it, and no values [0, 1]', () => {
    expect(equalWidthEdges(3, 3)).toEqual([2.5, 3.5]);
    expect(equalWidthEdges(Infinity, -Infinity)).toEqual([0, 1]);
  });
});

describe('binValues', () => {
  it('counts into [e_i, e_i+1), the last bin closed, and keeps missing and outside values apart', () => {
    const edges = [0, 1, 2, 3];
    expect(binValues([0, 0.5, 1, 2.999, 3, -1, 4, NaN, Infinity], edges)).toEqual({ counts: [2, 1, 2], total: 5, missing: 1, below: 1, above: 2 });
  });
  it('puts values on an edge in the bin the edge opens, despite rounding', () => {
    const edges = equalWidthEdges(0, 0.3, 3);
    const b = binValues(Float64Array.from(edges), edges);
    expect(b.counts).toEqual([1, 1, 2]);
  });
});

describe('rankValue', () => {
  it('reads the nearest rank of sorted values', () => {
    expect(rankValue([1, 2, 3, 4, 5], 0)).toBe(1);
    expect(rankValue([1, 2, 3, 4, 5], 0.5)).toBe(3);
    expect(rankValue([1, 2, 3, 4, 5], 1)).toBe(5);
    expect(rankValue([], 0.5)).toBeNaN();
  });
});

describe('categoryPair', () => {
  it('counts both tallies over the categories of either, most frequent first', () => {
    const pair = categoryPair(new Map([['a', 8], ['b', 2]]), new Map([['b', 5], ['new', 5]]), { baseline: 1, window: 0 });
    // Shares summed over both: a 0.8, b 0.2 + 0.5, new 0.5.
    expect(pair.categories).toEqual(['a', 'b', 'new']);
    expect(pair.baseline).toEqual({ counts: [8, 2, 0], total: 10, missing: 1 });
    expect(pair.window).toEqual({ counts: [0, 5, 5], total: 10, missing: 0 });
  });
  it('folds categories past the limit into one "(other)"', () => {
    const many = new Map(Array.from({ length: 30 }, (_, i) => [`c${String(i).padStart(2, '0')}`, 30 - i] as [string, number]));
    const pair = categoryPair(many, new Map(), { baseline: 0, window: 0 });
    expect(pair.categories).toHaveLength(MAX_CATEGORIES);
    expect(pair.categories[MAX_CATEGORIES - 1]).toBe(OTHER_CATEGORY);
    expect(pair.baseline.counts.reduce((a, b) => a + b, 0)).toBe(pair.baseline.total);
    expect(pair.window.counts.every((c) => c === 0)).toBe(true);
  });
});
