// The profile's trade-off as SVG: every measured configuration as a point (throughput across, p99 latency up), the
// Pareto front as a stepped line of filled squares, the latency objective as a dashed line, and the recommended point
// ringed and labelled. Shapes and dashes, not hue, tell them apart; each point's title names its configuration.

import type { ProfilePoint } from '../lib/model-reports.js';
import { niceTicks, tickLabel } from '../lib/chart-ticks.js';

export interface ProfileChartProps {
  points: ProfilePoint[];
  /** Indexes into points. */
  pareto: number[];
  recommended: ProfilePoint | null;
  sloP99Ms: number;
}

const W = 640;
const H = 320;
const PAD = { left: 60, right: 16, top: 14, bottom: 44 };

export function describeConfig(p: ProfilePoint): string {
  const c = p.config;
  return `${c.instances} instance(s) × ${c.intraOpThreads} thread(s)${c.busyIntraOpThreads ? ` (${c.busyIntraOpThreads} beside another run)` : ''}, batch ≤ ${c.maxBatchSize}${c.maxBatchSize > 1 ? ` (${c.maxQueueDelayMicros} µs wait)` : ''}, ${p.concurrency} client(s)`;
}

export function ProfileChart({ points, pareto, recommended, sloP99Ms }: ProfileChartProps) {
  const xs = niceTicks(0, Math.max(1, ...points.map((p) => p.throughput)));
  const ys = niceTicks(0, Math.max(sloP99Ms * 1.1, ...points.map((p) => p.p99Ms)));
  const xMax = xs[xs.length - 1]!;
  const yMax = ys[ys.length - 1]!;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (v: number): number => PAD.left + (v / xMax) * plotW;
  const y = (v: number): number => PAD.top + plotH - (v / yMax) * plotH;
  const front = pareto.map((i) => points[i]).filter((p): p is ProfilePoint => p !== undefined).sort((a, b) => a.throughput - b.throughput);
  // A step line: from each front point, across at its latency to the next point's throughput, then up.
  const steps = front.map((p, i) => (i === 0 ? `M${x(p.throughput)},${y(p.p99Ms)}` : `H${x(p.throughput)}V${y(p.p99Ms)}`)).join('');
  const onFront = new Set(pareto);
  const summary = `${points.length} configurations measured, ${front.length} on the Pareto front${recommended ? `; recommended ${tickLabel(recommended.throughput)} inferences/s at p99 ${tickLabel(recommended.p99Ms)} ms` : '; none meets the objective'}`;
  return (
    <figure class="chart profile-chart" aria-label="Throughput against p99 latency" data-points={points.length} data-pareto={front.length}>
      <figcaption>Throughput against p99 latency, one point per configuration and client concurrency</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={summary}>
        {ys.map((t) => (
          <g key={`y${t}`}>
            <line class="grid" x1={PAD.left} x2={W - PAD.right} y1={y(t)} y2={y(t)} />
            <text class="tick" x={PAD.left - 6} y={y(t) + 4} text-anchor="end">{tickLabel(t)}</text>
          </g>
        ))}
        {xs.map((t) => (
          <g key={`x${t}`}>
            <line class="grid" y1={PAD.top} y2={PAD.top + plotH} x1={x(t)} x2={x(t)} />
            <text class="tick" x={x(t)} y={PAD.top + plotH + 16} text-anchor="middle">{tickLabel(t)}</text>
          </g>
        ))}
        <line class="axis" x1={PAD.left} y1={PAD.top + plotH} x2={W - PAD.right} y2={PAD.top + plotH} />
        <line class="axis" x1={PAD.left} y1={PAD.top} x2={PAD.left} y2={PAD.top + plotH} />
        <text class="axis-label" x={PAD.left + plotW / 2} y={H - 6} text-anchor="middle">throughput (inferences/s)</text>
        <text class="axis-label" transform={`translate(14 ${PAD.top + plotH / 2}) rotate(-90)`} text-anchor="middle">p99 latency (ms)</text>
        <line class="slo-line" x1={PAD.left} x2={W - PAD.right} y1={y(sloP99Ms)} y2={y(sloP99Ms)} />
        <text class="slo-label" x={W - PAD.right - 4} y={y(sloP99Ms) - 5} text-anchor="end">objective: p99 ≤ {tickLabel(sloP99Ms)} ms</text>
        {front.length > 1 ? <path class="pareto-line" d={steps} /> : null}
        {points.map((p, i) => (
          onFront.has(i)
            ? <rect key={i} class="pt pt-front" x={x(p.throughput) - 4.5} y={y(p.p99Ms) - 4.5} width={9} height={9}><title>Pareto: {describeConfig(p)}: {tickLabel(p.throughput)}/s, p99 {tickLabel(p.p99Ms)} ms</title></rect>
            : <circle key={i} class="pt" cx={x(p.throughput)} cy={y(p.p99Ms)} r={3.5}><title>{describeConfig(p)}: {tickLabel(p.throughput)}/s, p99 {tickLabel(p.p99Ms)} ms</title></circle>
        ))}
        {recommended ? (
          <g class="pt-recommended">
            <circle cx={x(recommended.throughput)} cy={y(recommended.p99Ms)} r={10} />
            <text x={x(recommended.throughput) + (x(recommended.throughput) > W - 150 ? -14 : 14)} y={y(recommended.p99Ms) - 12} text-anchor={x(recommended.throughput) > W - 150 ? 'end' : 'start'}>recommended</text>
          </g>
        ) : null}
      </svg>
      <ul class="chart-legend" aria-label="Legend">
        <li><svg width="14" height="14" aria-hidden="true"><circle class="pt" cx="7" cy="7" r="3.5" /></svg> measured configuration</li>
        <li><svg width="28" height="14" aria-hidden="true"><path class="pareto-line" d="M1,10H14V4H27" /><rect class="pt pt-front" x="9.5" y="5.5" width="9" height="9" /></svg> Pareto front (no other point has both more throughput and a lower p99)</li>
        <li><svg width="28" height="14" aria-hidden="true"><line class="slo-line" x1="1" x2="27" y1="7" y2="7" /></svg> latency objective</li>
        <li><svg width="24" height="24" aria-hidden="true"><g class="pt-recommended"><circle cx="12" cy="12" r="10" /></g></svg> recommended</li>
      </ul>
    </figure>
  );
}
