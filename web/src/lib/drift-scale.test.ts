// The drift scale: p-values and PSI map onto one light-to-dark ramp, the threshold lands where the tests cut.

import { describe, expect, it } from 'vitest';
import { colourOf, formatStat, intensity, RAMP, thresholdPosition } from './drift-scale.js';

const cell = (pValue: number | null, psi: number | null) => ({ pValue, psi, drifted: false, test: 'ks' as const });

describe('drift scale', () => {
  it('puts a small p-value high and a large one low, and caps at the top', () => {
    expect(intensity(cell(1, 0), 'pValue')).toBe(0);
    expect(intensity(cell(1e-5, 0), 'pValue')).toBeCloseTo(0.5);
    expect(intensity(cell(1e-40, 0), 'pValue')).toBe(1);
    expect(intensity(cell(null, 0.1), 'pValue')).toBeNull();
    expect(intensity(null, 'psi')).toBeNull();
    expect(intensity(cell(0.5, 0.25), 'psi')).toBeCloseTo(0.5);
  });

  it('colours from the ramp\'s light end to its dark end', () => {
    expect(colourOf(0)).toBe(RAMP[0]);
    expect(colourOf(1)).toBe(RAMP[RAMP.length - 1]);
  });

  it('marks the threshold at the newest window\'s per-test level', () => {
    const windows = [{ alphaPerTest: 0.001 }] as Parameters<typeof thresholdPosition>[0]['windows'];
    expect(thresholdPosition({ threshold: { metric: 'pValue', value: 0.01, psiWarning: 0.1, psiCritical: 0.25 }, windows }, 'pValue')).toBeCloseTo(0.3);
    expect(thresholdPosition({ threshold: { metric: 'pValue', value: 0.01, psiWarning: 0.1, psiCritical: 0.25 }, windows: [] }, 'psi')).toBeCloseTo(0.2);
  });

  it('writes small p-values as exponents', () => {
    expect(formatStat(1.2e-30)).toBe('1.2e-30');
    expect(formatStat(0.4)).toBe('0.400');
    expect(formatStat(null)).toBe('–');
  });
});
