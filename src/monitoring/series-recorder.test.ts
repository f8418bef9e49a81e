import { describe, expect, it } from 'vitest';
import { SeriesRecorder } from './series-recorder.js';

describe('SeriesRecorder', () => {
  it('keeps each variant of an endpoint apart, samples queue depth and agreement, and summarizes', () => {
    let now = 1_000_000;
    const recorder = new SeriesRecorder(() => now, 30);
    recorder.observe({
      pendingByVersion: () => [{ endpoint: 'e', version: 1, pending: 3 }],
      variantWindows: () => [
        { endpoint: 'e', variant: 'stable', shadow: false, requests: 0, errorRate: null, p99Ms: null, agreement: null },
        { endpoint: 'e', variant: 'shadow', shadow: true, requests: 0, errorRate: null, p99Ms: null, agreement: 0.9 },
      ],
    });
    recorder.observeRequest({ endpoint: 'e', variant: 'stable', version: 1, ok: true, durationMicros: 2000 });
    recorder.observeRequest({ endpoint: 'e', variant: 'stable', version: 1, ok: false, durationMicros: 0 }, 'error');
    recorder.observeRequest({ endpoint: 'e', variant: 'shadow', version: 2, ok: true, durationMicros: 4000 });
    recorder.tick();
    now += 1000;
    const views = recorder.series('e');
    const stable = views.find((v) => v.variant === 'stable')!;
    expect(stable).toMatchObject({ live: true, shadow: false });
    expect(stable.points).toEqual([expect.objectContaining({ requests: 1, p50Ms: 2, queue: 3, agreement: null })]);
    expect(stable.points[0]!.errors.error).toBe(1);
    expect(views.find((v) => v.variant === 'shadow')!.points[0]).toMatchObject({ agreement: 0.9, queue: 0 });
    expect(SeriesRecorder.summarize(stable.points, 60)).toEqual({ requestsPerSecond: 1, errorRate: 0.5, p50Ms: 2, p99Ms: 2 });
    expect(recorder.series('other')).toEqual([]);
  });

  it('counts a shadow\'s copies from its window, which the observer never hears of', () => {
    let now = 5000;
    let requests = 0;
    const recorder = new SeriesRecorder(() => now, 30);
    recorder.observe({
      pendingByVersion: () => [],
      variantWindows: () => [{ endpoint: 'e', variant: 's', shadow: true, requests, errorRate: null, p99Ms: null, agreement: 1 }],
    });
    requests = 4;
    recorder.tick();
    now += 1000;
    requests = 10;
    recorder.tick();
    now += 1000;
    requests = 3; // a new window (rollout step)
    recorder.tick();
    now += 1000;
    expect(recorder.series('e')[0]!.points.map((p) => p.requests)).toEqual([4, 6, 3]);
  });

  it('forgets a variant gone from the live table once its points have aged out', () => {
    let now = 0;
    const recorder = new SeriesRecorder(() => now, 5);
    recorder.observe({ pendingByVersion: () => [], variantWindows: () => [] });
    recorder.observeRequest({ endpoint: 'e', variant: 'old', version: 1, ok: true, durationMicros: 1000 });
    now = 3000;
    recorder.tick();
    expect(recorder.series('e').map((v) => v.variant)).toEqual(['old']);
    now = 20_000;
    recorder.tick();
    expect(recorder.series('e')).toEqual([]);
  });
});
