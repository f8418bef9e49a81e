// The heatmap's legend: the sequential scale in its own units with the alert threshold marked, and what ▲ and · mean.

import { colourOf, formatStat, RAMP, scaleLabels, thresholdPosition, type DriftMetric } from '../lib/drift-scale.js';
import type { DriftHeatmap } from '../lib/monitoring-types.js';

export function DriftLegend({ heatmap, metric }: { heatmap: DriftHeatmap; metric: DriftMetric }) {
  const threshold = thresholdPosition(heatmap, metric);
  const newest = heatmap.windows[heatmap.windows.length - 1];
  const thresholdText = metric === 'psi'
    ? `PSI warning ${formatStat(heatmap.threshold.psiWarning)}${heatmap.threshold.psiCritical !== null ? `, critical ${formatStat(heatmap.threshold.psiCritical)}` : ''}`
    : `p < ${formatStat(newest?.alphaPerTest ?? heatmap.threshold.value)} per test (alpha ${formatStat(heatmap.threshold.value)} over the window's tests)`;
  return (
    <div class="drift-legend" role="group" aria-label={`Legend: ${metric === 'psi' ? 'PSI' : 'p-value'} from light (no drift) to dark; alert threshold ${thresholdText}`}>
      <div class="legend-bar" aria-hidden="true">
        {RAMP.map((_, i) => <span key={i} style={{ background: colourOf((i + 0.5) / RAMP.length) }} />)}
        {threshold !== null ? <span class="legend-threshold" style={{ left: `${threshold * 100}%` }} /> : null}
      </div>
      <div class="legend-scale" aria-hidden="true">
        {scaleLabels(metric).map((l) => <span key={l.at} style={{ left: `${l.at * 100}%` }}>{l.text}</span>)}
      </div>
      <p class="legend-notes">
        <span class="legend-key"><span class="heat-cell drifted legend-swatch" aria-hidden="true">▲</span> outlined ▲: a drift finding (alert threshold {thresholdText})</span>
        {' '}<span class="legend-key"><span class="legend-swatch threshold-swatch" aria-hidden="true" /> threshold on the scale</span>
        {' '}<span class="legend-key"><span class="heat-cell untested legend-swatch" aria-hidden="true">·</span> hatched: not tested (too few rows)</span>
      </p>
    </div>
  );
}
