// Points in time in queries and flags: ISO times and durations ago.
import { describe, expect, it } from 'vitest';
import { parseTimePoint } from './time-point.js';

describe('parseTimePoint', () => {
  const now = Date.parse('2026-12-01T12:00:00Z');
  it('reads ISO times and durations ago', () => {
    expect(parseTimePoint('2026-11-30T12:00:00Z', 'since', now)).toBe(Date.parse('2026-11-30T12:00:00Z'));
    expect(parseTimePoint('2h', 'since', now)).toBe(now - 7_200_000);
    expect(parseTimePoint('7d', 'since', now)).toBe(now - 7 * 86_400_000);
  });
  it('names the field and the expected forms on bad input', () => {
    expect(() => parseTimePoint('yesterday', 'until', now)).toThrow(/until: expected an ISO 8601 time/);
    expect(() => parseTimePoint('12', 'since', now)).toThrow(/since/);
  });
});
