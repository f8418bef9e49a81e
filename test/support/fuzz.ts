// How the fuzz tests run fast-check: a bounded number of inputs in `npm test`, or a time budget for `npm run fuzz`
// (SLIPWAY_FUZZ_MS per property), and the count of inputs tried, printed so a run can be reported.

import fc from 'fast-check';
import { InvalidInputError, PayloadTooLargeError } from '../../src/core/errors.js';

const budgetMs = Number(process.env.SLIPWAY_FUZZ_MS ?? 0);

/** Options for fc.check: `runs` inputs in a normal test run; as many as fit the budget in a long one. */
function options(runs: number): fc.Parameters<unknown> {
  if (budgetMs > 0) return { numRuns: Number.MAX_SAFE_INTEGER, interruptAfterTimeLimit: budgetMs, markInterruptAsFailure: false };
  return { numRuns: runs };
}

function report(name: string, details: fc.RunDetails<unknown>): number {
  if (details.failed) throw new Error(`fuzz ${name}: ${fc.defaultReportMessage(details) ?? 'failed'}`);
  console.log(`fuzz ${name}: ${details.numRuns} inputs`);
  return details.numRuns;
}

/** Checks a synchronous property over `runs` inputs (or the budget); throws fast-check's report on a counterexample. */
export function fuzz<T>(name: string, runs: number, arbitrary: fc.Arbitrary<T>, check: (value: T) => void): number {
  return report(name, fc.check(fc.property(arbitrary, (v) => check(v)), options(runs) as fc.Parameters<[T]>) as fc.RunDetails<unknown>);
}

/** fuzz for an asynchronous property. */
export async function fuzzAsync<T>(name: string, runs: number, arbitrary: fc.Arbitrary<T>, check: (value: T) => Promise<void>): Promise<number> {
  const details = await fc.check(fc.asyncProperty(arbitrary, (v) => check(v)), options(runs) as fc.Parameters<[T]>);
  return report(name, details as fc.RunDetails<unknown>);
}

/** Runs `fn`; a client's mistake (400, 413) is a fine answer to a hostile input, anything else is a finding. */
export function onlyClientErrors(fn: () => unknown, also: (err: unknown) => boolean = () => false): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof InvalidInputError || err instanceof PayloadTooLargeError || also(err)) return;
    throw err;
  }
}

/** `text` with a few bytes replaced, inserted or removed at random places: inputs near valid ones reach deep. */
export function mutated(base: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const edit = fc.tuple(fc.nat(), fc.constantFrom('set', 'insert', 'delete'), fc.integer({ min: 0, max: 255 }));
  return fc.tuple(base, fc.array(edit, { minLength: 1, maxLength: 6 })).map(([bytes, edits]) => {
    const out = Array.from(bytes);
    for (const [at, kind, byte] of edits) {
      const i = out.length === 0 ? 0 : at % out.length;
      if (kind === 'set' && out.length > 0) out[i] = byte;
      else if (kind === 'insert') out.splice(i, 0, byte);
      else out.splice(i, 1);
    }
    return Uint8Array.from(out);
  });
}
