// Judges one window of live data against a baseline profile: per-feature statistics, and the findings worth an alert. Pure.

import type {
  BaselineProfile,
  CategoricalProfile,
  CheckName,
  FeatureColumn,
  FeatureProfile,
  FeatureScore,
  Finding,
  FindingKind,
  MonitorThresholds,
  NumericProfile,
  Severity,
  WindowEvaluation,
} from '../core/baseline.js';
import { InvalidInputError } from '../core/errors.js';
import { DEFAULT_THRESHOLDS, THRESHOLD_FIELDS, thresholdProblem } from '../core/monitor-config.js';
import {
  binCounts,
  chiSquareHomogeneity,
  chiSquareSurvival,
  ksTwoSample,
  populationStabilityIndex,
  wassersteinDistance,
} from './drift-stats.js';

/**
 * The defaults overridden by `partial`, judged by the same rules the settings parser uses (core/monitor-config.ts). A
 * monitor's config comes from users, so unknown fields and wrong types are refused here too: settings stored before
 * they were judged at set time still fail their windows with the field named rather than alert on nonsense.
 */
export function resolveThresholds(partial: Partial<MonitorThresholds> = {}): MonitorThresholds {
  for (const key of Object.keys(partial)) {
    if (!(THRESHOLD_FIELDS as string[]).includes(key)) {
      throw new InvalidInputError(`monitor thresholds: unknown field "${key}"; expected one of ${THRESHOLD_FIELDS.join(', ')}`);
    }
  }
  const t: MonitorThresholds = { ...DEFAULT_THRESHOLDS };
  for (const key of THRESHOLD_FIELDS) {
    const value: unknown = partial[key];
    if (value === undefined) continue;
    if (typeof value !== 'number' || Number.isNaN(value)) {
      const shown = typeof value === 'number' ? String(value) : (JSON.stringify(value) ?? String(value));
      throw new InvalidInputError(`monitor threshold "${key}": expected a number, got ${shown}`);
    }
    t[key] = value;
  }
  const problem = thresholdProblem(t);
  if (problem) throw new InvalidInputError(`monitor threshold "${problem.field}": expected ${problem.expected}, got ${t[problem.field]}`);
  return t;
}

/** One window of live data: columns of equal length (one row per captured prediction) and the window's request counts. */
export interface WindowData {
  features: FeatureColumn[];
  outputs: FeatureColumn[];
  /** Requests received in the window, and how many of them were rejected as not matching the signature. */
  requests: number;
  schemaViolations: number;
}

/** What the first pass measured about one column, kept for the second pass that decides the findings. */
interface Measured {
  score: FeatureScore;
  output: boolean;
  /** Rows in the window (missing included), missing rows, and the baseline's missing rate. */
  total: number;
  missing: number;
  baselineMissingRate: number;
  /** Out-of-range (numeric) or unseen (categorical) rows, over `present` rows, and the rate expected with no change. */
  rare?: { check: 'out_of_range' | 'unseen_categories'; count: number; present: number; expected: number };
  /** Distinct unseen categories (score.unseen lists at most MAX_UNSEEN_LISTED of them). */
  unseenCategories?: number;
  range?: { min: number; max: number };
  /** What the PSI's noise depends on: bins that hold baseline rows, and the effective sample size of the comparison. */
  psiBins: number;
  psiRowsEffective: number;
  baselineStd?: number;
  /** Window rows the KS / chi-squared test compared (fewer than the window's when capped, see testRowsCap). */
  testRows?: number;
}

/** A column's measurement before any statistic: its rows, missing rate and the baseline's. */
function startMeasure(p: FeatureProfile, output: boolean, total: number, missing: number, present: number): Measured {
  return {
    score: { feature: p.name, kind: p.kind, rows: present, missingRate: total > 0 ? missing / total : 0, psi: 0, drifted: false },
    output,
    total,
    missing,
    baselineMissingRate: missingRate(p.count, p.missing),
    psiBins: 0,
    psiRowsEffective: 0,
  };
}

