// A live time-series chart over uPlot: one instance per set of lines, fed with setData on every update (no new chart,
// no growth), resized with its box, destroyed on unmount.

import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { lineStyle } from './palette.js';

export interface ChartLine {
  label: string;
  values: (number | null)[];
}

export interface TimeChartProps {
  title: string;
  /** What the y axis counts, e.g. "req/s" or "ms". */
  unit: string;
  /** Seconds since the epoch, one per point. */
  times: number[];
  lines: ChartLine[];
  height?: number;
}

function options(props: TimeChartProps, width: number): uPlot.Options {
  return {
    width,
    height: props.height ?? 180,
    legend: { show: true, live: true },
    cursor: { drag: { x: false, y: false } },
    scales: { x: { time: true } },
    axes: [{}, { label: props.unit, size: 56 }],
    series: [
      {},
      ...props.lines.map((line, i) => {
        const style = lineStyle(i);
        return { label: line.label, stroke: style.stroke, width: style.width, dash: style.dash, spanGaps: false, points: { show: false } };
      }),
    ],
  };
}

function dataOf(props: TimeChartProps): uPlot.AlignedData {
  return [props.times, ...props.lines.map((l) => l.values)] as uPlot.AlignedData;
}

export function TimeChart(props: TimeChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot | null>(null);
  // The chart is rebuilt only when its lines change (a variant came or went), never for new points.
  const shape = `${props.unit}|${props.lines.map((l) => l.label).join('|')}`;

  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const u = new uPlot(options(props, Math.max(200, el.clientWidth)), dataOf(props), el);
    chart.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: props.height ?? 180 }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      u.destroy();
      chart.current = null;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [shape]);

  useEffect(() => {
    chart.current?.setData(dataOf(props));
  });

  const latest = props.lines.map((l) => `${l.label}: ${l.values.length === 0 ? 'no data' : (l.values[l.values.length - 1] ?? 'no data')}`).join('; ');
  return (
    <figure class="chart" data-points={props.times.length} aria-label={`${props.title} (${props.unit})`}>
      <figcaption>{props.title}</figcaption>
      <div ref={box} class="chart-canvas" role="img" aria-label={`${props.title}, latest values: ${latest}`} />
      {props.times.length === 0 ? <p class="muted">No data yet: points appear as requests arrive.</p> : null}
    </figure>
  );
}
