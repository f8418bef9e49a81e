// One heatmap cell opened: the baseline's and the window's histograms on the same bins as shares of their rows (SVG,
// bars side by side per bin: baseline hatched, window solid, so they read in greyscale), and the cell's statistics.

import { formatStat } from '../lib/drift-scale.js';
import { percent } from '../lib/format.js';
import type { WindowFeature } from '../lib/monitoring-types.js';

const W = 720;
const H = 260;
const PAD = { left: 56, right: 28, top: 12, bottom: 64 };

interface Counts { counts: number[]; total: number }

const sharesOf = (c: Counts): number[] => c.counts.map((n) => (c.total > 0 ? n / c.total : 0));

function binLabel(cell: WindowFeature, i: number): string {
  if (cell.kind === 'categorical') return cell.categories[i] ?? '';
  return `${formatEdge(cell.edges[i]!)} to ${formatEdge(cell.edges[i + 1]!)}`;
}

function formatEdge(x: number): string {
  const a = Math.abs(x);
  if (a !== 0 && (a < 0.01 || a >= 1e5)) return x.toExponential(1);
  return a >= 100 ? x.toFixed(0) : x.toFixed(a >= 10 ? 1 : 3);
}

export function HistogramPair({ cell }: { cell: WindowFeature }) {
  const base = sharesOf(cell.baseline);
  const win = sharesOf(cell.window);
  const bins = base.length;
  const top = Math.max(0.01, ...base, ...win);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const band = plotW / Math.max(1, bins);
  const bar = Math.max(1, band * 0.42);
  const y = (share: number): number => PAD.top + plotH - (share / top) * plotH;
  const ticks = [0, top / 2, top];
  // Every bin labelled when few; otherwise about six labels along the axis so they do not overlap.
  const every = cell.kind === 'categorical' ? Math.max(1, Math.ceil(bins / 20)) : Math.max(1, Math.ceil(bins / 6));
  const what = cell.output ? 'output' : 'feature';
  const title = `Histogram of ${what} ${cell.feature}: baseline (${cell.baselineModel}) against window ${cell.windowId}, share of rows per ${cell.kind === 'numeric' ? 'bin' : 'category'}`;
  const bars = (shares: number[], offset: number, cls: string, label: string) => (
    <g class={`hist-series ${cls}`} data-series={label} data-bins={shares.length} data-total={shares.reduce((a, b) => a + b, 0).toFixed(3)}>
      {shares.map((s, i) => (
        <rect x={PAD.left + i * band + offset} y={y(s)} width={bar} height={PAD.top + plotH - y(s)}>
          <title>{`${label}, ${binLabel(cell, i)}: ${percent(s)}`}</title>
        </rect>
      ))}
    </g>
  );
  return (
    <figure class="histogram-pair">
      <figcaption>{title}</figcaption>
      <ul class="hist-legend" aria-label="Legend">
        <li><svg width="18" height="12" aria-hidden="true"><rect width="18" height="12" class="swatch-baseline" /></svg> Baseline ({cell.baseline.total} sampled values)</li>
        <li><svg width="18" height="12" aria-hidden="true"><rect width="18" height="12" class="swatch-window" /></svg> Window #{cell.windowId} ({cell.window.total} values)</li>
      </ul>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} class="hist-svg">
        <defs>
          <pattern id="hist-hatch" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
            <rect width="6" height="6" fill="#e4e8ec" />
            <line x1="0" y1="0" x2="0" y2="6" stroke="#5b6b7a" stroke-width="2" />
          </pattern>
        </defs>
        {ticks.map((t) => (
          <g class="hist-grid">
            <line x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text x={PAD.left - 6} y={y(t) + 4} text-anchor="end">{percent(t)}</text>
          </g>
        ))}
        <text class="hist-axis-title" transform={`translate(14 ${PAD.top + plotH / 2}) rotate(-90)`} text-anchor="middle">share of rows</text>
        {bars(base, band * 0.08, 'hist-baseline', 'baseline')}
        {bars(win, band * 0.08 + bar, 'hist-window', `window ${cell.windowId}`)}
        <line class="hist-axis" x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} />
        {Array.from({ length: bins + (cell.kind === 'numeric' ? 1 : 0) }, (_, i) => i).filter((i) => i % every === 0 || (cell.kind === 'numeric' && i === bins)).map((i) => (
          cell.kind === 'numeric'
            ? <text class="hist-tick" x={PAD.left + i * band} y={PAD.top + plotH + 16} text-anchor="middle">{formatEdge(cell.edges[i]!)}</text>
            : <text class="hist-tick" transform={`translate(${PAD.left + (i + 0.5) * band} ${PAD.top + plotH + 12}) rotate(35)`}>{(cell.categories[i] ?? '').slice(0, 14)}</text>
        ))}
        <text class="hist-axis-title" x={PAD.left + plotW / 2} y={H - 8} text-anchor="middle">{cell.kind === 'numeric' ? `${cell.feature} (value)` : `${cell.feature} (category)`}</text>
      </svg>
      {cell.kind === 'numeric'
        ? <p class="muted">Outside the bins: baseline {cell.baseline.below} below, {cell.baseline.above} above; window {cell.window.below} below, {cell.window.above} above. Missing (NaN): baseline {cell.baseline.missing}, window {cell.window.missing}.</p>
        : <p class="muted">Missing: baseline {cell.baseline.missing}, window {cell.window.missing}.</p>}
    </figure>
  );
}

/** The cell's statistics against the window's thresholds. */
export function CellStatistics({ cell }: { cell: WindowFeature }) {
  const s = cell.score;
  if (!s) return <p class="muted">No statistics were computed for {cell.feature} in this window.</p>;
  const test = s.ks ? { name: 'KS', stat: s.ks.statistic, p: s.ks.pValue } : s.chi2 ? { name: 'Chi-squared', stat: s.chi2.statistic, p: s.chi2.pValue } : null;
  return (
    <dl class="facts cell-stats">
      <dt>Verdict</dt><dd>{s.drifted ? <strong>▲ drifted (a finding was raised)</strong> : 'no drift'}</dd>
      <dt>{test ? `${test.name} test` : 'Test'}</dt>
      <dd>{test ? <>statistic {formatStat(test.stat)}, p-value {formatStat(test.p)} {test.p < cell.alphaPerTest ? '<' : '≥'} per-test level {formatStat(cell.alphaPerTest)}</> : 'not run (too few rows)'}</dd>
      <dt>PSI</dt><dd>{formatStat(s.psi)}</dd>
      {s.wasserstein !== undefined ? <><dt>Wasserstein</dt><dd>{formatStat(s.wasserstein)} ({formatStat(s.wassersteinStd)} baseline std)</dd></> : null}
      {s.outOfRangeRate !== undefined ? <><dt>Out of baseline range</dt><dd>{percent(s.outOfRangeRate)}</dd></> : null}
      {s.unseenRate !== undefined ? <><dt>Unseen categories</dt><dd>{percent(s.unseenRate)}{s.unseen && s.unseen.length > 0 ? ` (${s.unseen.slice(0, 5).join(', ')})` : ''}</dd></> : null}
      <dt>Rows / missing</dt><dd>{s.rows} / {percent(s.missingRate)}</dd>
      <dt>Baseline</dt><dd>{cell.baselineModel}</dd>
    </dl>
  );
}
