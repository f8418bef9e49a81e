// Per-endpoint monitor settings: the tumbling window, the baseline to compare with, thresholds, and the alert webhook.

import type { MonitorThresholds, Severity } from './baseline.js';
import { fieldError, fieldsOf, optBool, optDuration, optEnum, optInteger, optString, optUrl } from './config-fields.js';
import { InvalidInputError } from './errors.js';
import { parseVersion } from './model-ref.js';

export interface WebhookConfig {
  url: string;
  /** Only events at or above this severity are sent. */
  minSeverity: Severity;
  /** Sent as-is with every delivery (e.g. an Authorization header). */
  headers: Record<string, string>;
}

export interface MonitorConfig {
  enabled: boolean;
  /** Tumbling windows of this many captured rows, or of this duration (exactly one is set). */
  windowRows: number | null;
  windowMs: number | null;
  /** The version whose baseline the windows are compared with; null = the version that served the window. */
  baseline: { model: string; version: number } | null;
  thresholds: Partial<MonitorThresholds>;
  webhook: WebhookConfig | null;
}

export const DEFAULT_MONITOR: MonitorConfig = {
  enabled: false,
  windowRows: 1000,
  windowMs: null,
  baseline: null,
  thresholds: {},
  webhook: null,
};

/**
 * Defaults of every monitor threshold, and why:
 * - alpha 0.01: at most about one false drift alert per hundred windows, whatever the number of features (Bonferroni).
 * - psiWarning 0.1 / psiCritical 0.25: the usual credit-scoring reading of PSI (below 0.1 stable, 0.1–0.25 moderate shift,
 *   above 0.25 major shift).
 * - wassersteinStd 0.5: a move of half a baseline standard deviation, a "medium" effect in Cohen's terms. It qualifies a
 *   KS rejection as material (see evaluateWindow); a window drawn from the baseline sits near 0.19 std at minRows rows
 *   for a normal feature (about 1.3 / sqrt(rows)).
 * - missingRateIncrease 0.05, outOfRangeRate 0.05: five rows in a hundred is a broken upstream, not noise.
 * - unseenCategoryRate 0.01: new categories are rare in healthy traffic; one row in a hundred is worth a look.
 * - schemaViolationRate 0.01: the same for requests the signature rejects.
 * - minRows 50: below it KS and chi-squared have too little power to be worth the tests they cost in the Bonferroni count.
 */
export const DEFAULT_THRESHOLDS: MonitorThresholds = Object.freeze({
  alpha: 0.01,
  psiWarning: 0.1,
  psiCritical: 0.25,
  wassersteinStd: 0.5,
  missingRateIncrease: 0.05,
  outOfRangeRate: 0.05,
  unseenCategoryRate: 0.01,
  schemaViolationRate: 0.01,
  minRows: 50,
});

/** What one threshold accepts: a test of its value within the whole set (psiCritical depends on psiWarning), in words. */
interface ThresholdRule {
  holds: (value: number, all: MonitorThresholds) => boolean;
  expected: (all: MonitorThresholds) => string;
}

const rate: ThresholdRule = { holds: (v) => v >= 0 && v <= 1, expected: () => 'a rate in [0, 1]' };

/**
 * Every threshold field and its bounds: the one list both the settings parser (when a monitor is set) and the window
 * evaluation (resolveThresholds) judge by. psiWarning and wassersteinStd may be Infinity to turn those checks off; 0 is
 * refused since PSI and distances are never negative, so every window would alert.
 */
export const THRESHOLD_RULES: { readonly [K in keyof MonitorThresholds]: ThresholdRule } = {
  alpha: { holds: (v) => v > 0 && v < 1, expected: () => 'a number in (0, 1)' },
  psiWarning: { holds: (v) => v > 0, expected: () => 'a number above 0 (Infinity turns PSI alerts off)' },
  psiCritical: { holds: (v, all) => v >= all.psiWarning, expected: (all) => `a number at or above psiWarning (${all.psiWarning})` },
  wassersteinStd: { holds: (v) => v > 0, expected: () => 'a number above 0 (Infinity turns Wasserstein alerts off)' },
  missingRateIncrease: rate,
  outOfRangeRate: rate,
  unseenCategoryRate: rate,
  schemaViolationRate: rate,
  minRows: { holds: (v) => Number.isInteger(v) && v >= 1, expected: () => 'an integer of at least 1' },
};

export const THRESHOLD_FIELDS = Object.keys(THRESHOLD_RULES) as (keyof MonitorThresholds)[];

