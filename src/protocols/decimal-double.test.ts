import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz } from '../../test/support/fuzz.js';
import { decimalQuotient } from './decimal-double.js';

/** The decimal's text and what decimalQuotient is given for it: high digits, low digits, their count, the power. */
function parts(digits: string, power: number): { text: string; args: [number, number, number, number] } {
  const lowDigits = digits.length - 9;
  const text = `${digits}e-${power}`;
  return { text, args: [Number(digits.slice(0, 9)), Number(digits.slice(9)), lowDigits, power] };
}

describe('decimalQuotient', () => {
  it('gives the double JSON.parse gives for 16- and 17-digit decimals, or says it cannot tell only at a true tie', () => {
    const decimal = fc.tuple(fc.stringMatching(/^[1-9][0-9]{15,16}$/), fc.integer({ min: 1, max: 22 }));
    let undecided = 0;
    fuzz('decimal-double random', 20000, decimal, ([digits, power]) => {
      const { text, args } = parts(digits, power);
      const got = decimalQuotient(...args);
      if (!Number.isNaN(got)) expect(got, text).toBe(Number(text));
      // A decimal of 17 digits can sit exactly between two doubles only where they are whole numbers apart (from 2^52
      // up, "…5e-1"); below, every one is decided.
      else if (Number(text) < 2 ** 52) undecided++;
    });
    expect(undecided).toBe(0);
  });

  it('reads back the shortest text of any double in its range exactly (what JSON.stringify and numpy write)', () => {
    fuzz('decimal-double shortest', 20000, fc.double({ min: 1e-6, max: 1e3, noNaN: true }), (x) => {
      const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
      const digits = mantissa.replace('.', '');
      if (digits.length < 16) return;
      const power = digits.length - 1 - Number(exponent);
      if (power < 1 || power > 22) return;
      expect(decimalQuotient(...parts(digits, power).args)).toBe(x);
    });
  });

  it('never rounds the wrong way next to a tie between two doubles', () => {
    // Decimals a hair either side of the midpoint between neighbouring doubles: the hardest inputs to round.
    const f = new Float64Array(1);
    const u = new BigUint64Array(f.buffer);
    let seed = 5;
    for (let i = 0; i < 5000; i++) {
      seed = (seed * 48271) % 2147483647;
      f[0] = 0.001 + (seed / 2147483647) * 100;
      const lo = f[0]!;
      u[0] = u[0]! + 1n;
      const mid = (lo + f[0]!) / 2; // rounds to one of them; its exact decimal is what matters below
      for (const text of [mid.toPrecision(17), (mid * (1 + 1e-16)).toPrecision(17), (mid * (1 - 1e-16)).toPrecision(17)]) {
        const [m, e] = Number(text).toExponential(16).split('e') as [string, string];
        const digits = m.replace('.', '').replace('-', '');
        const power = digits.length - 1 - Number(e);
        if (power < 1 || power > 22) continue;
        const got = decimalQuotient(...parts(digits, power).args);
        if (!Number.isNaN(got)) expect(got, `${digits}e-${power}`).toBe(Number(`${digits}e-${power}`));
      }
    }
  });
});
