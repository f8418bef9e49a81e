// A rate limit as people write it (requests per second with a burst), checked with the field named; for endpoints and tokens.

import { boundedJson } from './describe-value.js';
import { InvalidInputError } from './errors.js';

export interface RateLimit {
  /** Sustained requests per second (may be fractional: 0.5 is one request every two seconds). */
  requestsPerSecond: number;
  /** Requests admitted at once after a quiet spell; at least 1. Default: requestsPerSecond rounded up. */
  burst: number;
}

export const RATE_LIMIT_FIELDS = ['requestsPerSecond', 'burst'] as const;
const MAX_RATE = 1_000_000;

function fail(field: string, expected: string, got: unknown): never {
  throw new InvalidInputError(`${field}: expected ${expected}, got ${boundedJson(got) ?? 'nothing'}`);
}

/** `{requestsPerSecond, burst?}` checked; `field` names it in errors (e.g. "rateLimit", "tokenRateLimits.ci"). */
export function parseRateLimit(value: unknown, field: string): RateLimit {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'a mapping of requestsPerSecond and burst', value);
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    if (!(RATE_LIMIT_FIELDS as readonly string[]).includes(key)) {
      throw new InvalidInputError(`${field}.${key}: unknown field; expected one of ${RATE_LIMIT_FIELDS.join(', ')}`);
    }
  }
  const rate = obj.requestsPerSecond;
  if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0 || rate > MAX_RATE) {
    fail(`${field}.requestsPerSecond`, `a number above 0 and at most ${MAX_RATE}`, rate);
  }
  let burst = Math.max(1, Math.ceil(rate));
  if (obj.burst !== undefined && obj.burst !== null) {
    const b = obj.burst;
    if (typeof b !== 'number' || !Number.isInteger(b) || b < 1 || b > MAX_RATE) fail(`${field}.burst`, `a whole number from 1 to ${MAX_RATE}`, b);
    burst = b;
  }
  return { requestsPerSecond: rate, burst };
}

/**
 * Limits per token name from `name=rps[:burst],…` (the SLIPWAY_TOKEN_RATE_LIMITS and --token-rate-limit form);
 * `*` names every token not listed.
 */
export function parseRateLimitList(text: string, field: string): Record<string, RateLimit> {
  const out: Record<string, RateLimit> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const m = /^([^=\s]+)=([0-9.]+)(?::([0-9]+))?$/.exec(item);
    if (!m) fail(field, 'entries such as "ci=10:20" (token name = requests per second : burst), separated by commas', item);
    const [, name, rate, burst] = m;
    out[name!] = parseRateLimit({ requestsPerSecond: Number(rate), ...(burst !== undefined ? { burst: Number(burst) } : {}) }, `${field}.${name!}`);
  }
  return out;
}

/** Checks a mapping of token name → limit (the config file's `tokenRateLimits`). */
export function parseRateLimitMap(value: unknown, field: string): Record<string, RateLimit> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(field, 'a mapping of token name to {requestsPerSecond, burst}', value);
  const out: Record<string, RateLimit> = {};
  for (const [name, limit] of Object.entries(value)) out[name] = parseRateLimit(limit, `${field}.${name}`);
  return out;
}
