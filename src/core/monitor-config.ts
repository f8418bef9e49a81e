// Per-endpoint monitor settings: the tumbling window, the baseline to compare with, thresholds, and the alert webhook.

import type { MonitorThresholds, Severity } from './baseline.js';
import { fieldError, fieldsOf, optBool, optDuration, optEnum, optInteger, optNumber, optString, optUrl } from './config-fields.js';
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

const THRESHOLD_FIELDS = [
  'alpha', 'psiWarning', 'psiCritical', 'wassersteinStd', 'missingRateIncrease', 'outOfRangeRate', 'unseenCategoryRate',
  'schemaViolationRate', 'minRows',
] as const;

function parseThresholds(value: unknown): Partial<MonitorThresholds> {
  const obj = fieldsOf(value, 'thresholds.', THRESHOLD_FIELDS);
  const out: Partial<MonitorThresholds> = {};
  for (const key of THRESHOLD_FIELDS) {
    const v = key === 'minRows' ? optInteger(obj, key, 'thresholds.', 1, 1e9) : optNumber(obj, key, 'thresholds.', 0, 1e9);
    if (v !== undefined) out[key] = v;
  }
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
    thresholds: obj.thresholds !== undefined && obj.thresholds !== null ? { ...base.thresholds, ...parseThresholds(obj.thresholds) } : obj.thresholds === null ? {} : base.thresholds,
    webhook: 'webhook' in obj ? (obj.webhook === null ? null : parseWebhook(obj.webhook, base.webhook)) : base.webhook,
  };
  return config;
}
