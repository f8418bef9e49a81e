// A gate's samples over a step's bake as chart columns: seconds into the step, the measured values, the threshold as
// a flat line, and the failing samples apart (drawn as marks) — and a sample's verdict, as the server judges it.

import type { StepGate } from './rollout-types.js';

export function passes(value: number, comparator: string, threshold: number): boolean {
  switch (comparator) {
    case '<=': return value <= threshold;
    case '<': return value < threshold;
    case '>=': return value >= threshold;
    case '>': return value > threshold;
    default: return false;
  }
}

export interface GateColumns {
  /** Seconds since the step started. */
  x: number[];
  measured: (number | null)[];
  threshold: number[];
  /** The measured value where it fails the gate, null elsewhere: a points-only series. */
  failing: (number | null)[];
  passingCount: number;
  failingCount: number;
  unmeasuredCount: number;
}

export function gateColumns(gate: StepGate, stepStartedAt: number): GateColumns {
  const x: number[] = [];
  const measured: (number | null)[] = [];
  const failing: (number | null)[] = [];
  let passingCount = 0;
  let failingCount = 0;
  let unmeasuredCount = 0;
  for (const s of gate.samples) {
    x.push((s.t - stepStartedAt) / 1000);
    measured.push(s.value);
    if (s.value === null) {
      unmeasuredCount++;
      failing.push(null);
    } else if (passes(s.value, gate.comparator, gate.threshold)) {
      passingCount++;
      failing.push(null);
    } else {
      failingCount++;
      failing.push(s.value);
    }
  }
  return { x, measured, threshold: x.map(() => gate.threshold), failing, passingCount, failingCount, unmeasuredCount };
}

/** The y range: the samples and the threshold, with room around them so the threshold line never sits on the frame. */
export function gateRange(columns: GateColumns, threshold: number): [number, number] {
  let lo = threshold;
  let hi = threshold;
  for (const v of columns.measured) {
    if (v === null) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const pad = hi === lo ? Math.max(Math.abs(hi) * 0.5, 0.01) : (hi - lo) * 0.15;
  return [lo >= 0 && lo - pad < 0 ? 0 : lo - pad, hi + pad];
}

/** Units of a gate's metric, for the y axis. */
export function gateUnit(metric: string): string {
  switch (metric) {
    case 'error_rate': return 'error rate (share)';
    case 'p99_latency_ratio': return 'p99 ÷ stable p99';
    case 'p99_latency_ms': return 'p99 latency (ms)';
    case 'agreement': return 'agreement (share)';
    case 'min_requests': return 'requests';
    default: return metric;
  }
}
