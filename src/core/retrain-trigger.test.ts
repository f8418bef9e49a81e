// When a drift alert starts a retraining run: severity, kind, cooldown, on/off.
import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRAIN } from './retrain-policy.js';
import { shouldRunOnEvent } from './retrain-trigger.js';

describe('when a drift alert starts retraining', () => {
  const policy = { ...DEFAULT_RETRAIN, enabled: true, command: ['true'], cooldownMs: 60_000 };
  const now = 1_000_000;
  it('runs on drift of enough severity once the cooldown is over', () => {
    expect(shouldRunOnEvent(policy, { kind: 'feature_drift', severity: 'warning' }, undefined, now)).toBe(true);
    expect(shouldRunOnEvent(policy, { kind: 'prediction_drift', severity: 'critical' }, now - 60_000, now)).toBe(true);
  });
  it('does not run on data quality, below the severity, within the cooldown, or when off', () => {
    expect(shouldRunOnEvent(policy, { kind: 'data_quality', severity: 'critical' }, undefined, now)).toBe(false);
    expect(shouldRunOnEvent({ ...policy, minSeverity: 'critical' }, { kind: 'feature_drift', severity: 'warning' }, undefined, now)).toBe(false);
    expect(shouldRunOnEvent(policy, { kind: 'feature_drift', severity: 'critical' }, now - 59_999, now)).toBe(false);
    expect(shouldRunOnEvent({ ...policy, onDrift: false }, { kind: 'feature_drift', severity: 'critical' }, undefined, now)).toBe(false);
    expect(shouldRunOnEvent({ ...policy, enabled: false }, { kind: 'feature_drift', severity: 'critical' }, undefined, now)).toBe(false);
  });
});
