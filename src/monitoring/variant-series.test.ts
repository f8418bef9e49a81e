import { describe, expect, it } from 'vitest';
import { VariantSeries } from './variant-series.js';

describe('VariantSeries', () => {
  it('turns a second of requests into one point with counts, percentiles, batch size and samples', () => {
    const s = new VariantSeries(60);
    for (let i = 1; i <= 100; i++) s.record(10, true, i);
    s.record(10, false, 0, 'overloaded');
    s.record(10, false, 0);
    s.recordBatch(10, 4);
    s.recordBatch(10, 2);
    s.sample(10, 7, 0.5);
    expect(s.points(10)).toEqual([]); // the second is not over yet
    const [p] = s.points(11);
    expect(p).toEqual({
      t: 10, requests: 100, errors: { overloaded: 1, deadline: 0, cancelled: 0, invalid: 0, error: 1 },
      p50Ms: 50, p99Ms: 99, queue: 7, batchSize: 3, agreement: 0.5,
    });
  });

  it('fills quiet seconds with zeros and keeps only its capacity', () => {
    const s = new VariantSeries(5);
    s.record(100, true, 1);
    s.record(103, true, 2);
    expect(s.points(104).map((p) => [p.t, p.requests])).toEqual([[100, 1], [101, 0], [102, 0], [103, 1]]);
    expect(s.points(104)[1]!.p99Ms).toBeNull();
    s.record(200, true, 3);
    const later = s.points(201);
    expect(later.map((p) => p.t)).toEqual([196, 197, 198, 199, 200]);
    expect(s.lastSecond).toBe(200);
  });

  it('answers only the points after `since`', () => {
    const s = new VariantSeries(10);
    for (let t = 1; t <= 5; t++) s.record(t, true, t);
    expect(s.points(6, 3).map((p) => p.t)).toEqual([4, 5]);
  });

  it('bounds the latencies kept per second (a reservoir) and still gives percentiles', () => {
    const s = new VariantSeries(3, () => 0.999_999);
    for (let i = 0; i < 10_000; i++) s.record(1, true, i < 5000 ? 1 : 2);
    const [p] = s.points(2);
    expect(p!.requests).toBe(10_000);
    expect(p!.p50Ms).toBe(1);
  });

  it('refuses a capacity that is not a positive whole number', () => {
    expect(() => new VariantSeries(0)).toThrow(/capacity/);
  });
});