/**
 * The most window rows a KS or chi-squared test compares with a baseline of `baselineRows` (its sample, or its counts):
 * a tenth of them, and never fewer than minRows. Why: the baseline is drawn once and reused for every window, so its own
 * sampling error is a fixed offset that every window sees again. The two-sample tests allow for that error only on
 * average over baselines; for the one baseline a monitor has, as windows grow a window's p-value tends to the p-value of
 * the baseline against the truth, so a feature whose baseline happened to be off would alarm in every large window. At a
 * tenth, the baseline carries 1/11 of the comparison's noise (measured on one 1000-value baseline at alpha 0.05:
 * 500-row windows alarmed in 10% of windows uncapped, 6% capped). Bigger windows are cut to evenly spaced rows, so the
 * whole window is still represented; PSI and Wasserstein, effect sizes rather than significance tests, use every row.
 * A baseline with fewer than 10 x minRows values gets minRows test rows and a weaker guarantee. To test more rows of
 * big windows, profile the baseline with a bigger sample.
 */
export function testRowsCap(baselineRows: number, minRows: number): number {
  return Math.max(minRows, Math.floor(baselineRows / 10));
}

/** `k` of `n` evenly spaced indices (the middle of each of k equal stretches), so a cut window still spans its whole time. */
function evenlySpaced(n: number, k: number): number[] {
  return Array.from({ length: k }, (_, i) => Math.floor(((i + 0.5) * n) / k));
}

/**
 * Evaluates one window against the baseline. Semantics:
 *
 * Matching. Window columns are matched to baseline profiles by name (features with features, outputs with outputs). A
 * baseline column absent from the window is skipped; a window column the baseline does not know is ignored; a window
 * column whose kind differs from the baseline's is a critical 'schema' finding and gets no statistics.
 *
 * Drift tests. A column with at least `minRows` present rows (and a baseline with values) is tested: numeric by KS
 * two-sample against the baseline's sample, categorical by chi-squared homogeneity of the baseline's and the window's
 * counts over the baseline's categories (categories expected to get fewer than 5 window rows are merged into one "other"
 * bucket, so the chi-squared approximation holds). A test compares at most a tenth of the baseline's values in window
 * rows (testRowsCap: the baseline is fixed, so its own noise must stay small next to the window's). `tests` counts those
 * tests over features and outputs, and each runs at alphaPerTest = alpha / tests (Bonferroni), so the chance that a
 * window drawn from the baseline raises any KS/chi-squared finding is at most about alpha, however many features the
 * model has. p < alphaPerTest / 100 is critical.
 *
 * PSI (over the baseline's bins, or the merged categories) is always reported, but alerts only where it can be trusted:
 * for a window from the baseline, n_eff * PSI is about chi-squared with (bins - 1) degrees of freedom (PSI ~ Pearson's
 * statistic / n for small differences; n_eff = n N / (n + N) counts the noise of both the window's n rows and the
 * baseline's N). PSI alerts only when a baseline-like window would reach psiWarning with probability below
 * alphaPerTest / 100; then PSI adds about 1% of alpha to the false-alarm level. With 10 bins, 23 tests at alpha 0.01
 * and a 5000-row baseline that is from about 450 rows on; smaller windows rely on KS/chi-squared (PSI of a same-distribution window of n rows is about (bins - 1) / n).
 * PSI >= psiCritical is critical.
 *
 * Wasserstein (numeric, tested columns): the distance to the baseline's sample divided by the baseline's standard
 * deviation. It is a finding (warning) when it reaches wassersteinStd *and* the column's KS test rejected: the distance
 * says how far the feature moved, KS says the move is not noise. Alone it would not control false alarms: its noise
 * depends on the distribution's shape, so no shape-free window size makes it trustworthy (measured at 50 rows: a
 * normal feature's W/std has mean 0.19 and passed 0.5 in 1 of 3000 same-distribution windows, heavy-tailed lognormals
 * more often: 2-3% of 20-feature windows had some W/std >= 0.5, more than alpha 0.01 allows for everything). A constant baseline (std 0) gives Infinity for any
 * distance above 0 and no Wasserstein finding: out_of_range reports that case, with a rate.
 *
 * Data quality, on every window whatever its size: missing rate above the baseline's by more than missingRateIncrease;
 * share of values outside the baseline's [min, max] above outOfRangeRate; share of values in categories the baseline never
 * saw above unseenCategoryRate (the 20 most frequent listed). Each of these must also be real, not a few unlucky rows: a
 * one-sided exact binomial test against the rate expected with no change (the baseline's missing rate; 2 / (N + 1), the
 * chance that a new draw falls outside the range of N draws; the Good–Turing unseen mass, baseline categories seen once
 * over N) must reject at alpha / (number of such checks). Schema: schemaViolations / requests above schemaViolationRate
 * is a finding for '(request)'. A data-quality rate of 0.5 or more (half the rows broken) is critical.
 *
 * Outputs (the model's predictions) get the same checks; their findings are kind 'prediction_drift', data-quality
 * checks included, so that alerts about the model's answers are told apart from alerts about its inputs. `drifted` on a
 * score means a ks, chi2, psi or wasserstein finding for that column.
 */
