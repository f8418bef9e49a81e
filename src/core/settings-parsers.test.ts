// Capture, monitor and retraining settings: defaults, merging of fields left out, field-pointing errors.
import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE, parseCaptureConfig } from './capture-config.js';
import { DEFAULT_MONITOR, parseMonitorConfig } from './monitor-config.js';
import { DEFAULT_RETRAIN, parseRetrainPolicy } from './retrain-policy.js';

describe('capture settings', () => {
  it('keeps fields left out and reads durations in days', () => {
    const on = parseCaptureConfig({ enabled: true, sampleRate: 0.5, retention: '3d' });
    expect(on).toEqual({ ...DEFAULT_CAPTURE, enabled: true, sampleRate: 0.5, retentionMs: 3 * 86_400_000 });
    expect(parseCaptureConfig({ keep: 'inputs' }, on)).toEqual({ ...on, keep: 'inputs' });
  });
  it('names the field and what was expected', () => {
    expect(() => parseCaptureConfig({ sampleRate: 2 })).toThrow(/field "sampleRate": expected a number from 0 to 1, got 2/);
    expect(() => parseCaptureConfig({ keep: 'all' })).toThrow(/"keep": expected one of inputs, outputs, both/);
    expect(() => parseCaptureConfig({ sample: 1 })).toThrow(/field "sample" is not known/);
    expect(() => parseCaptureConfig([])).toThrow(/a mapping of fields/);
  });
});

describe('monitor settings', () => {
  it('switches between row and time windows', () => {
    const timed = parseMonitorConfig({ enabled: true, window: '5m' });
    expect(timed).toMatchObject({ enabled: true, windowMs: 300_000, windowRows: null });
    expect(parseMonitorConfig({ windowRows: 500 }, timed)).toMatchObject({ windowRows: 500, windowMs: null });
    expect(() => parseMonitorConfig({ windowRows: 500, window: '1m' })).toThrow(/set one of them/);
  });
  it('reads the baseline, thresholds and webhook', () => {
    const c = parseMonitorConfig({ baseline: 'digits:3', thresholds: { alpha: 0.05, minRows: 30 }, webhook: { url: 'http://127.0.0.1:9/h', headers: { authorization: 'Bearer x' } } });
    expect(c.baseline).toEqual({ model: 'digits', version: 3 });
    expect(c.thresholds).toEqual({ alpha: 0.05, minRows: 30 });
    expect(c.webhook).toEqual({ url: 'http://127.0.0.1:9/h', minSeverity: 'warning', headers: { authorization: 'Bearer x' } });
    expect(parseMonitorConfig({ webhook: null }, c).webhook).toBeNull();
    expect(parseMonitorConfig({}, DEFAULT_MONITOR)).toEqual(DEFAULT_MONITOR);
  });
  it('merges nested fields too: a threshold or webhook field left out keeps its value', () => {
    const base = parseMonitorConfig({ thresholds: { alpha: 0.05 }, webhook: { url: 'http://127.0.0.1:9/h', headers: { a: 'b' } } });
    const next = parseMonitorConfig({ thresholds: { minRows: 20 }, webhook: { minSeverity: 'critical' } }, base);
    expect(next.thresholds).toEqual({ alpha: 0.05, minRows: 20 });
    expect(next.webhook).toEqual({ url: 'http://127.0.0.1:9/h', minSeverity: 'critical', headers: { a: 'b' } });
    expect(parseMonitorConfig({ thresholds: null }, base).thresholds).toEqual({});
    expect(() => parseMonitorConfig({ webhook: { minSeverity: 'critical' } })).toThrow(/webhook.url/);
  });

  it('refuses bad fields by name', () => {
    expect(() => parseMonitorConfig({ webhook: { url: 'ftp://x' } })).toThrow(/webhook.url": expected an http/);
    expect(() => parseMonitorConfig({ thresholds: { beta: 1 } })).toThrow(/thresholds.beta" is not known/);
    expect(() => parseMonitorConfig({ baseline: 'digits@champion' })).toThrow(/"baseline": expected a model version/);
    expect(() => parseMonitorConfig({ window: '10ms' })).toThrow(/at least 1s/);
  });

  it('judges thresholds when they are set, by the rules the windows use (defaults filling the fields left out)', () => {
    expect(() => parseMonitorConfig({ thresholds: { alpha: 5, psiWarning: 0.3, psiCritical: 0.1 } })).toThrow(
      'field "thresholds.alpha": expected a number in (0, 1), got 5',
    );
    expect(() => parseMonitorConfig({ thresholds: { psiWarning: 0.3, psiCritical: 0.1 } })).toThrow(
      'field "thresholds.psiCritical": expected a number at or above psiWarning (0.3), got 0.1',
    );
    expect(() => parseMonitorConfig({ thresholds: { psiWarning: 0.3 } })).toThrow(/"thresholds.psiCritical": .* got 0.25/);
    expect(() => parseMonitorConfig({ thresholds: { outOfRangeRate: 1.5 } })).toThrow('field "thresholds.outOfRangeRate": expected a rate in [0, 1], got 1.5');
    expect(() => parseMonitorConfig({ thresholds: { minRows: 2.5 } })).toThrow('field "thresholds.minRows": expected an integer of at least 1, got 2.5');
    expect(() => parseMonitorConfig({ thresholds: { alpha: '0.1' } })).toThrow('field "thresholds.alpha": expected a number, got "0.1"');
    // A merge is judged whole: the stored psiCritical 0.5 allows psiWarning 0.3 now.
    const base = parseMonitorConfig({ thresholds: { psiCritical: 0.5 } });
    expect(parseMonitorConfig({ thresholds: { psiWarning: 0.3 } }, base).thresholds).toEqual({ psiCritical: 0.5, psiWarning: 0.3 });
  });
});

describe('retraining policy', () => {
  it('reads the command, dataset and rollout', () => {
    const p = parseRetrainPolicy({
      enabled: true, command: ['python3', 'train.py'], schedule: '1d', dataset: { format: 'csv', lookback: '2d', onlyLabelled: true },
      rollout: { strategy: 'canary', steps: [10, 100], bake: '30s', gates: ['error_rate<=0.01'] },
    });
    expect(p).toMatchObject({
      enabled: true, command: ['python3', 'train.py'], scheduleMs: 86_400_000,
      dataset: { ...DEFAULT_RETRAIN.dataset, format: 'csv', lookbackMs: 2 * 86_400_000, onlyLabelled: true },
      rollout: { strategy: 'canary', steps: [10, 100], bakeMs: 30_000, gates: [{ metric: 'error_rate', op: '<=', value: 0.01 }] },
    });
    expect(parseRetrainPolicy({ rollout: null }, p).rollout).toBeNull();
    expect(parseRetrainPolicy({ rollout: { bake: '1m' } }, p).rollout).toMatchObject({ strategy: 'canary', steps: [10, 100], bakeMs: 60_000 });
  });
  it('refuses an enabled policy with nothing to run, and bad fields', () => {
    expect(() => parseRetrainPolicy({ enabled: true })).toThrow(/needs a "command" to run or a "webhook"/);
    expect(() => parseRetrainPolicy({ command: 'python3 train.py' })).toThrow(/"command": expected a list of strings/);
    expect(() => parseRetrainPolicy({ rollout: { steps: [50, 20] } })).toThrow(/rollout.steps/);
    expect(() => parseRetrainPolicy({ schedule: '10s' })).toThrow(/at least 1m/);
  });
});