/** The first threshold of a complete set that breaks its rule, and what it expects; undefined when every one holds. */
export function thresholdProblem(all: MonitorThresholds): { field: keyof MonitorThresholds; expected: string } | undefined {
  for (const field of THRESHOLD_FIELDS) {
    const rule = THRESHOLD_RULES[field];
    if (!rule.holds(all[field], all)) return { field, expected: rule.expected(all) };
  }
  return undefined;
}

/**
 * The thresholds a body sets, merged over `base`, judged as the windows will use them (with the defaults for fields
 * never set): a monitor that could not evaluate a window is refused when it is set, naming the field.
 */
function parseThresholds(value: unknown, base: Partial<MonitorThresholds>): Partial<MonitorThresholds> {
  const obj = fieldsOf(value, 'thresholds.', THRESHOLD_FIELDS);
  const out: Partial<MonitorThresholds> = { ...base };
  for (const key of THRESHOLD_FIELDS) {
    const v = obj[key];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) throw fieldError(`thresholds.${key}`, 'a number', v);
    out[key] = v;
  }
  const all = { ...DEFAULT_THRESHOLDS, ...out };
  const problem = thresholdProblem(all);
  if (problem) throw fieldError(`thresholds.${problem.field}`, problem.expected, all[problem.field]);
  return out;
}

/** Fields left out keep their value in `base` (a webhook already set); a new webhook needs its url. */
function parseWebhook(value: unknown, base: WebhookConfig | null): WebhookConfig {
  const obj = fieldsOf(value, 'webhook.', ['url', 'minSeverity', 'headers']);
  const url = optUrl(obj, 'url', 'webhook.') ?? base?.url;
  if (!url) throw fieldError('webhook.url', 'the URL events are posted to', obj.url);
  const headers = obj.headers ?? base?.headers ?? {};
  if (typeof headers !== 'object' || headers === null || Array.isArray(headers) || !Object.values(headers).every((h) => typeof h === 'string')) {
    throw fieldError('webhook.headers', 'a mapping of header names to strings', headers);
  }
  return { url, minSeverity: optEnum(obj, 'minSeverity', 'webhook.', ['warning', 'critical'] as const) ?? base?.minSeverity ?? 'warning', headers: headers as Record<string, string> };
}

function parseBaselineRef(value: unknown): { model: string; version: number } | null {
  if (value === null) return null;
  if (typeof value === 'string') {
    const m = /^([^:@]+):(\d+)$/.exec(value);
    if (!m) throw fieldError('baseline', 'a model version such as "digits:3", or null for the serving version', value);
    return { model: m[1]!, version: parseVersion(m[2]!, 'baseline') };
  }
  const obj = fieldsOf(value, 'baseline.', ['model', 'version']);
  const model = optString(obj, 'model', 'baseline.');
  const version = optInteger(obj, 'version', 'baseline.', 1, Number.MAX_SAFE_INTEGER);
  if (!model || version === undefined) throw fieldError('baseline', '{model, version}', value);
  return { model, version };
}

/** Reads a monitor settings body; fields left out keep their value in `base`. */
export function parseMonitorConfig(body: unknown, base: MonitorConfig = DEFAULT_MONITOR): MonitorConfig {
  const obj = fieldsOf(body, '', ['enabled', 'windowRows', 'window', 'baseline', 'thresholds', 'webhook']);
  const windowRows = optInteger(obj, 'windowRows', '', 10, 10_000_000);
  const windowMs = optDuration(obj, 'window', '');
  if (windowRows !== undefined && windowMs !== undefined) {
    throw new InvalidInputError('fields "windowRows" and "window": a window is counted in rows or in time, set one of them');
  }
  if (windowMs !== undefined && windowMs < 1000) throw fieldError('window', 'a duration of at least 1s', obj.window);
  const config: MonitorConfig = {
    enabled: optBool(obj, 'enabled', '') ?? base.enabled,
    windowRows: windowRows ?? (windowMs !== undefined ? null : base.windowRows),
    windowMs: windowMs ?? (windowRows !== undefined ? null : base.windowMs),
    baseline: 'baseline' in obj ? parseBaselineRef(obj.baseline) : base.baseline,
    // Nested fields merge as the top level does: a threshold left out keeps its value.
    thresholds: obj.thresholds !== undefined && obj.thresholds !== null ? parseThresholds(obj.thresholds, base.thresholds) : obj.thresholds === null ? {} : base.thresholds,
    webhook: 'webhook' in obj ? (obj.webhook === null ? null : parseWebhook(obj.webhook, base.webhook)) : base.webhook,
  };
  return config;
}
