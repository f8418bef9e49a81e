// When a monitor's alert starts a retraining run: the policy's switch, the alert's kind and severity, the cooldown.

import { severityAtLeast } from './baseline.js';
import type { MonitorEvent } from './monitor-event.js';
import type { RetrainPolicy } from './retrain-policy.js';

/** Whether an event should start an automatic run under a policy, given when the last run started. */
export function shouldRunOnEvent(policy: RetrainPolicy, event: Pick<MonitorEvent, 'kind' | 'severity'>, lastStart: number | undefined, now: number): boolean {
  if (!policy.enabled || !policy.onDrift) return false;
  if (event.kind === 'data_quality') return false;
  if (!severityAtLeast(event.severity, policy.minSeverity)) return false;
  return lastStart === undefined || now - lastStart >= policy.cooldownMs;
}
