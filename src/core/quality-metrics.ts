// Quality metrics of predictions against targets, and the nearest-rank percentile of latencies. Pure functions.

import { InvalidInputError } from './errors.js';

type Numbers = ArrayLike<number>;

function checkPair(metric: string, targets: Numbers, predictions: Numbers): void {
  if (targets.length !== predictions.length) {
    throw new InvalidInputError(`${metric}: expected as many predictions as targets, got ${predictions.length} predictions for ${targets.length} targets`);
  }
  if (targets.length === 0) throw new InvalidInputError(`${metric}: expected at least one row, got none`);
}

/** Fraction of rows whose predicted class equals the target class. A NaN prediction is wrong. */
export function accuracy(targets: Numbers, predictions: Numbers): number {
  checkPair('accuracy', targets, predictions);
  let right = 0;
  for (let i = 0; i < targets.length; i++) if (predictions[i] === targets[i]) right++;
  return right / targets.length;
}

/**
 * Macro-averaged F1: the unweighted mean of each class's F1 = 2TP / (2TP + FP + FN), over every class that appears
 * among the targets or the predictions. A NaN prediction is a miss of its target's class (FN) and no class of its own.
 */
export function macroF1(targets: Numbers, predictions: Numbers): number {
  checkPair('f1', targets, predictions);
  const counts = new Map<number, { tp: number; fp: number; fn: number }>();
  const of = (c: number): { tp: number; fp: number; fn: number } => {
    let entry = counts.get(c);
    if (!entry) counts.set(c, (entry = { tp: 0, fp: 0, fn: 0 }));
    return entry;
  };
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i]!;
    const p = predictions[i]!;
    if (p === t) of(t).tp++;
    else {
      of(t).fn++;
      if (!Number.isNaN(p)) of(p).fp++;
    }
  }
  let sum = 0;
  for (const { tp, fp, fn } of counts.values()) sum += (2 * tp) / (2 * tp + fp + fn);
  return sum / counts.size;
}

/** Mean absolute error; NaN when any prediction is NaN. */
export function meanAbsoluteError(targets: Numbers, predictions: Numbers): number {
  checkPair('mae', targets, predictions);
  let sum = 0;
  for (let i = 0; i < targets.length; i++) sum += Math.abs(predictions[i]! - targets[i]!);
  return sum / targets.length;
}

/** Root mean squared error; NaN when any prediction is NaN. */
export function rootMeanSquaredError(targets: Numbers, predictions: Numbers): number {
  checkPair('rmse', targets, predictions);
  let sum = 0;
  for (let i = 0; i < targets.length; i++) {
    const d = predictions[i]! - targets[i]!;
    sum += d * d;
  }
  return Math.sqrt(sum / targets.length);
}

/** The p-th percentile by nearest rank: the smallest value with at least p% of all values at or below it. */
export function nearestRankPercentile(values: Numbers, p: number): number {
  if (values.length === 0) throw new InvalidInputError(`percentile ${p}: expected at least one value, got none`);
  if (!(p > 0 && p <= 100)) throw new InvalidInputError(`percentile: expected p in (0, 100], got ${p}`);
  const sorted = Float64Array.from(values).sort();
  // p * n first: exact for integer p, where (p / 100) * n can land just above an integer (0.07 * 100 = 7.000000000000001).
  const rank = Math.ceil((p * sorted.length) / 100);
  return sorted[rank - 1]!;
}

/** p99 by nearest rank (of 200 values, the 198th smallest). */
export function p99(values: Numbers): number {
  return nearestRankPercentile(values, 99);
}

/** How many values are NaN: a detail worth telling when a metric comes out NaN or low. */
export function countNaN(values: Numbers): number {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (Number.isNaN(values[i])) n++;
  return n;
}