export function evaluateWindow(baseline: BaselineProfile, window: WindowData, thresholds: MonitorThresholds): WindowEvaluation {
  const rows = windowRows(window);
  checkRequests(window);
  const findings: Finding[] = [];

  if (window.requests > 0) {
    const rate = window.schemaViolations / window.requests;
    if (rate > thresholds.schemaViolationRate) {
      findings.push({
        kind: 'data_quality',
        feature: '(request)',
        check: 'schema',
        severity: rate >= 0.5 ? 'critical' : 'warning',
        value: rate,
        threshold: thresholds.schemaViolationRate,
        message:
          `${window.schemaViolations} of ${window.requests} requests (${pct(rate)}) did not match the model's signature ` +
          `(allowed ${pct(thresholds.schemaViolationRate)})`,
      });
    }
  }

  // First pass: every statistic, so that the number of tests (and so each test's level) is known before any verdict.
  const measured: Measured[] = [];
  const kindFindings: Finding[] = [];
  const measure = (profiles: FeatureProfile[], columns: FeatureColumn[], output: boolean): void => {
    const byName = new Map(columns.map((c) => [c.name, c]));
    for (const profile of profiles) {
      const column = byName.get(profile.name);
      if (column === undefined) continue;
      if (column.kind !== profile.kind) {
        kindFindings.push({
          kind: output ? 'prediction_drift' : 'data_quality',
          feature: profile.name,
          check: 'schema',
          severity: 'critical',
          value: 1,
          threshold: 0,
          message: `${label(profile.name, output)}: expected ${profile.kind} values, as in the baseline, got ${column.kind}`,
        });
        continue;
      }
      measured.push(
        column.kind === 'numeric'
          ? measureNumeric(profile as NumericProfile, column.values, output, thresholds)
          : measureCategorical(profile as CategoricalProfile, column.values, output, thresholds),
      );
    }
  };
  measure(baseline.features, window.features, false);
  measure(baseline.outputs, window.outputs, true);
  findings.push(...kindFindings);

  const tests = measured.filter((m) => m.score.ks !== undefined || m.score.chi2 !== undefined).length;
  // With no test run (every column below minRows), alphaPerTest reports alpha itself: the level a first test would get.
  const alphaPerTest = thresholds.alpha / Math.max(tests, 1);
  const qualityChecks = measured.reduce((n, m) => n + 1 + (m.rare ? 1 : 0), 0);
  const qualityLevel = thresholds.alpha / Math.max(qualityChecks, 1);

  // Second pass: verdicts.
  for (const m of measured) {
    const own = judge(m, thresholds, tests, alphaPerTest, qualityLevel);
    m.score.drifted = own.some((f) => DRIFT_CHECKS.has(f.check));
    findings.push(...own);
  }

  return {
    rows,
    requests: window.requests,
    features: measured.filter((m) => !m.output).map((m) => m.score),
    outputs: measured.filter((m) => m.output).map((m) => m.score),
    findings,
    tests,
    alphaPerTest,
  };
}

const DRIFT_CHECKS: ReadonlySet<CheckName> = new Set<CheckName>(['ks', 'chi2', 'psi', 'wasserstein']);

function windowRows(window: WindowData): number {
  const all = [...window.features, ...window.outputs];
  const rows = all[0]?.values.length ?? 0;
  for (const c of all) {
    if (c.values.length !== rows) {
      throw new InvalidInputError(`window column "${c.name}": expected ${rows} rows (as "${all[0]?.name ?? ''}" has), got ${c.values.length}`);
    }
  }
  return rows;
}

function checkRequests(window: WindowData): void {
  if (!(Number.isInteger(window.requests) && window.requests >= 0)) {
    throw new InvalidInputError(`window requests: expected a non-negative integer, got ${window.requests}`);
  }
  if (!(Number.isInteger(window.schemaViolations) && window.schemaViolations >= 0 && window.schemaViolations <= window.requests)) {
    throw new InvalidInputError(
      `window schemaViolations: expected an integer from 0 to requests (${window.requests}), got ${window.schemaViolations}`,
    );
  }
}

