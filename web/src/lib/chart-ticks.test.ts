// niceTicks covers the range with round steps; tickLabel stays short.

import { describe, expect, it } from 'vitest';
import { niceTicks, tickLabel } from './chart-ticks.js';

describe('niceTicks', () => {
  it('covers the range with round steps', () => {
    expect(niceTicks(0, 97)).toEqual([0, 20, 40, 60, 80, 100]);
    expect(niceTicks(0.013, 0.048, 4)).toEqual([0.01, 0.02, 0.03, 0.04, 0.05]);
  });
  it('widens an empty range', () => {
    const ticks = niceTicks(5, 5);
    expect(ticks[0]).toBeLessThanOrEqual(5);
    expect(ticks[ticks.length - 1]).toBeGreaterThan(5);
  });
});

describe('tickLabel', () => {
  it('shortens', () => {
    expect(tickLabel(12500)).toBe('12.5k');
    expect(tickLabel(0.123456)).toBe('0.123');
    expect(tickLabel(2_000_000)).toBe('2M');
  });
});
