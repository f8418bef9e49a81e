// The webhook delivery a monitor event calls for: the monitor's webhook, when the event is severe enough, with its body.

import { severityAtLeast } from '../core/baseline.js';
import type { MonitorConfig } from '../core/monitor-config.js';
import type { MonitorEvent, MonitorWindow } from '../core/monitor-event.js';
import type { NewDelivery } from '../store/loop-store.js';

/**
 * The delivery to queue for an event (due now), or undefined when the monitor has no webhook or the event is below its
 * minimum severity. Built while the window is being stored, so the alert is queued in the same transaction.
 */
export function alertDelivery(event: MonitorEvent, window: MonitorWindow, config: MonitorConfig, now = Date.now()): NewDelivery | undefined {
  const hook = config.webhook;
  if (!hook || !severityAtLeast(event.severity, hook.minSeverity)) return undefined;
  const body = {
    type: 'drift_alert',
    event,
    window: { id: window.id, start: new Date(window.start).toISOString(), end: new Date(window.end).toISOString(), baseline: window.baseline, rows: window.evaluation.rows },
  };
  return { eventId: event.id, url: hook.url, headers: hook.headers, payload: JSON.stringify(body), nextAttemptAt: now };
}
