// LocalHistogram against prom-client's Histogram: the same observations must read the same, as text and as JSON.

import { Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { LocalHistogram } from './local-histogram.js';

const BUCKETS = [0.001, 0.01, 0.1, 1];

function pair(): { ours: LocalHistogram; theirs: Histogram<'endpoint' | 'variant'>; a: Registry; b: Registry } {
  const a = new Registry();
  const b = new Registry();
  const opts = { name: 'h_seconds', help: 'a histogram', labelNames: ['endpoint', 'variant'] as const, buckets: BUCKETS };
  return { ours: new LocalHistogram({ ...opts, registers: [a] }), theirs: new Histogram({ ...opts, labelNames: [...opts.labelNames], registers: [b] }), a, b };
}

describe('LocalHistogram', () => {
  it('exports what prom-client would, label sets appearing once observed', async () => {
    const { ours, theirs, a, b } = pair();
    const unused = ours.child({ endpoint: 'e', variant: 'never' });
    expect(unused.count).toBe(0);
    const values: [string, number][] = [['x', 0.0005], ['x', 0.001], ['x', 0.05], ['y', 3], ['x', 0.5], ['y', 0.002]];
    for (const [variant, v] of values) {
      ours.child({ endpoint: 'e', variant }).observe(v);
      theirs.observe({ endpoint: 'e', variant }, v);
    }
    expect(await a.metrics()).toBe(await b.metrics());
    expect(await a.getMetricsAsJSON()).toEqual(await b.getMetricsAsJSON());
  });

  it('skips values that are not finite, and reset empties every label set', async () => {
    const { ours, a } = pair();
    const child = ours.child({ endpoint: 'e', variant: 'v' });
    child.observe(Number.NaN);
    child.observe(Number.POSITIVE_INFINITY);
    expect(await a.metrics()).not.toContain('h_seconds_count{');
    child.observe(0.2);
    expect(await a.metrics()).toContain('h_seconds_count{endpoint="e",variant="v"} 1');
    a.resetMetrics();
    expect(await a.metrics()).not.toContain('h_seconds_count{');
  });
});
