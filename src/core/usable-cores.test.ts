import { describe, expect, it } from 'vitest';
import { quotaCores, usableCores } from './usable-cores.js';

describe('quotaCores', () => {
  it('reads cgroup v2 cpu.max: a quota over a period, rounded up, or none for max', () => {
    expect(quotaCores('200000 100000\n')).toBe(2);
    expect(quotaCores('150000 100000')).toBe(2);
    expect(quotaCores('50000 100000')).toBe(1);
    expect(quotaCores('max 100000\n')).toBeUndefined();
  });

  it('reads cgroup v1 cfs files when there is no cpu.max (-1: no quota)', () => {
    expect(quotaCores(undefined, '400000\n', '100000\n')).toBe(4);
    expect(quotaCores(undefined, '-1\n', '100000\n')).toBeUndefined();
    expect(quotaCores(undefined)).toBeUndefined();
  });

  it('ignores what it cannot read as numbers', () => {
    expect(quotaCores('garbage')).toBeUndefined();
    expect(quotaCores(undefined, 'x', '100000')).toBeUndefined();
  });
});

describe('usableCores', () => {
  it('is at least one core', () => {
    expect(usableCores()).toBeGreaterThanOrEqual(1);
  });
});
