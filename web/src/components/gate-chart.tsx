// One gate over one step's bake: the measured value as a line, the threshold as a dashed line, failing samples marked
// with large crossed squares (a shape, not only a colour), the x axis spanning the whole bake so its progress shows.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { gateColumns, gateRange, gateUnit, type GateColumns } from '../lib/gate-series.js';
import type { StepGate } from '../lib/rollout-types.js';
import { GateVerdict } from './gate-verdict.js';

export interface GateChartProps {
  gate: StepGate;
  stepStartedAt: number;
  /** How long the step bakes, in seconds: the x axis spans it (or the samples, when they run longer). */
  bakeSeconds: number;
  height?: number;
}

const MEASURED = '#1d3f6e';
const THRESHOLD = '#5a6672';
const FAILING = '#a11d1d';

/** A crossed square at each failing sample: reads without colour. */
function crossMarks(u: uPlot, seriesIdx: number): null {
  const ctx = u.ctx;
  const xs = u.data[0];
  const ys = u.data[seriesIdx];
  if (!ys) return null;
  const r = 5 * devicePixelRatio;
  ctx.save();
  ctx.strokeStyle = FAILING;
  ctx.lineWidth = 2 * devicePixelRatio;
  for (let i = 0; i < xs.length; i++) {
    const y = ys[i];
    if (y === null || y === undefined) continue;
    const cx = u.valToPos(xs[i]!, 'x', true);
    const cy = u.valToPos(y, 'y', true);
    ctx.strokeRect(cx - r, cy - r, 2 * r, 2 * r);
    ctx.beginPath();
    ctx.moveTo(cx - r, cy - r);
    ctx.lineTo(cx + r, cy + r);
    ctx.moveTo(cx + r, cy - r);
    ctx.lineTo(cx - r, cy + r);
    ctx.stroke();
  }
  ctx.restore();
  return null;
}

function xMax(c: GateColumns, bakeSeconds: number): number {
  return Math.max(bakeSeconds, c.x[c.x.length - 1] ?? 0, 1);
}

/** The columns with a point at the bake's start and end that only the threshold has: its line spans the whole bake. */
function dataOf(c: GateColumns, bakeSeconds: number, threshold: number): uPlot.AlignedData {
  const end = xMax(c, bakeSeconds);
  return [[0, ...c.x, end], [null, ...c.measured, null], [threshold, ...c.threshold, threshold], [null, ...c.failing, null]] as uPlot.AlignedData;
}

function options(props: GateChartProps, width: number, latest: { current: { columns: GateColumns; bakeSeconds: number } }): uPlot.Options {
  const { gate } = props;
  return {
    width,
    height: props.height ?? 200,
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false } },
    scales: {
      x: { time: false, range: () => [0, xMax(latest.current.columns, latest.current.bakeSeconds)] },
      y: { range: () => gateRange(latest.current.columns, gate.threshold) },
    },
    axes: [{ label: 'seconds into the step', size: 44 }, { label: gateUnit(gate.metric), size: 64 }],
    series: [
      { label: 'at (s)', value: (_u: uPlot, v: number | null) => (v === null ? '–' : v.toFixed(1)) },
      { label: 'measured', stroke: MEASURED, width: 2, spanGaps: false, points: { show: true, size: 4, fill: MEASURED } },
      { label: `threshold ${gate.comparator} ${gate.threshold}`, stroke: THRESHOLD, width: 1.5, dash: [6, 4], points: { show: false } },
      { label: '✕ failing', stroke: FAILING, width: 0, paths: crossMarks, points: { show: false } },
    ],
  };
}

export function GateChart(props: GateChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  const columns = gateColumns(props.gate, props.stepStartedAt);
  // The scales read the latest columns through this ref, so new samples never rebuild the chart.
  // (A grace period's length grows while it runs, so it is read the same way.)
  const latest = useRef({ columns, bakeSeconds: props.bakeSeconds });
  latest.current = { columns, bakeSeconds: props.bakeSeconds };
  const shape = `${props.gate.name}|${props.gate.threshold}|${props.stepStartedAt}`;

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const u = new uPlot(options(props, Math.max(240, el.clientWidth), latest), dataOf(columns, props.bakeSeconds, props.gate.threshold), el);
    chart.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(240, el.clientWidth), height: props.height ?? 200 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => {
    chart.current?.setData(dataOf(columns, props.bakeSeconds, props.gate.threshold));
  });

  const { gate } = props;
  const final = gate.final;
  const value = final?.value === null || final?.value === undefined ? 'not measurable yet' : String(Number(final.value.toPrecision(4)));
  const summary = `${value} against ${gate.comparator} ${gate.threshold}; ${columns.passingCount} samples passing, ${columns.failingCount} failing, ${columns.unmeasuredCount} not measurable`;
  return (
    <figure class="chart gate-chart" data-gate={gate.name} data-samples={gate.samples.length} aria-label={`Gate ${gate.name}`}>
      <figcaption>
        <code>{gate.name}</code>{' '}
        <GateVerdict passed={final?.passed} />
        <span class="gate-value" data-field="gate-value"> measured {value}</span>
      </figcaption>
      <div ref={box} class="chart-canvas" role="img" aria-label={`Gate ${gate.name} over the bake: ${summary}`} />
      {gate.samples.length === 0 ? <p class="muted">No samples yet: the first comes within a sixtieth of the bake.</p> : null}
    </figure>
  );
}
