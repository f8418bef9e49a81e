// Points in time as people write them in queries and flags: an ISO 8601 timestamp, or a duration ago ("1h", "7d").

import { parseLongDuration } from './config-fields.js';
import { InvalidInputError } from './errors.js';

/** ms since the epoch: `2026-11-30T12:00:00Z` as written, `90m` / `7d` as that long before `now`. */
export function parseTimePoint(text: string, field: string, now = Date.now()): number {
  const trimmed = text.trim();
  if (/^\d+(?:\.\d+)?(ms|s|m|h|d)$/.test(trimmed)) return now - parseLongDuration(trimmed, field);
  const time = Date.parse(trimmed);
  if (Number.isNaN(time) || !/^\d{4}-\d{2}-\d{2}/.test(trimmed)) {
    throw new InvalidInputError(`${field}: expected an ISO 8601 time such as "2026-11-30T12:00:00Z" or a duration ago such as "1h" or "7d", got ${JSON.stringify(text)}`);
  }
  return time;
}
