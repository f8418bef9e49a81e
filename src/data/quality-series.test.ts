import { describe, expect, it } from 'vitest';
import { qualitySeries } from './quality-series.js';

const bucket = (minute: number, variant: string, accuracy: number, labelled = 10): { start: string; end: string; variant: string; model: string; labelled: number; accuracy: number; f1: number } => ({
  start: new Date(minute * 60_000).toISOString(), end: new Date((minute + 1) * 60_000).toISOString(), variant, model: `m:${variant === 'primary' ? 1 : 2}`,
  labelled, accuracy, f1: accuracy / 2,
});

describe('qualitySeries', () => {
  it('aligns every variant\'s metrics on one row of bucket times, null where a variant had no labelled rows', () => {
    const s = qualitySeries({ endpoint: 'e', kind: 'classification', skipped: 1, buckets: [bucket(0, 'primary', 0.9), bucket(1, 'primary', 0.8), bucket(1, 'canary', 0.5, 3)] }, 60_000);
    expect(s.metrics).toEqual(['accuracy', 'f1']);
    expect(s.times).toEqual([0, 60_000]);
    expect(s.series).toEqual([
      { variant: 'primary', model: 'm:1', labelled: [10, 10], values: { accuracy: [0.9, 0.8], f1: [0.45, 0.4] } },
      { variant: 'canary', model: 'm:2', labelled: [0, 3], values: { accuracy: [null, 0.5], f1: [null, 0.25] } },
    ]);
    expect(s).toMatchObject({ endpoint: 'e', kind: 'classification', bucketMs: 60_000, skipped: 1 });
  });

  it('draws regression metrics, and nothing for no feedback', () => {
    const s = qualitySeries({ endpoint: 'e', kind: 'regression', skipped: 0, buckets: [{ start: new Date(0).toISOString(), end: '', variant: 'primary', model: 'm:1', labelled: 4, mae: 2, rmse: NaN }] }, 60_000);
    expect(s.metrics).toEqual(['mae', 'rmse']);
    expect(s.series[0]!.values).toEqual({ mae: [2], rmse: [null] });
    expect(qualitySeries({ endpoint: 'e', kind: 'unknown', skipped: 0, buckets: [] }, 1000)).toMatchObject({ metrics: [], times: [], series: [] });
  });
});