function measureNumeric(p: NumericProfile, values: Float64Array, output: boolean, t: MonitorThresholds): Measured {
  const total = values.length;
  let missing = 0;
  for (let i = 0; i < total; i++) if (Number.isNaN(values[i]!)) missing++;
  const present = new Float64Array(total - missing);
  let k = 0;
  for (let i = 0; i < total; i++) if (!Number.isNaN(values[i]!)) present[k++] = values[i]!;

  const m = startMeasure(p, output, total, missing, present.length);
  const score = m.score;
  // A baseline without values has nothing to compare with but its missing rate.
  if (p.count === 0 || present.length === 0) return m;

  let outside = 0;
  for (let i = 0; i < present.length; i++) if (present[i]! < p.min || present[i]! > p.max) outside++;
  score.outOfRangeRate = outside / present.length;
  m.rare = { check: 'out_of_range', count: outside, present: present.length, expected: 2 / (p.count + 1) };
  m.range = { min: p.min, max: p.max };

  score.psi = populationStabilityIndex(p.counts, binCounts(present, p.edges));
  m.psiBins = p.counts.filter((c) => c > 0).length;
  m.psiRowsEffective = effectiveRows(present.length, p.count);
  m.baselineStd = p.std;

  if (present.length >= t.minRows && p.sample.length > 0) {
    const cap = testRowsCap(p.sample.length, t.minRows);
    const tested = present.length <= cap ? present : Float64Array.from(evenlySpaced(present.length, cap), (i) => present[i]!);
    m.testRows = tested.length;
    score.ks = ksTwoSample(tested, p.sample);
    // Over finite values only: ±Infinity is outside the baseline's range (out_of_range counts it), and one such row
    // would otherwise make the distance infinite. No finite value at all: no distance.
    const finite = present.filter(Number.isFinite);
    const w = finite.length > 0 ? wassersteinDistance(finite, p.sample) : Infinity;
    score.wasserstein = w;
    // std 0 (a constant baseline): any distance is an infinite number of stds, and 0 is none; never NaN.
    score.wassersteinStd = p.std > 0 ? w / p.std : w > 0 ? Infinity : 0;
  }
  return m;
}

function measureCategorical(p: CategoricalProfile, values: (string | null)[], output: boolean, t: MonitorThresholds): Measured {
  const total = values.length;
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values) {
    if (v === null) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  const presentRows = total - missing;
  const m = startMeasure(p, output, total, missing, presentRows);
  const score = m.score;
  if (presentRows === 0) return m;

  const unseen = [...counts].filter(([c]) => !Object.hasOwn(p.frequencies, c)).sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
  const unseenRows = unseen.reduce((n, [, c]) => n + c, 0);
  score.unseenRate = unseenRows / presentRows;
  score.unseen = unseen.slice(0, MAX_UNSEEN_LISTED).map(([c]) => c);
  const baselineEntries = Object.entries(p.frequencies).filter(([, c]) => c > 0);
  const baselineRows = baselineEntries.reduce((n, [, c]) => n + c, 0);
  const singletons = baselineEntries.filter(([, c]) => c === 1).length;
  m.rare = { check: 'unseen_categories', count: unseenRows, present: presentRows, expected: baselineRows > 0 ? singletons / baselineRows : 1 };
  m.unseenCategories = unseen.length;
  if (baselineRows === 0) return m;

  const seen = values.filter((v): v is string => v !== null && Object.hasOwn(p.frequencies, v));
  if (seen.length === 0) return m;
  // Cells sized for the rows the test will compare (capped, see testRowsCap); PSI uses the same cells with every row.
  const testRows = Math.min(seen.length, testRowsCap(baselineRows, t.minRows));
  const buckets = mergeSmallCategories(baselineEntries, baselineRows, testRows);
  const cellsOf = (tally: Map<string, number>): number[] => buckets.map((b) => b.categories.reduce((n, c) => n + (tally.get(c) ?? 0), 0));
  const baselineCounts = buckets.map((b) => b.baseline);
  score.psi = populationStabilityIndex(baselineCounts, cellsOf(counts));
  m.psiBins = buckets.length;
  m.psiRowsEffective = effectiveRows(seen.length, baselineRows);
  if (seen.length >= t.minRows && buckets.length >= 2) {
    let tally = counts;
    if (testRows < seen.length) {
      tally = new Map<string, number>();
      for (const i of evenlySpaced(seen.length, testRows)) tally.set(seen[i]!, (tally.get(seen[i]!) ?? 0) + 1);
    }
    m.testRows = testRows;
    score.chi2 = chiSquareHomogeneity(baselineCounts, cellsOf(tally));
  }
  return m;
}

