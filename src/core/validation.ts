// Validation reports of model versions: what each package test measured, and the verdict against its threshold.

import type { TestMetric } from './model-version.js';

/** The outcome of one package test. */
export interface TestResult {
  name: string;
  metric: TestMetric;
  threshold: number;
  /** The measured value; null when the test could not run or produced NaN (the detail says which). */
  value: number | null;
  passed: boolean;
  /** For humans: e.g. "accuracy 0.9778 >= 0.95 on 450 rows", or why the test could not run. */
  detail: string;
}

/** Every test of one model version, run once. A rollout refuses a version whose report did not pass unless forced. */
export interface ValidationReport {
  /** name:version */
  model: string;
  startedAt: string;
  finishedAt: string;
  /** True when every test passed (and trivially when the package has none). */
  passed: boolean;
  tests: TestResult[];
}

/** Accuracy and F1 are scores (higher is better); errors and latency are costs (lower is better). */
export function higherIsBetter(metric: TestMetric): boolean {
  return metric === 'accuracy' || metric === 'f1';
}

/** A threshold is a minimum for scores and a maximum for costs, both inclusive; NaN never passes. */
export function meetsThreshold(metric: TestMetric, value: number, threshold: number): boolean {
  if (Number.isNaN(value)) return false;
  return higherIsBetter(metric) ? value >= threshold : value <= threshold;
}

/** Four decimals for ordinary values, four significant digits for tiny ones (sub-microsecond latencies). */
export function formatMetricValue(value: number): string {
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  return Math.abs(value) >= 0.001 ? value.toFixed(4) : value.toPrecision(4);
}

const METRIC_WORDS: Record<TestMetric, string> = {
  accuracy: 'accuracy',
  f1: 'macro-F1',
  mae: 'MAE',
  rmse: 'RMSE',
  p99_latency_ms: 'p99 latency',
};

/**
 * Judges a measured value against a test's threshold and says so in words.
 * `over` names what was measured ("on 450 rows", "over 200 single-row runs"); `note` adds context (NaN counts).
 */
export function judge(
  test: { name: string; metric: TestMetric; threshold: number },
  value: number,
  over: string,
  note?: string,
): TestResult {
  const { metric, threshold } = test;
  const unit = metric === 'p99_latency_ms' ? ' ms' : '';
  const word = METRIC_WORDS[metric];
  const bound = `${higherIsBetter(metric) ? '>=' : '<='} ${threshold}${unit}`;
  const passed = meetsThreshold(metric, value, threshold);
  const tail = note ? `; ${note}` : '';
  let detail: string;
  if (Number.isNaN(value)) detail = `${word} is NaN ${over} (expected ${bound})${tail}`;
  else if (passed) detail = `${word} ${formatMetricValue(value)}${unit} ${bound} ${over}${tail}`;
  else {
    const worse = higherIsBetter(metric) ? '<' : '>';
    detail = `${word} ${formatMetricValue(value)}${unit} ${worse} ${threshold}${unit} ${over} (expected ${bound})${tail}`;
  }
  return { name: test.name, metric, threshold, value: Number.isFinite(value) ? value : null, passed, detail };
}

/** A test that could not produce a value: it fails, and the detail says why. */
export function notRun(test: { name: string; metric: TestMetric; threshold: number }, reason: string): TestResult {
  return { name: test.name, metric: test.metric, threshold: test.threshold, value: null, passed: false, detail: `could not run: ${reason}` };
}
