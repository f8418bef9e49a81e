// Judging a rollout step: each gate measured on the candidate's window (and the stable one's, for ratios).

import type { Gate } from '../core/rollout-policy.js';
import { formatGate } from '../core/rollout-policy.js';
import type { GateResult } from '../core/rollout-state.js';

export type { GateResult } from '../core/rollout-state.js';

/** The window numbers gates read (a subset of serving's window snapshot). */
export interface WindowNumbers {
  requests: number;
  errorRate: number | null;
  p99Ms: number | null;
  agreement: number | null;
}

export interface Verdict {
  results: GateResult[];
  /** Every gate measured and satisfied. */
  passed: boolean;
  /** The first failed gate with its measured value, for the rollback reason. */
  failure: string | null;
  /** Enough requests were seen for a failing gate to end the step early (rather than waiting for the bake time). */
  conclusive: boolean;
}

/** Without a min_requests gate, this many requests make an early failure conclusive. */
const DEFAULT_EARLY_REQUESTS = 50;

function measure(gate: Gate, candidate: WindowNumbers, stable: WindowNumbers | null): number | null {
  switch (gate.metric) {
    case 'error_rate': return candidate.errorRate;
    case 'p99_latency_ms': return candidate.p99Ms;
    case 'p99_latency_ratio':
      return candidate.p99Ms === null || stable?.p99Ms == null || stable.p99Ms === 0 ? null : candidate.p99Ms / stable.p99Ms;
    case 'agreement': return candidate.agreement;
    case 'min_requests': return candidate.requests;
  }
}

function holds(gate: Gate, value: number): boolean {
  switch (gate.op) {
    case '<=': return value <= gate.value;
    case '>=': return value >= gate.value;
    case '<': return value < gate.value;
    case '>': return value > gate.value;
  }
}

function round(value: number): number {
  return Math.round(value * 10000) / 10000;
}

export function judge(gates: readonly Gate[], candidate: WindowNumbers, stable: WindowNumbers | null): Verdict {
  const results = gates.map((gate): GateResult => {
    const value = measure(gate, candidate, stable);
    return { gate: formatGate(gate), value: value === null ? null : round(value), passed: value === null ? null : holds(gate, value) };
  });
  const failed = results.find((r) => r.passed === false);
  const minGate = gates.find((g) => g.metric === 'min_requests');
  const enough = minGate ? candidate.requests >= minGate.value : candidate.requests >= DEFAULT_EARLY_REQUESTS;
  return {
    results,
    passed: results.every((r) => r.passed === true),
    failure: failed ? `gate ${failed.gate} failed: measured ${failed.value}` : null,
    // min_requests itself failing is never conclusive early: more traffic may still come.
    conclusive: enough && results.some((r) => r.passed === false && !r.gate.startsWith('min_requests')),
  };
}