const MAX_UNSEEN_LISTED = 20;

/** Fewest window rows a category is expected to get for its own cell in the chi-squared test (the textbook rule of 5). */
const MIN_EXPECTED = 5;

/**
 * The baseline's categories as chi-squared cells: those expected to get at least MIN_EXPECTED of the window's rows keep
 * their own cell; the rest share one "other" cell, itself folded into the smallest kept cell if still too small.
 */
function mergeSmallCategories(
  entries: [string, number][],
  baselineRows: number,
  windowRows: number,
): { categories: string[]; baseline: number }[] {
  const sorted = [...entries].sort((a, b) => b[1] - a[1] || cmp(a[0], b[0]));
  const kept: { categories: string[]; baseline: number }[] = [];
  const other = { categories: [] as string[], baseline: 0 };
  for (const [category, count] of sorted) {
    if ((count / baselineRows) * windowRows >= MIN_EXPECTED) kept.push({ categories: [category], baseline: count });
    else {
      other.categories.push(category);
      other.baseline += count;
    }
  }
  if (other.categories.length === 0) return kept;
  const smallest = kept[kept.length - 1];
  if ((other.baseline / baselineRows) * windowRows < MIN_EXPECTED && smallest !== undefined) {
    smallest.categories.push(...other.categories);
    smallest.baseline += other.baseline;
    return kept;
  }
  return [...kept, other];
}

/** The findings of one measured column, given the window's test count and levels. */
function judge(m: Measured, t: MonitorThresholds, tests: number, alphaPerTest: number, qualityLevel: number): Finding[] {
  const out: Finding[] = [];
  const s = m.score;
  const name = label(s.feature, m.output);
  const kind: FindingKind = m.output ? 'prediction_drift' : 'data_quality';
  const driftKind: FindingKind = m.output ? 'prediction_drift' : 'feature_drift';
  const qualitySeverity = (rate: number): Severity => (rate >= 0.5 ? 'critical' : 'warning');

  // Data quality.
  const allowedMissing = m.baselineMissingRate + t.missingRateIncrease;
  if (m.total > 0 && s.missingRate > allowedMissing && binomialTailAtLeast(m.missing, m.total, m.baselineMissingRate) < qualityLevel) {
    out.push({
      kind,
      feature: s.feature,
      check: 'missing_rate',
      severity: qualitySeverity(s.missingRate),
      value: s.missingRate,
      threshold: allowedMissing,
      message: `${name}: ${pct(s.missingRate)} missing in this window (baseline ${pct(m.baselineMissingRate)}; allowed up to ${pct(allowedMissing)})`,
    });
  }
  if (m.rare) {
    const rate = m.rare.count / m.rare.present;
    const limit = m.rare.check === 'out_of_range' ? t.outOfRangeRate : t.unseenCategoryRate;
    if (rate > limit && binomialTailAtLeast(m.rare.count, m.rare.present, m.rare.expected) < qualityLevel) {
      const what =
        m.rare.check === 'out_of_range'
          ? `of values outside the baseline's range [${num(m.range?.min ?? NaN, 4)}, ${num(m.range?.max ?? NaN, 4)}]`
          : `of values in categories the baseline never saw`;
      const list =
        m.rare.check === 'unseen_categories' && s.unseen && s.unseen.length > 0
          ? `: ${s.unseen.map((c) => JSON.stringify(c)).join(', ')}${s.unseen.length < (m.unseenCategories ?? 0) ? `, … (${m.unseenCategories} in all)` : ''}`
          : '';
      out.push({
        kind,
        feature: s.feature,
        check: m.rare.check,
        severity: qualitySeverity(rate),
        value: rate,
        threshold: limit,
        message: `${name}: ${pct(rate)} ${what} (allowed ${pct(limit)})${list}`,
      });
    }
  }

  // Drift.
  const test = s.ks ? { check: 'ks' as const, label: 'KS', r: s.ks } : s.chi2 ? { check: 'chi2' as const, label: 'chi-squared', r: s.chi2 } : undefined;
  const context = [
    `PSI ${num(s.psi)}`,
    ...(s.wassersteinStd !== undefined && Number.isFinite(s.wassersteinStd) ? [`Wasserstein ${num(s.wassersteinStd)} std`] : []),
  ].join(', ');
  if (test && test.r.pValue < alphaPerTest) {
    const stat = s.chi2 && test.check === 'chi2' ? `${num(s.chi2.statistic)} on ${s.chi2.dof} dof` : num(test.r.statistic);
    const cut = m.testRows !== undefined && m.testRows < s.rows ? ` on ${m.testRows} of ${s.rows} rows` : '';
    out.push({
      kind: driftKind,
      feature: s.feature,
      check: test.check,
      severity: test.r.pValue < alphaPerTest / 100 ? 'critical' : 'warning',
      value: test.r.statistic,
      threshold: alphaPerTest,
      pValue: test.r.pValue,
      message: `${name} drifted: ${test.label} ${stat}${cut} (p=${num(test.r.pValue)} < ${num(alphaPerTest)}, Bonferroni over ${tests} tests), ${context}`,
    });
  }
  const psiTrusted =
    m.psiBins >= 2 && chiSquareSurvival(m.psiRowsEffective * t.psiWarning, m.psiBins - 1) < alphaPerTest / 100;
  if (psiTrusted && s.psi >= t.psiWarning) {
    const critical = s.psi >= t.psiCritical;
    const level = critical ? 'critical' : `warning; critical at ${num(t.psiCritical)}`;
    out.push({
      kind: driftKind,
      feature: s.feature,
      check: 'psi',
      severity: critical ? 'critical' : 'warning',
      value: s.psi,
      threshold: critical ? t.psiCritical : t.psiWarning,
      message: `${name} drifted: PSI ${num(s.psi)} ≥ ${num(critical ? t.psiCritical : t.psiWarning)} (${level}) over ${m.psiBins} bins`,
    });
  }
  const ksRejected = s.ks !== undefined && s.ks.pValue < alphaPerTest;
  if (ksRejected && s.wassersteinStd !== undefined && Number.isFinite(s.wassersteinStd) && s.wassersteinStd >= t.wassersteinStd) {
    out.push({
      kind: driftKind,
      feature: s.feature,
      check: 'wasserstein',
      severity: 'warning',
      value: s.wassersteinStd,
      threshold: t.wassersteinStd,
      message:
        `${name} drifted: Wasserstein distance ${num(s.wasserstein ?? NaN)} = ${num(s.wassersteinStd)} baseline std ` +
        `(${num(m.baselineStd ?? NaN)}) ≥ ${num(t.wassersteinStd)}`,
    });
  }
  return out;
}

