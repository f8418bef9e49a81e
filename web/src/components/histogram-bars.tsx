// A small histogram as SVG: numeric counts over equal-width bins (edges on the x axis) or counts per category (names
// below, rotated when many). Bars in one dark tone with light gaps, so it reads in greyscale; the y axis says counts.

import { tickLabel } from '../lib/chart-ticks.js';

export type HistogramData =
  | { kind: 'numeric'; edges: number[]; counts: number[] }
  | { kind: 'categorical'; categories: string[]; counts: number[] };

const W = 260;
const H = 120;
const PAD = { left: 34, right: 6, top: 6, bottom: 30 };

export function HistogramBars({ data, label }: { data: HistogramData; label: string }) {
  const n = data.counts.length;
  const max = Math.max(1, ...data.counts);
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = n === 0 ? 0 : plotW / n;
  const y = (c: number): number => PAD.top + plotH - (c / max) * plotH;
  const described = data.kind === 'numeric'
    ? `from ${tickLabel(data.edges[0] ?? 0)} to ${tickLabel(data.edges[n] ?? 0)}, highest bin ${max}`
    : data.categories.map((c, i) => `${c}: ${data.counts[i]}`).slice(0, 12).join(', ');
  return (
    <svg class="histogram" viewBox={`0 0 ${W} ${H}`} role="img" aria-label={`${label}: ${described}`} data-bins={n}>
      <line x1={PAD.left} y1={PAD.top + plotH} x2={W - PAD.right} y2={PAD.top + plotH} class="axis" />
      <line x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + plotH} class="axis" />
      <text x={PAD.left - 4} y={PAD.top + 8} class="tick" text-anchor="end">{tickLabel(max)}</text>
      <text x={PAD.left - 4} y={PAD.top + plotH} class="tick" text-anchor="end">0</text>
      {data.counts.map((c, i) => (
        <rect key={i} class="bar" x={PAD.left + i * barW + 0.5} y={y(c)} width={Math.max(0.5, barW - 1)} height={PAD.top + plotH - y(c)}>
          <title>{data.kind === 'numeric' ? `${tickLabel(data.edges[i]!)} – ${tickLabel(data.edges[i + 1]!)}: ${c}` : `${data.categories[i]}: ${c}`}</title>
        </rect>
      ))}
      {data.kind === 'numeric' ? (
        <>
          <text x={PAD.left} y={H - 14} class="tick" text-anchor="start">{tickLabel(data.edges[0] ?? 0)}</text>
          <text x={W - PAD.right} y={H - 14} class="tick" text-anchor="end">{tickLabel(data.edges[n] ?? 0)}</text>
        </>
      ) : data.categories.map((c, i) => (
        n <= 12 ? (
          <text key={c} x={PAD.left + (i + 0.5) * barW} y={H - 16} class="tick" text-anchor="middle">{c.length > 6 ? `${c.slice(0, 5)}…` : c}</text>
        ) : null
      ))}
      <text x={PAD.left + plotW / 2} y={H - 2} class="axis-label" text-anchor="middle">{data.kind === 'numeric' ? 'value' : 'category'} · count</text>
    </svg>
  );
}
