// Generated request ids: UUIDv7, ordered by time.
import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './request-id.js';

describe('timeOrderedId', () => {
  it('is a version 7 UUID whose text sorts by time', () => {
    const a = timeOrderedId(1_796_141_477_395);
    const b = timeOrderedId(1_796_141_477_396);
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(a.slice(0, 13).replace('-', '')).toBe((1_796_141_477_395).toString(16).padStart(12, '0'));
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => timeOrderedId(5))).size).toBe(1000);
  });
});
