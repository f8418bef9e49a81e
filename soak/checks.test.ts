// The soak verdicts: a healthy run passes, each kind of finding fails its own check and only that one.

import { describe, expect, it } from 'vitest';
import { judgeSoak, type SoakFigures } from './checks.js';

const flat = { samples: 30, perMinute: 0.1, first: 100, last: 100.2, max: 101 };

function healthy(): SoakFigures {
  return {
    segments: [{ label: 'first server', pid: 1, rss: flat, fds: { ...flat, perMinute: 0 } }],
    requests: {
      byProtocol: { json: { sent: 10, answered: 10 }, grpc: { sent: 5, answered: 5 } },
      serverErrors: 0, serverErrorsOnPurpose: 2, transportErrors: 0, transportErrorsOnPurpose: 3, clientErrors: 0,
    },
    captures: { answered: 15, captured: 15, missing: 0, missingSample: [], duplicated: 0, capturedUnanswered: 1, dropped: 0 },
    webhooks: { events: 2, delivered: 2, failed: 0, pending: 0, withoutDelivery: 0, deliveredNotReceived: 0, received: 2 },
    canary: 'succeeded',
    rollback: 'rolled_back',
  };
}

const failed = (f: SoakFigures): string[] => judgeSoak(f).filter((c) => !c.passed).map((c) => c.name);

describe('judgeSoak', () => {
  it('passes a healthy run, errors during the restart included', () => {
    expect(failed(healthy())).toEqual([]);
  });

  it('fails growth past the limits, and a slope it could not fit', () => {
    const f = healthy();
    f.segments[0]!.rss = { ...flat, perMinute: 8 };
    f.segments.push({ label: 'after the restart', pid: 2, rss: flat, fds: { samples: 2, perMinute: null, first: 1, last: 1, max: 1 } });
    expect(failed(f)).toEqual(['RSS flat after warm-up (first server)', 'open files flat after warm-up (after the restart)']);
  });

  it('fails a 5xx or an unanswered request outside the restart, and any 4xx', () => {
    const f = healthy();
    f.requests.serverErrors = 1;
    f.requests.clientErrors = 2;
    expect(failed(f)).toEqual(['no 5xx except those caused on purpose', 'no 4xx (the soak sends only valid requests)']);
  });

  it('fails a missing or duplicated capture, and names missing ids', () => {
    const f = healthy();
    f.captures = { ...f.captures, captured: 14, missing: 1, missingSample: ['soak-7'], duplicated: 1 };
    const checks = judgeSoak(f);
    expect(failed(f)).toEqual(['every answered request captured', 'no capture duplicated']);
    expect(checks.find((c) => c.name === 'every answered request captured')!.detail).toContain('soak-7');
  });

  it('fails webhooks left pending, without a delivery, or delivered but not received, and a run with no alert', () => {
    const f = healthy();
    f.webhooks = { ...f.webhooks, pending: 1 };
    expect(failed(f)).toEqual(['every webhook event delivered or recorded failed']);
    f.webhooks = { events: 0, delivered: 0, failed: 0, pending: 0, withoutDelivery: 0, deliveredNotReceived: 0, received: 0 };
    expect(failed(f)).toEqual(['the monitor alerted']);
  });

  it('fails rollouts that did not end as planned, and a protocol that got no answer', () => {
    const f = healthy();
    f.canary = 'rolled_back';
    f.rollback = 'succeeded';
    f.requests.byProtocol.binary = { sent: 3, answered: 0 };
    expect(failed(f)).toEqual(['binary traffic answered', 'canary rollout succeeded', 'failing canary rolled back']);
  });
});
