import { describe, expect, it } from 'vitest';
import type { FeatureScore, Finding } from '../core/baseline.js';
import { DEFAULT_THRESHOLDS } from '../core/monitor-config.js';
import type { MonitorWindow } from '../core/monitor-event.js';
import { driftHeatmap } from './drift-heatmap.js';

const score = (feature: string, over: Partial<FeatureScore> = {}): FeatureScore => ({
  feature, kind: 'numeric', rows: 100, missingRate: 0, psi: 0.01, drifted: false, ...over,
});
const finding = (kind: Finding['kind'], feature: string): Finding => ({ kind, feature, check: 'ks', severity: 'warning', value: 1, threshold: 0.01, message: '' });

function window(id: number, features: FeatureScore[], outputs: FeatureScore[] = [], findings: Finding[] = []): MonitorWindow {
  return {
    id, endpoint: 'e', start: id * 1000, end: id * 1000 + 1000, firstCapture: id, lastCapture: id, baseline: 'm:1', drifted: findings.some((f) => f.kind !== 'data_quality'),
    evaluation: { rows: 100, requests: 100, features, outputs, findings, tests: 3, alphaPerTest: 0.01 / 3 }, createdAt: '',
  };
}

describe('driftHeatmap', () => {
  it('lays windows out oldest first and features as rows, with each cell\'s p-value, PSI, verdict and test', () => {
    const newest = window(2, [
      score('a', { ks: { statistic: 0.9, pValue: 1e-20 }, psi: 3, drifted: true }),
      score('c', { kind: 'categorical', chi2: { statistic: 1, pValue: 0.5, dof: 2 } }),
    ], [score('y', { kind: 'categorical', chi2: { statistic: 50, pValue: 1e-9, dof: 2 }, drifted: true })], [finding('feature_drift', 'a'), finding('prediction_drift', 'y'), finding('data_quality', 'a')]);
    const oldest = window(1, [score('a', { ks: { statistic: 0.1, pValue: 0.4 } }), score('b')], [score('y')]);
    const h = driftHeatmap('e', [newest, oldest], DEFAULT_THRESHOLDS);
    expect(h.windows.map((w) => w.id)).toEqual([1, 2]);
    expect(h.features).toEqual(['a', 'b', 'c']);
    expect(h.cells).toEqual([
      [{ pValue: 0.4, psi: 0.01, drifted: false, test: 'ks' }, { pValue: 1e-20, psi: 3, drifted: true, test: 'ks' }],
      [{ pValue: null, psi: 0.01, drifted: false, test: null }, null],
      [null, { pValue: 0.5, psi: 0.01, drifted: false, test: 'chi2' }],
    ]);
    expect(h.outputs).toEqual(['y']);
    expect(h.outputCells[0]![1]).toEqual({ pValue: 1e-9, psi: 0.01, drifted: true, test: 'chi2' });
    expect(h.windows[1]).toMatchObject({ drifted: true, alphaPerTest: 0.01 / 3, rows: 100, findings: { feature_drift: 1, prediction_drift: 1, data_quality: 1 } });
    expect(h.threshold).toEqual({ metric: 'pValue', value: 0.01, psiWarning: 0.1, psiCritical: 0.25 });
  });

  it('writes checks turned off (Infinity) and non-finite statistics as null', () => {
    const h = driftHeatmap('e', [window(1, [score('a', { psi: Infinity })])], { ...DEFAULT_THRESHOLDS, psiWarning: Infinity, psiCritical: Infinity });
    expect(h.threshold.psiWarning).toBeNull();
    expect(h.cells[0]![0]!.psi).toBeNull();
    expect(driftHeatmap('e', [], DEFAULT_THRESHOLDS)).toMatchObject({ features: [], windows: [], cells: [] });
  });
});
