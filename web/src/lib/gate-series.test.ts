// Gate columns: failing samples apart, null samples unmeasured, threshold flat; comparators as the server's.

import { describe, expect, it } from 'vitest';
import { gateColumns, gateRange, passes } from './gate-series.js';

const gate = {
  name: 'error_rate<=0.01', metric: 'error_rate' as const, comparator: '<=' as const, threshold: 0.01,
  samples: [{ t: 1000, value: null }, { t: 2000, value: 0 }, { t: 3000, value: 0.5 }],
  final: { value: 0.5, passed: false },
};

describe('gate series', () => {
  it('puts samples at seconds into the step and the failing ones apart', () => {
    const c = gateColumns(gate, 1000);
    expect(c.x).toEqual([0, 1, 2]);
    expect(c.measured).toEqual([null, 0, 0.5]);
    expect(c.failing).toEqual([null, null, 0.5]);
    expect(c.threshold).toEqual([0.01, 0.01, 0.01]);
    expect([c.passingCount, c.failingCount, c.unmeasuredCount]).toEqual([1, 1, 1]);
  });

  it('judges each comparator', () => {
    expect(passes(1, '<=', 1)).toBe(true);
    expect(passes(1, '<', 1)).toBe(false);
    expect(passes(200, '>=', 100)).toBe(true);
    expect(passes(100, '>', 100)).toBe(false);
  });

  it('ranges over the samples and the threshold', () => {
    const [lo, hi] = gateRange(gateColumns(gate, 1000), 0.01);
    expect(lo).toBe(0);
    expect(hi).toBeGreaterThan(0.5);
    const flat = gateRange(gateColumns({ ...gate, samples: [] }, 0), 100);
    expect(flat[0]).toBeLessThan(100);
    expect(flat[1]).toBeGreaterThan(100);
  });
});