function label(name: string, output: boolean): string {
  return `${output ? 'prediction' : 'feature'} "${name}"`;
}

function missingRate(count: number, missing: number): number {
  return count + missing > 0 ? missing / (count + missing) : 0;
}

/** Rows that carry the same noise as the comparison of n window rows with N baseline rows: n N / (n + N). */
function effectiveRows(n: number, baselineN: number): number {
  return (n * baselineN) / (n + baselineN);
}

/**
 * P(X >= k) for X ~ Binomial(n, p), exact. Only small upper tails matter here (k above the mean), so a k at or below the
 * mean answers 1 without summing (the true tail is then about one half or more, far above any test level).
 */
export function binomialTailAtLeast(k: number, n: number, p: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p <= 0) return 0;
  if (p >= 1) return 1;
  if (k <= n * p) return 1;
  // log P(X = k) = log C(n, k) + k log p + (n - k) log(1 - p); then P(X = j + 1) = P(X = j) (n - j) / (j + 1) p / (1 - p).
  let logTerm = k * Math.log(p) + (n - k) * Math.log1p(-p);
  for (let i = 1; i <= k; i++) logTerm += Math.log((n - k + i) / i);
  let term = Math.exp(logTerm);
  let sum = term;
  const odds = p / (1 - p);
  for (let j = k; j < n && term > sum * 1e-17; j++) {
    term *= ((n - j) / (j + 1)) * odds;
    sum += term;
  }
  return Math.min(sum, 1);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `digits` significant digits (2 unless said), exponent form for very small or large magnitudes: p=2.1e-9, KS 0.31. */
function num(x: number, digits = 2): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? '∞' : '-∞';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a < 1e-3 || a >= 1e6) return x.toExponential(digits - 1);
  return String(Number(x.toPrecision(digits)));
}

function pct(rate: number): string {
  return `${num(rate * 100)}%`;
}
