// Baselines and drift findings: the statistical profile live data is compared with, and what a comparison finds.

export type FeatureKind = 'numeric' | 'categorical';

/** One column of values to profile or to check: numbers (NaN = missing) or categories (null = missing). */
export type FeatureColumn =
  | { name: string; kind: 'numeric'; values: Float64Array }
  | { name: string; kind: 'categorical'; values: (string | null)[] };

export interface NumericProfile {
  kind: 'numeric';
  name: string;
  /** Values present (not missing, not NaN). */
  count: number;
  /** Values missing or NaN. */
  missing: number;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** Quantiles at p = 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99 (linear interpolation, numpy's default). */
  quantiles: { p: number; value: number }[];
  /**
   * Interior bin edges, ascending and distinct (from the baseline's deciles): bins are (-inf, e0), [e0, e1), …, [ek, +inf),
   * so `counts.length === edges.length + 1`. PSI compares proportions over these bins.
   */
  edges: number[];
  counts: number[];
  /** The baseline's values (all of them, or a seeded reservoir sample when there are more), sorted: KS and Wasserstein use it. */
  sample: number[];
}

export interface CategoricalProfile {
  kind: 'categorical';
  name: string;
  count: number;
  missing: number;
  /** Count per category seen in the baseline. */
  frequencies: Record<string, number>;
}

export type FeatureProfile = NumericProfile | CategoricalProfile;

export interface BaselineSource {
  kind: 'package' | 'captures';
  /** Package-relative data file (kind package). */
  file?: string;
  /** Endpoint and time range of the captures (kind captures). */
  endpoint?: string;
  since?: string;
  until?: string;
}

export interface BaselineProfile {
  source: BaselineSource;
  rows: number;
  createdAt: string;
  features: FeatureProfile[];
  /** The model's outputs on the baseline: predicted classes (categorical) for classifiers, values (numeric) for regressors. */
  outputs: FeatureProfile[];
}

/** Thresholds of a monitor. Every field has a default (DEFAULT_THRESHOLDS in core/monitor-config.ts, with the rules each must meet). */
export interface MonitorThresholds {
  /** Family-wise false-alarm level per window: each test is run at alpha / (number of tests) (Bonferroni). */
  alpha: number;
  /** PSI at or above this is a warning; at or above psiCritical, critical. */
  psiWarning: number;
  psiCritical: number;
  /** Wasserstein distance divided by the baseline's standard deviation; at or above it, the feature drifted. */
  wassersteinStd: number;
  /** Missing/NaN rate above the baseline's by more than this is a data-quality finding. */
  missingRateIncrease: number;
  /** Share of values outside the baseline's [min, max] above this is a data-quality finding. */
  outOfRangeRate: number;
  /** Share of values in categories the baseline never saw above this is a data-quality finding. */
  unseenCategoryRate: number;
  /** Share of requests rejected as not matching the model's signature above this is a data-quality finding. */
  schemaViolationRate: number;
  /** Windows with fewer rows than this are evaluated for data quality only (too few rows for a drift test). */
  minRows: number;
}

export const FINDING_KINDS = ['feature_drift', 'prediction_drift', 'data_quality'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];
export type CheckName = 'ks' | 'chi2' | 'psi' | 'wasserstein' | 'missing_rate' | 'out_of_range' | 'unseen_categories' | 'schema';
export type Severity = 'warning' | 'critical';

/** Whether a severity reaches a minimum (webhook filters, retraining triggers). */
export function severityAtLeast(severity: Severity, min: Severity): boolean {
  return (severity === 'critical' ? 2 : 1) >= (min === 'critical' ? 2 : 1);
}

/** One thing a window check found wrong. */
export interface Finding {
  kind: FindingKind;
  /** Feature or output name; '(request)' for schema violations. */
  feature: string;
  check: CheckName;
  severity: Severity;
  /** The measured value (statistic, rate or distance) and the threshold it crossed. */
  value: number;
  threshold: number;
  pValue?: number;
  message: string;
}

/** Every statistic of one feature (or output) in one window, drifted or not: what gauges and `monitor status` show. */
export interface FeatureScore {
  feature: string;
  kind: FeatureKind;
  /** Rows present in the window for this feature (missing excluded). */
  rows: number;
  missingRate: number;
  ks?: { statistic: number; pValue: number };
  chi2?: { statistic: number; pValue: number; dof: number };
  psi: number;
  /** Raw distance, and the distance divided by the baseline's standard deviation. */
  wasserstein?: number;
  wassersteinStd?: number;
  outOfRangeRate?: number;
  unseenRate?: number;
  unseen?: string[];
  drifted: boolean;
}

export interface WindowEvaluation {
  rows: number;
  requests: number;
  features: FeatureScore[];
  outputs: FeatureScore[];
  findings: Finding[];
  /** Number of hypothesis tests run in the window, and the level each was run at. */
  tests: number;
  alphaPerTest: number;
}
