// Copies of a live request sent to shadow variants (and to comparison references): run off the caller's path, their
// answers compared with the live answer and recorded, never returned; their failures never reach the caller.

import { OverloadedError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { compareTensors, hasNaN } from './agreement.js';
import type { ScheduleOptions } from '../runtime/scheduler.js';
import type { LiveVariant } from './live-variant.js';

/**
 * Copies run on the live request's own inputs, borrowed: each variant's scheduler copies them once (stacking a batch
 * is that copy) instead of moving them to its thread, so the live run, every copy and capture all read the same tensors.
 */
const BORROWED: ScheduleOptions = { borrowed: true };

/**
 * Runs the live request's `inputs` (borrowed) on `target` and, when both answers are in, records on `recordOn` how
 * many rows agreed (comparing the first requested output). Shadow failures are counted on the shadow's own window.
 */
export function runCopy(
  target: LiveVariant,
  recordOn: LiveVariant,
  inputs: Tensor[],
  outputNames: string[],
  liveAnswer: Promise<Tensor[] | undefined>,
): void {
  const started = performance.now();
  const shadowAnswer = target.run({ inputs, outputNames }, BORROWED).then(
    (result) => {
      if (target.spec.shadow) target.window.record(hasNaN(result.outputs) ? 'nan' : 'ok', performance.now() - started);
      return result.outputs;
    },
    (err: unknown) => {
      // A copy refused because the shadow is saturated says nothing about its model: dropped, not failed.
      if (err instanceof OverloadedError) target.window.recordDrop();
      else if (target.spec.shadow) target.window.record('error', performance.now() - started);
      return undefined;
    },
  );
  void Promise.all([liveAnswer, shadowAnswer]).then(([live, shadow]) => {
    const name = outputNames[0];
    const a = live?.find((t) => t.name === name);
    const b = shadow?.find((t) => t.name === name);
    // Agreement is measured where both answered; failures show in the error rate instead.
    if (a && b) {
      const { rows, agreed } = compareTensors(a, b);
      recordOn.window.recordComparison(rows, agreed);
    }
  });
}
