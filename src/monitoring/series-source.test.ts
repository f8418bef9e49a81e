import { describe, expect, it } from 'vitest';
import type { VariantSeriesView } from './series-recorder.js';
import { mergeProcessSeries } from './series-source.js';
import type { SeriesPoint } from './variant-series.js';

const errors = { overloaded: 0, deadline: 0, cancelled: 0, invalid: 0, error: 0 };
const point = (t: number, fields: Partial<SeriesPoint>): SeriesPoint => ({
  t, requests: 0, errors: { ...errors }, p50Ms: null, p99Ms: null, queue: null, batchSize: null, agreement: null, ...fields,
});

describe('mergeProcessSeries', () => {
  it('adds counts second by second and keeps latencies within the processes\' own', () => {
    const a: VariantSeriesView[] = [{ variant: 'primary', live: true, shadow: false, points: [
      point(10, { requests: 300, errors: { ...errors, overloaded: 2 }, p50Ms: 1, p99Ms: 4, queue: 3, batchSize: 2, agreement: 1 }),
      point(11, { requests: 100, p50Ms: 2, p99Ms: 3 }),
    ] }];
    const b: VariantSeriesView[] = [{ variant: 'primary', live: true, shadow: false, points: [
      point(11, { requests: 300, errors: { ...errors, error: 1 }, p50Ms: 4, p99Ms: 9, queue: 1, batchSize: 4, agreement: 0.5 }),
      point(12, { requests: 5, p50Ms: 7, p99Ms: 8 }),
    ] }];
    const [merged] = mergeProcessSeries([a, b]);
    expect(merged!.variant).toBe('primary');
    expect(merged!.points.map((p) => p.t)).toEqual([10, 11, 12]);
    expect(merged!.points[0]).toEqual(a[0]!.points[0]);
    expect(merged!.points[1]).toEqual({
      t: 11, requests: 400, errors: { ...errors, error: 1 }, p50Ms: (2 * 100 + 4 * 300) / 400, p99Ms: 9, queue: 1, batchSize: 4, agreement: 0.5,
    });
    expect(merged!.points[2]).toMatchObject({ requests: 5, p50Ms: 7, p99Ms: 8 });
  });

  it('keeps a variant any process knows, live when any process serves it', () => {
    const merged = mergeProcessSeries([
      [{ variant: 'old', live: false, points: [point(5, { requests: 1 })] }],
      [{ variant: 'old', live: true, shadow: true, points: [] }, { variant: 'new', live: true, shadow: false, points: [] }],
    ]);
    expect(merged).toEqual([
      { variant: 'old', live: true, shadow: true, points: [point(5, { requests: 1 })] },
      { variant: 'new', live: true, shadow: false, points: [] },
    ]);
    expect(mergeProcessSeries([])).toEqual([]);
  });
});
