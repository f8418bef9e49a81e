// Reading typed fields out of a JSON/YAML body with errors that point at the field: shared by the loop's settings parsers.

import { boundedJson } from './describe-value.js';
import { parseDuration } from './duration.js';
import { InvalidInputError } from './errors.js';

export type Fields = Record<string, unknown>;

export function fieldError(field: string, expected: string, got: unknown): InvalidInputError {
  return new InvalidInputError(`field "${field}": expected ${expected}, got ${boundedJson(got) ?? 'nothing'}`);
}

/** The body as a mapping whose keys are all known; `at` prefixes field names in errors (e.g. "capture."). */
export function fieldsOf(value: unknown, at: string, known: readonly string[]): Fields {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw fieldError(at || '(body)', 'a mapping of fields', value);
  const obj = value as Fields;
  for (const key of Object.keys(obj)) {
    if (!known.includes(key)) throw new InvalidInputError(`field "${at}${key}" is not known; expected one of ${known.join(', ')}`);
  }
  return obj;
}

export function optBool(obj: Fields, key: string, at: string): boolean | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'boolean') throw fieldError(at + key, 'true or false', v);
  return v;
}

export function optNumber(obj: Fields, key: string, at: string, min: number, max: number): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) throw fieldError(at + key, `a number from ${min} to ${max}`, v);
  return v;
}

export function optInteger(obj: Fields, key: string, at: string, min: number, max: number): number | undefined {
  const v = optNumber(obj, key, at, min, max);
  if (v !== undefined && !Number.isInteger(v)) throw fieldError(at + key, `a whole number from ${min} to ${max}`, v);
  return v;
}

export function optString(obj: Fields, key: string, at: string): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || v.trim() === '') throw fieldError(at + key, 'a non-empty string', v);
  return v;
}

export function optEnum<T extends string>(obj: Fields, key: string, at: string, values: readonly T[]): T | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' || !(values as readonly string[]).includes(v)) throw fieldError(at + key, `one of ${values.join(', ')}`, v);
  return v as T;
}

/** A duration as "30s", "5m", "1h" or "7d", or a number of seconds (as everywhere in Slipway). */
export function optDuration(obj: Fields, key: string, at: string): number | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number') throw fieldError(at + key, 'a duration such as "30s", "5m", "1h" or "7d"', v);
  return parseLongDuration(v, at + key);
}

/** Durations up to days: retention and schedules are written in days ("7d"); the rest as core/duration.ts reads them. */
export function parseLongDuration(text: string | number, field: string): number {
  if (typeof text === 'string') {
    const days = /^(\d+(?:\.\d+)?)d$/.exec(text.trim());
    if (days) return Math.round(Number(days[1]) * 86_400_000);
  }
  return parseDuration(text, field);
}

/** An http(s) URL, for webhooks. */
export function optUrl(obj: Fields, key: string, at: string): string | undefined {
  const v = optString(obj, key, at);
  if (v === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw fieldError(at + key, 'an http:// or https:// URL', v);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw fieldError(at + key, 'an http:// or https:// URL', v);
  return v;
}
