import { describe, expect, it } from 'vitest';
import { fromHalfBits, toHalfBits } from './fp16.js';

describe('fp16', () => {
  it('round-trips every finite half value exactly', () => {
    for (let bits = 0; bits < 0x10000; bits++) {
      const exp = (bits >>> 10) & 0x1f;
      if (exp === 0x1f) continue;
      const back = toHalfBits(fromHalfBits(bits));
      // -0 and +0 keep their sign bits
      expect(back).toBe(bits);
    }
  });
  it('rounds to nearest even, overflows to infinity, keeps NaN', () => {
    expect(fromHalfBits(toHalfBits(1 + 2 ** -11))).toBe(1); // tie -> even (1.0)
    expect(fromHalfBits(toHalfBits(1 + 3 * 2 ** -11))).toBe(1 + 2 ** -9); // tie -> even (up)
    expect(fromHalfBits(toHalfBits(70000))).toBe(Infinity);
    expect(fromHalfBits(toHalfBits(-70000))).toBe(-Infinity);
    expect(Number.isNaN(fromHalfBits(toHalfBits(NaN)))).toBe(true);
    expect(fromHalfBits(toHalfBits(65504))).toBe(65504);
    expect(fromHalfBits(toHalfBits(2 ** -24))).toBe(2 ** -24);
    expect(fromHalfBits(toHalfBits(2 ** -26))).toBe(0);
  });
});
