import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz } from '../../test/support/fuzz.js';
import { InvalidInputError } from './errors.js';
import { ShapeBudget } from './request-limits.js';

const LIMITS = { maxTensorElements: 100, maxRequestElements: 150, maxRequestRows: 10 };

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('ShapeBudget', () => {
  it('admits shapes within every limit and returns their element counts', () => {
    const budget = new ShapeBudget(LIMITS);
    expect(budget.admit('input "a"', [10, 10])).toBe(100);
    expect(budget.admit('input "b"', [4, 10])).toBe(40);
    expect(budget.admit('input "c"', [])).toBe(1); // a scalar
  });

  it('refuses a tensor over the element limit, naming the input and the limit, without overflowing', () => {
    expect(refusal(() => new ShapeBudget(LIMITS).admit('input "x"', [1, 101]))).toMatch(/input "x": shape \[1,101\] holds more than 100 elements.*maxTensorElements/);
    expect(refusal(() => new ShapeBudget(LIMITS).admit('input "x"', [1, 1e300, 1e300]))).toMatch(/maxTensorElements/);
  });

  it('refuses a request whose tensors together pass the request limit', () => {
    const budget = new ShapeBudget(LIMITS);
    budget.admit('input "a"', [1, 100]);
    expect(refusal(() => budget.admit('input "b"', [1, 51]))).toMatch(/input "b".*151 elements.*at most 150.*maxRequestElements/);
  });

  it('refuses too many rows even when the tensor holds nothing', () => {
    expect(refusal(() => new ShapeBudget(LIMITS).admit('input "r"', [1_000_000_000, 0]))).toMatch(/input "r".*1000000000 rows.*at most 10 rows.*maxRequestRows/);
    expect(new ShapeBudget(LIMITS).admit('input "z"', [10, 1e300, 0])).toBe(0);
  });
});

describe('ShapeBudget, fuzzed', () => {
  it('admits a shape exactly when every limit holds, counting what it holds, and refuses only with InvalidInputError', () => {
    const dim = fc.oneof(fc.integer({ min: 0, max: 20 }), fc.constantFrom(1e9, 2 ** 53, 1e300));
    fuzz('ShapeBudget', 500, fc.array(fc.array(dim, { maxLength: 5 }), { minLength: 1, maxLength: 4 }), (shapes) => {
      const budget = new ShapeBudget(LIMITS);
      let total = 0;
      for (const shape of shapes) {
        const size = shape.includes(0) ? 0 : shape.reduce((a, b) => a * b, 1);
        const ok = (shape[0] ?? 1) <= LIMITS.maxRequestRows && size <= LIMITS.maxTensorElements && total + size <= LIMITS.maxRequestElements;
        let admitted: number | undefined;
        try {
          admitted = budget.admit('input "x"', shape);
        } catch (err) {
          expect(err).toBeInstanceOf(InvalidInputError);
        }
        if (!ok) {
          expect(admitted, JSON.stringify(shape)).toBeUndefined();
          return;
        }
        expect(admitted).toBe(size);
        total += size;
      }
    });
  });
});
