// How strong a heatmap cell's drift is, on one sequential scale: -log10(p) for p-values, PSI as it is; pure, so the
// legend, the cells and their labels agree, and tested without a browser.

import type { DriftHeatmap, HeatmapCell } from './monitoring-types.js';

export type DriftMetric = 'pValue' | 'psi';

/** -log10(p) above this reads as "certainly drifted": the scale's top (p = 1e-10). */
const P_TOP = 10;
/** PSI above this is far past any usual critical level (0.25): the scale's top. */
const PSI_TOP = 0.5;

/**
 * Light to dark, one hue family (viridis' ends reversed to grey-safe lightness): each step is darker than the last,
 * so the order reads in greyscale too.
 */
export const RAMP = ['#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b'] as const;

/** The cell's position on the scale, 0 (no sign of drift) to 1 (the top); null when the cell has no such value. */
export function intensity(cell: HeatmapCell | null, metric: DriftMetric): number | null {
  if (!cell) return null;
  if (metric === 'psi') return cell.psi === null ? null : Math.min(1, Math.max(0, cell.psi / PSI_TOP));
  if (cell.pValue === null) return null;
  return Math.min(1, Math.max(0, -Math.log10(Math.max(cell.pValue, 1e-300)) / P_TOP));
}

export function colourOf(position: number): string {
  return RAMP[Math.min(RAMP.length - 1, Math.floor(position * RAMP.length))]!;
}

/** Whether text drawn on this position needs to be light to be read. */
export function isDark(position: number): boolean {
  return Math.floor(position * RAMP.length) >= 5;
}

/** Where the alert threshold sits on the scale: the per-test level of the newest window for p-values, the PSI warning level. */
export function thresholdPosition(heatmap: Pick<DriftHeatmap, 'threshold' | 'windows'>, metric: DriftMetric): number | null {
  if (metric === 'psi') return heatmap.threshold.psiWarning === null ? null : Math.min(1, heatmap.threshold.psiWarning / PSI_TOP);
  const newest = heatmap.windows[heatmap.windows.length - 1];
  const level = newest ? newest.alphaPerTest : heatmap.threshold.value;
  return Math.min(1, -Math.log10(level) / P_TOP);
}

/** The scale's labels, bottom to top, in the metric's own units. */
export function scaleLabels(metric: DriftMetric): { at: number; text: string }[] {
  if (metric === 'psi') return [0, 0.25, 0.5, 0.75, 1].map((at) => ({ at, text: (at * PSI_TOP).toFixed(2) }));
  return [0, 0.2, 0.4, 0.6, 0.8, 1].map((at) => ({ at, text: at === 0 ? '1' : `1e-${Math.round(at * P_TOP)}` }));
}

/** A p-value or PSI for people: short, and small p-values in exponent form. */
export function formatStat(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  if (value !== 0 && Math.abs(value) < 0.001) return value.toExponential(1);
  return value.toFixed(3);
}
