// The drift heatmap: evaluated windows as columns, features (and, apart, the model's outputs) as rows, each cell the
// feature's test p-value, PSI and verdict in that window, with the alert thresholds. Pure, over stored windows.

import type { FeatureScore, FindingKind, MonitorThresholds } from '../core/baseline.js';
import { FINDING_KINDS } from '../core/baseline.js';
import type { MonitorWindow } from '../core/monitor-event.js';

export interface HeatmapCell {
  /** KS (numeric) or chi-squared (categorical) p-value; null when the window was too small to test. */
  pValue: number | null;
  psi: number | null;
  drifted: boolean;
  test: 'ks' | 'chi2' | null;
}

export interface HeatmapWindow {
  id: number;
  start: number;
  end: number;
  rows: number;
  baseline: string;
  drifted: boolean;
  /** The level each test of this window ran at (alpha over its number of tests): a p-value below it is a finding. */
  alphaPerTest: number;
  findings: Record<FindingKind, number>;
}

export interface DriftHeatmap {
  endpoint: string;
  threshold: { metric: 'pValue'; value: number; psiWarning: number | null; psiCritical: number | null };
  features: string[];
  outputs: string[];
  /** Oldest first. */
  windows: HeatmapWindow[];
  /** cells[feature][window], null where the window has no score for the feature. */
  cells: (HeatmapCell | null)[][];
  outputCells: (HeatmapCell | null)[][];
}

/** JSON has no Infinity: a threshold or statistic that is not finite (a check turned off) is null. */
function finiteOrNull(x: number | undefined): number | null {
  return x !== undefined && Number.isFinite(x) ? x : null;
}

function cellOf(score: FeatureScore): HeatmapCell {
  const test = score.ks ? 'ks' : score.chi2 ? 'chi2' : null;
  return { pValue: finiteOrNull(score.ks?.pValue ?? score.chi2?.pValue), psi: finiteOrNull(score.psi), drifted: score.drifted, test };
}

/** Row names in the order they first appear, oldest window first (a feature added later gets a row at the end). */
function namesOf(windows: MonitorWindow[], pick: (w: MonitorWindow) => FeatureScore[]): string[] {
  const names = new Set<string>();
  for (const w of windows) for (const s of pick(w)) names.add(s.feature);
  return [...names];
}

function grid(windows: MonitorWindow[], names: string[], pick: (w: MonitorWindow) => FeatureScore[]): (HeatmapCell | null)[][] {
  const byWindow = windows.map((w) => new Map(pick(w).map((s) => [s.feature, s])));
  return names.map((name) => byWindow.map((scores) => {
    const score = scores.get(name);
    return score ? cellOf(score) : null;
  }));
}

/** The heatmap of `windows` (in any order; shown oldest first) under the monitor's thresholds. */
export function driftHeatmap(endpoint: string, windows: readonly MonitorWindow[], thresholds: MonitorThresholds): DriftHeatmap {
  const ordered = [...windows].sort((a, b) => a.id - b.id);
  const features = (w: MonitorWindow): FeatureScore[] => w.evaluation.features;
  const outputs = (w: MonitorWindow): FeatureScore[] => w.evaluation.outputs;
  const featureNames = namesOf(ordered, features);
  const outputNames = namesOf(ordered, outputs);
  return {
    endpoint,
    threshold: { metric: 'pValue', value: thresholds.alpha, psiWarning: finiteOrNull(thresholds.psiWarning), psiCritical: finiteOrNull(thresholds.psiCritical) },
    features: featureNames,
    outputs: outputNames,
    windows: ordered.map((w) => {
      const findings = Object.fromEntries(FINDING_KINDS.map((k) => [k, 0])) as Record<FindingKind, number>;
      for (const f of w.evaluation.findings) findings[f.kind]++;
      return {
        id: w.id, start: w.start, end: w.end, rows: w.evaluation.rows, baseline: w.baseline, drifted: w.drifted,
        alphaPerTest: w.evaluation.alphaPerTest, findings,
      };
    }),
    cells: grid(ordered, featureNames, features),
    outputCells: grid(ordered, outputNames, outputs),
  };
}
