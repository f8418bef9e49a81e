import { describe, expect, it } from 'vitest';
import { TokenBucket } from './token-bucket.js';

describe('TokenBucket', () => {
  it('admits a burst at once, then one request per 1/rate seconds', () => {
    let now = 1_000;
    const bucket = new TokenBucket(2, 3, now);
    expect([bucket.take(now), bucket.take(now), bucket.take(now)]).toEqual([true, true, true]);
    expect(bucket.take(now)).toBe(false);
    expect(bucket.waitMs(now)).toBe(500);
    now += 499;
    expect(bucket.take(now)).toBe(false);
    now += 1;
    expect(bucket.take(now)).toBe(true);
    expect(bucket.take(now)).toBe(false);
  });

  it('refills up to the burst and no further', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 2, now);
    bucket.take(now);
    bucket.take(now);
    now += 60_000;
    expect(bucket.waitMs(now)).toBe(0);
    expect([bucket.take(now), bucket.take(now), bucket.take(now)]).toEqual([true, true, false]);
  });

  it('waitMs takes nothing, and a clock that goes back refills nothing', () => {
    const bucket = new TokenBucket(1, 1, 5_000);
    expect(bucket.waitMs(5_000)).toBe(0);
    expect(bucket.waitMs(5_000)).toBe(0);
    expect(bucket.take(5_000)).toBe(true);
    expect(bucket.take(4_000)).toBe(false);
    expect(bucket.waitMs(4_000)).toBe(1_000);
    expect(bucket.waitMs(5_250)).toBe(750);
  });

  it('a fractional rate waits the whole interval (Retry-After is derived from it)', () => {
    const bucket = new TokenBucket(0.5, 1, 0);
    expect(bucket.take(0)).toBe(true);
    expect(bucket.waitMs(0)).toBe(2_000);
  });
});
