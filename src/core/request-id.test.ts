// Generated request ids: UUIDv7, ordered by time, strictly increasing within a process.
import { beforeEach, describe, expect, it, vi } from 'vitest';

type MakeId = (now?: number) => string;
let timeOrderedId: MakeId;

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const timeOf = (id: string): number => parseInt(id.slice(0, 13).replace('-', ''), 16);

describe('timeOrderedId', () => {
  beforeEach(async () => {
    // Each test starts from a process's first id: the module keeps the last millisecond it used.
    vi.resetModules();
    ({ timeOrderedId } = await import('./request-id.js'));
  });

  it('is a version 7 UUID carrying its millisecond, whose text sorts by time', () => {
    const a = timeOrderedId(1_796_141_477_395);
    const b = timeOrderedId(1_796_141_477_396);
    expect(a).toMatch(UUID_V7);
    expect(b).toMatch(UUID_V7);
    expect(timeOf(a)).toBe(1_796_141_477_395);
    expect(a < b).toBe(true);
  });

  it('counts within a millisecond, and past 4,096 ids moves on to the next one, every id greater than the last', () => {
    const ids = Array.from({ length: 5000 }, () => timeOrderedId(1_000_000));
    expect(new Set(ids).size).toBe(5000);
    expect([...ids].sort()).toEqual(ids);
    ids.forEach((id) => expect(id).toMatch(UUID_V7));
    expect(timeOf(ids[4095]!)).toBe(1_000_000);
    expect(timeOf(ids[4096]!)).toBe(1_000_001);
  });

  it('keeps increasing when the clock steps back', () => {
    const before = timeOrderedId(2_000_000);
    const after = timeOrderedId(1_999_000);
    expect(after > before).toBe(true);
    expect(timeOf(after)).toBe(2_000_000);
    // Once the clock passes the last millisecond used, ids carry the clock's time again.
    expect(timeOf(timeOrderedId(2_000_005))).toBe(2_000_005);
  });

  it('gives every id random bits of its own, so one id does not tell another of the same millisecond', () => {
    const ids = Array.from({ length: 300 }, () => timeOrderedId(3_000_000));
    // The counter (rand_a) orders them; the 62 bits after it are drawn per id.
    expect(ids.map((id) => parseInt(id.slice(15, 18), 16))).toEqual(ids.map((_, i) => i));
    expect(new Set(ids.map((id) => id.slice(19))).size).toBe(300);
    // Across many ids every hex digit of the random part turns up (no stuck digit or byte).
    const digits = new Set(ids.flatMap((id) => [...id.slice(24)]));
    expect(digits.size).toBe(16);
  });
});
