import { describe, expect, it } from 'vitest';
import type { SeriesPoint } from './api-types.js';
import { SeriesWindow } from './series-window.js';

const point = (t: number, requests: number): SeriesPoint => ({
  t, requests, errors: { overloaded: 0, deadline: 0, cancelled: 0, invalid: 0, error: 0 }, p50Ms: null, p99Ms: null, queue: null, batchSize: null, agreement: null,
});

describe('SeriesWindow', () => {
  it('merges polls, aligns variants on one time axis and drops what is older than its seconds', () => {
    const w = new SeriesWindow(3);
    w.add({ endpoint: 'e', now: 12, stepSeconds: 1, variants: [{ variant: 'a', live: true, points: [point(10, 1), point(11, 2)] }] });
    w.add({ endpoint: 'e', now: 13, stepSeconds: 1, variants: [{ variant: 'a', live: true, points: [point(12, 3)] }, { variant: 'b', live: true, shadow: true, points: [point(12, 9)] }] });
    expect(w.last).toBe(12);
    const times = w.times();
    expect(times).toEqual([10, 11, 12]);
    const [a, b] = w.list();
    expect(w.column(times, a!, (p) => p.requests)).toEqual([1, 2, 3]);
    expect(w.column(times, b!, (p) => p.requests)).toEqual([null, null, 9]);
    w.add({ endpoint: 'e', now: 15, stepSeconds: 1, variants: [{ variant: 'a', live: true, points: [point(14, 4)] }, { variant: 'b', live: false, points: [] }] });
    expect(w.times()).toEqual([12, 13, 14]);
    w.add({ endpoint: 'e', now: 30, stepSeconds: 1, variants: [{ variant: 'a', live: true, points: [] }, { variant: 'b', live: false, points: [] }] });
    expect(w.list().map((v) => v.variant)).toEqual(['a']);
  });
});
