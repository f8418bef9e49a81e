// A tiny inline chart of one series (e.g. requests per second over the last minute), drawn as SVG.

export interface SparklineProps {
  values: number[];
  label: string;
  width?: number;
  height?: number;
}

export function Sparkline({ values, label, width = 120, height = 28 }: SparklineProps) {
  const max = Math.max(1e-9, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - 2 - (v / max) * (height - 4)).toFixed(1)}`).join(' ');
  const peak = values.length === 0 ? 0 : Math.max(...values);
  return (
    <svg class="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} role="img" aria-label={`${label}: peak ${peak}`}>
      <line x1="0" y1={height - 1} x2={width} y2={height - 1} class="sparkline-base" />
      {values.length > 0 ? <polyline points={points} class="sparkline-line" /> : null}
    </svg>
  );
}
