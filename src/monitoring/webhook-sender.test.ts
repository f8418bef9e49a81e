// Webhook backoff, and grouping a window's findings into events.
import { describe, expect, it } from 'vitest';
import { backoffMs, DEFAULT_WEBHOOK, signature } from './webhook-sender.js';
import { eventsOf } from './monitor-runner.js';
import { severityAtLeast } from '../core/baseline.js';
import type { Finding } from '../core/baseline.js';

describe('webhook backoff', () => {
  it('doubles from the base delay up to the cap, with at most 10% jitter', () => {
    const o = { baseDelayMs: 1000, maxDelayMs: 8000 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffMs(n, o, 0))).toEqual([1000, 2000, 4000, 8000, 8000, 8000]);
    expect(backoffMs(2, o, 1)).toBe(2200);
    expect(DEFAULT_WEBHOOK.maxAttempts).toBeGreaterThan(1);
  });
});

describe('webhook signatures', () => {
  it('are HMAC-SHA256 of the exact body, in hex (RFC 4231-style known value)', () => {
    expect(signature('key', 'The quick brown fox jumps over the lazy dog')).toBe('sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8');
  });
});

describe('monitor events', () => {
  const finding = (kind: Finding['kind'], feature: string, severity: Finding['severity']): Finding => ({
    kind, feature, check: 'ks', severity, value: 0.5, threshold: 0.1, message: `${feature} drifted`,
  });
  it('groups a window\'s findings into one event per kind, with the worst severity', () => {
    const events = eventsOf('e', [
      finding('feature_drift', 'a', 'warning'), finding('feature_drift', 'b', 'critical'), finding('feature_drift', 'a', 'warning'),
      finding('data_quality', 'c', 'warning'),
    ]);
    expect(events).toEqual([
      expect.objectContaining({ kind: 'feature_drift', severity: 'critical', features: ['a', 'b'] }),
      expect.objectContaining({ kind: 'data_quality', severity: 'warning', features: ['c'] }),
    ]);
    expect(eventsOf('e', [])).toEqual([]);
  });
  it('orders severities', () => {
    expect(severityAtLeast('critical', 'warning')).toBe(true);
    expect(severityAtLeast('warning', 'critical')).toBe(false);
  });
});
