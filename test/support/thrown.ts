// Assertions about thrown errors, shared by the unit tests: what was thrown, and "an InvalidInputError saying exactly this".

import { expect } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';

/** The error `fn` throws; fails the test if it returns instead. */
export function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected the call to throw');
}

/** `fn` throws an InvalidInputError with exactly `message` (what a client or user reads), or one matching it. */
export function expectInvalid(fn: () => unknown, message: string | RegExp): void {
  const err = errorOf(fn);
  expect(err).toBeInstanceOf(InvalidInputError);
  if (typeof message === 'string') expect(err.message).toBe(message);
  else expect(err.message).toMatch(message);
}
