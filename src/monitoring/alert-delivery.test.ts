// Which monitor events call for a webhook delivery, and what it carries.

import { describe, expect, it } from 'vitest';
import { DEFAULT_MONITOR } from '../core/monitor-config.js';
import type { MonitorEvent, MonitorWindow } from '../core/monitor-event.js';
import { alertDelivery } from './alert-delivery.js';

const evaluation = { rows: 120, requests: 120, features: [], outputs: [], findings: [], tests: 0, alphaPerTest: 0.01 };
const window: MonitorWindow = { id: 4, endpoint: 'e', start: 0, end: 60_000, firstCapture: 1, lastCapture: 120, baseline: 'm:1', drifted: true, evaluation, createdAt: '' };
const event = (severity: MonitorEvent['severity']): MonitorEvent => ({ id: 9, endpoint: 'e', windowId: 4, time: 't', kind: 'feature_drift', severity, features: ['x'], findings: [] });
const hook = { url: 'http://127.0.0.1:1/hook', headers: { authorization: 'Bearer s' }, minSeverity: 'critical' as const };

describe('alertDelivery', () => {
  it('is the monitor webhook\'s delivery of an event at or above its minimum severity, due now', () => {
    const d = alertDelivery(event('critical'), window, { ...DEFAULT_MONITOR, webhook: hook }, 1234);
    expect(d).toMatchObject({ eventId: 9, url: hook.url, headers: hook.headers, nextAttemptAt: 1234 });
    expect(JSON.parse(d!.payload)).toEqual({
      type: 'drift_alert', event: event('critical'),
      window: { id: 4, start: '1970-01-01T00:00:00.000Z', end: '1970-01-01T00:01:00.000Z', baseline: 'm:1', rows: 120 },
    });
  });

  it('is nothing below the minimum severity or without a webhook', () => {
    expect(alertDelivery(event('warning'), window, { ...DEFAULT_MONITOR, webhook: hook })).toBeUndefined();
    expect(alertDelivery(event('critical'), window, { ...DEFAULT_MONITOR, webhook: null })).toBeUndefined();
  });
});
