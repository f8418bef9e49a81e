import { describe, expect, it } from 'vitest';
import type { FeatureColumn } from '../core/baseline.js';
import { HISTOGRAM_BINS } from '../core/histogram.js';
import { SeededRandom } from '../core/seeded-random.js';
import { profileColumns } from './baseline-profile.js';
import { baselineHistograms, windowHistograms } from './feature-histograms.js';

const r = new SeededRandom(7);
const normal = (name: string, n: number, mean: number): FeatureColumn => ({ name, kind: 'numeric', values: Float64Array.from({ length: n }, () => r.normal(mean, 1)) });
const colour = (n: number, pick: () => string): FeatureColumn => ({ name: 'colour', kind: 'categorical', values: Array.from({ length: n }, pick) });
const label = (n: number): FeatureColumn => ({ name: 'label', kind: 'categorical', values: Array.from({ length: n }, (_, i) => String(i % 3)) });

const baseline = profileColumns(
  [normal('x', 2000, 0), colour(2000, () => (r.uniform() < 0.7 ? 'red' : 'blue'))], [label(2000)], { kind: 'package', file: 'b.csv' }, { sampleSize: 500 },
);

describe('baselineHistograms', () => {
  it('draws numeric features over equal-width bins of their range, from the sample, and categories by count', () => {
    const h = baselineHistograms(baseline);
    expect(h.rows).toBe(2000);
    const x = h.features[0]!;
    if (x.kind !== 'numeric') throw new Error('x should be numeric');
    expect(x.edges).toHaveLength(HISTOGRAM_BINS + 1);
    expect(x.edges[0]).toBe(x.min);
    expect(x.edges[HISTOGRAM_BINS]).toBe(x.max);
    expect(x.counts.reduce((a, b) => a + b, 0)).toBe(500);
    expect(x.sampled).toBe(true);
    // A normal's middle bins hold more than its tails.
    expect(Math.max(...x.counts.slice(8, 12))).toBeGreaterThan(x.counts[0]! + x.counts[19]!);
    const c = h.features[1]!;
    expect(c).toMatchObject({ kind: 'categorical', categories: ['red', 'blue'] });
    expect(h.outputs[0]).toMatchObject({ name: 'label', kind: 'categorical', categories: ['0', '1', '2'] });
  });
});

describe('windowHistograms', () => {
  it('draws a shifted window beside the baseline on the same bins, widened to hold it', () => {
    const window = { features: [normal('x', 400, 4), colour(400, () => 'green')], outputs: [label(400)] };
    const hs = windowHistograms(baseline, window);
    expect(hs.map((h) => [h.feature, h.output, h.kind])).toEqual([['x', false, 'numeric'], ['colour', false, 'categorical'], ['label', true, 'categorical']]);
    const x = hs[0]!;
    if (x.kind !== 'numeric') throw new Error('x should be numeric');
    expect(x.edges).toHaveLength(HISTOGRAM_BINS + 1);
    expect(x.edges[HISTOGRAM_BINS]!).toBeGreaterThan(5);
    // The window's mass sits right of the baseline's: the first half of the bins holds the baseline, the second the window.
    const half = (counts: number[], from: number, to: number): number => counts.slice(from, to).reduce((a, b) => a + b, 0);
    expect(half(x.baseline.counts, 0, 10)).toBeGreaterThan(half(x.baseline.counts, 10, 20));
    expect(half(x.window.counts, 10, 20)).toBeGreaterThan(half(x.window.counts, 0, 10));
    expect(x.window.total + x.window.below + x.window.above + x.window.missing).toBe(400);
    expect(x.baseline.total).toBe(500);
    const c = hs[1]!;
    if (c.kind !== 'categorical') throw new Error('colour should be categorical');
    expect(c.categories).toEqual(expect.arrayContaining(['red', 'blue', 'green']));
    expect(c.window.counts[c.categories.indexOf('green')]).toBe(400);
    expect(c.baseline.counts[c.categories.indexOf('green')]).toBe(0);
  });

  it('skips columns the window lacks and columns whose kind differs from the baseline\'s', () => {
    const hs = windowHistograms(baseline, { features: [{ name: 'x', kind: 'categorical', values: ['a'] }], outputs: [] });
    expect(hs).toEqual([]);
  });
});
