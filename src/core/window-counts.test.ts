import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from './latency-histogram.js';
import { mergeReplicaWindows, ratesOf, rolloutStepKey, type PublishedWindow, type WindowCounts } from './window-counts.js';

function counts(requests: number, errors: number, latencyMs: number, extra: Partial<WindowCounts> = {}): WindowCounts {
  const h = new LatencyHistogram();
  for (let i = 0; i < requests; i++) h.record(latencyMs);
  return { requests, errors, nans: 0, compared: 0, agreed: 0, dropped: 0, latency: h.sparse(), ...extra };
}

function row(replica: string, variant: string, key: string, c: WindowCounts): PublishedWindow {
  return { replica, endpoint: 'e', variant, key, counts: c, updatedAt: 0 };
}

describe('merging replicas windows', () => {
  const key = rolloutStepKey({ id: 'r1', phase: 'steps', stepIndex: 1 });

  it('adds every replica of the step, its own row replaced by live counts, other steps left out', () => {
    const published = [
      row('a', 'cand', key, counts(10, 3, 2)),
      row('b', 'cand', key, counts(20, 7, 2, { nans: 2, compared: 20, agreed: 15 })),
      row('c', 'cand', 'r1/steps/0', counts(1000, 0, 2)),
      row('self', 'cand', key, counts(1, 1, 2)),
      row('b', 'stable', key, counts(40, 0, 1)),
    ];
    const merged = mergeReplicaWindows(published, key, 'self', new Map([['cand', counts(30, 0, 4)]]));
    const cand = merged.get('cand')!;
    expect([cand.requests, cand.errors, cand.nans, cand.compared, cand.agreed]).toEqual([60, 10, 2, 20, 15]);
    const rates = ratesOf(cand);
    expect(rates.errorRate).toBeCloseTo(10 / 60, 12);
    expect(rates.agreement).toBeCloseTo(0.75, 12);
    expect(rates.p99Ms).toBeGreaterThanOrEqual(4);
    expect(merged.get('stable')!.requests).toBe(40);
  });

  it('has no rates without requests', () => {
    expect(ratesOf(counts(0, 0, 1))).toEqual({ requests: 0, errorRate: null, p99Ms: null, agreement: null });
  });
});
