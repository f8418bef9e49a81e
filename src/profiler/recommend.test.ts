import { describe, expect, it } from 'vitest';
import { point } from './fake-points.test-util.js';
import { costPerMillion, coresUsed, describeConfig, paretoFront, recommend } from './recommend.js';

describe('cost', () => {
  it('is price per hour over inferences per hour, per million', () => {
    // 0.10 USD/h for 1000/s: 3.6M inferences an hour, so 0.10 / 3.6 per million.
    expect(costPerMillion(1000, 0.1, 1)).toBeCloseTo(0.1 / 3.6, 10);
    expect(costPerMillion(1000, 0.1, 2)).toBeCloseTo(0.2 / 3.6, 10);
    expect(costPerMillion(0, 0.1, 1)).toBe(Number.POSITIVE_INFINITY);
  });
  it('bills the cores a config keeps busy at its peak, never more than the host has', () => {
    const base = { maxBatchSize: 1, maxQueueDelayMicros: 0 };
    expect(coresUsed({ ...base, intraOpThreads: 2, instances: 3 }, 8)).toBe(6);
    // Oversubscribed threads share the host's cores: 2 × 2 measured on 2 cores costs 2 cores.
    expect(coresUsed({ ...base, intraOpThreads: 2, instances: 2 }, 2)).toBe(2);
    // Busy threads: one run at its full threads, the others at the busy count.
    expect(coresUsed({ ...base, intraOpThreads: 4, instances: 3, busyIntraOpThreads: 1 }, 16)).toBe(6);
    expect(coresUsed({ ...base, intraOpThreads: 2, instances: 2, busyIntraOpThreads: 1 }, 2)).toBe(2);
  });
  it('prices a busy-thread config on a small host like the plain config beside it', () => {
    const busy = point({ instances: 2, intraOpThreads: 2, busyIntraOpThreads: 1 }, 105, 80, 8, 2);
    const plain = point({ instances: 2, intraOpThreads: 1 }, 102, 80, 8, 2);
    expect(busy.coresUsed).toBe(plain.coresUsed);
    expect(busy.costPerMillion).toBeLessThan(plain.costPerMillion);
  });
});

describe('paretoFront', () => {
  it('keeps points no other beats on both throughput and p99, by p99', () => {
    const pts = [point({}, 100, 5), point({}, 300, 10), point({}, 200, 12), point({}, 300, 11), point({}, 500, 30), point({}, 50, 4)];
    expect(paretoFront(pts)).toEqual([5, 0, 1, 4]);
  });
  it('keeps both of two identical points', () => {
    expect(paretoFront([point({}, 100, 5), point({}, 100, 5)])).toEqual([0, 1]);
  });
});

describe('recommend', () => {
  it('picks the highest throughput within the SLO, the lowest p99 and the cheapest', () => {
    const pts = [
      point({}, 180, 6),
      point({ maxBatchSize: 16 }, 520, 15, 4),
      point({ maxBatchSize: 64 }, 700, 45, 16),
      point({ instances: 2, maxBatchSize: 16 }, 600, 18, 16),
    ];
    const r = recommend(pts, 20, 2);
    expect(r.meetsSlo).toBe(true);
    expect(r.recommended!.point).toBe(pts[3]);
    expect(r.minLatency.point).toBe(pts[0]);
    expect(r.minCost!.point).toBe(pts[1]);
    expect(r.suggestions).toEqual([]);
  });

  it('prefers no queue delay and fewer cores when a fancier config is within noise', () => {
    const plain = point({}, 10_000, 0.4, 4);
    const delayed = point({ maxBatchSize: 16, maxQueueDelayMicros: 2000 }, 10_300, 2.6, 4);
    const r = recommend([delayed, plain], 20, 2);
    expect(r.recommended!.point).toBe(plain);
    expect(r.recommended!.reason).toMatch(/within 5% noise/);
  });

  it('takes fewer threads beside another run (a second session per instance) only when it raises throughput beyond noise', () => {
    const wide = { intraOpThreads: 2, instances: 2 };
    const busy = { ...wide, busyIntraOpThreads: 1 };
    // As the search space offers them: every-core threads on a 2-core host, where both keep the 2 cores busy.
    const close = recommend([point(busy, 81, 150, 8, 2), point(wide, 79, 160, 8, 2)], 500, 2);
    expect(close.recommended!.point.config).toEqual({ ...wide, maxBatchSize: 1, maxQueueDelayMicros: 0 });
    const ahead = recommend([point(busy, 88, 150, 8, 2), point(wide, 79, 160, 8, 2)], 500, 2);
    expect(ahead.recommended!.point.config.busyIntraOpThreads).toBe(1);
    expect(describeConfig(ahead.recommended!.point.config)).toBe('2 instances × 2 threads (1 beside another run), no batching');
  });

  it('recommends batching when it really raises throughput at the SLO', () => {
    const r = recommend([point({}, 180, 6), point({ maxBatchSize: 16, maxQueueDelayMicros: 500 }, 500, 12, 4)], 20, 2);
    expect(r.recommended!.point.config.maxBatchSize).toBe(16);
  });

  it('does not recommend a queue delay that makes one client wait more than 1.2x the best config does', () => {
    const plain = { maxBatchSize: 16 };
    const delayed = { maxBatchSize: 16, maxQueueDelayMicros: 2000 };
    // The delay wins under load, but a lone client's p50 goes from 0.3 ms to 2.4 ms (point() sets p50 = p99 / 2).
    const points = [point(plain, 3000, 0.6, 1), point(plain, 9000, 4, 16), point(delayed, 900, 4.8, 1), point(delayed, 12000, 5, 16)];
    const r = recommend(points, 20, 2);
    expect(r.recommended!.point.config).toMatchObject(plain);
    expect(r.recommended!.reason).toContain('one client sees p50 0.30 ms (best config: 0.30 ms)');
    // Without a one-client point for it, nothing is held against a config.
    expect(recommend(points.filter((p) => p.concurrency !== 1 || p.config.maxQueueDelayMicros === 0).slice(1), 20, 2).recommended!.point.config).toMatchObject(delayed);
  });

  it('says so when nothing meets the SLO, shows the closest and what to change', () => {
    const pts = [point({ maxBatchSize: 16, maxQueueDelayMicros: 2000 }, 500, 30, 4), point({ instances: 2, intraOpThreads: 1 }, 300, 25, 4)];
    const r = recommend(pts, 10, 2);
    expect(r.meetsSlo).toBe(false);
    expect(r.recommended).toBeNull();
    expect(r.minCost).toBeNull();
    expect(r.closest!.point).toBe(pts[1]);
    expect(r.closest!.reason).toMatch(/no configuration meets p99 ≤ 10\.0 ms; the closest reaches 25\.0 ms/);
    const text = r.suggestions.join('\n');
    expect(text).toMatch(/more or faster cores/);
    expect(text).toMatch(/quantized/);
    expect(text).toMatch(/fewer concurrent requests/);
    const withDelay = recommend([pts[0]!], 10, 2);
    expect(withDelay.suggestions[0]).toMatch(/lower the batch queue delay \(now 2000 µs\)/);
  });
});
