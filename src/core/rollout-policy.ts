// How a rollout moves traffic (strategy, steps, bake time) and the gates that decide each step, parsed from text.

import { InvalidInputError } from './errors.js';

export const STRATEGIES = ['canary', 'blue-green', 'immediate'] as const;
export type RolloutStrategy = (typeof STRATEGIES)[number];

export const GATE_METRICS = ['error_rate', 'p99_latency_ratio', 'p99_latency_ms', 'agreement', 'min_requests'] as const;
export type GateMetric = (typeof GATE_METRICS)[number];
export type GateOp = '<=' | '>=' | '<' | '>';

/** e.g. `error_rate<=0.01`: the candidate's error rate over the step's window at most 1%. */
export interface Gate {
  metric: GateMetric;
  op: GateOp;
  value: number;
}

export interface RolloutPolicy {
  strategy: RolloutStrategy;
  /** Candidate traffic percentages, ending at 100 (canary); blue-green and immediate use [100]. */
  steps: number[];
  /** How long each step runs before its gates are judged. */
  bakeMs: number;
  gates: Gate[];
  /** Blue-green: how long the old version stays warm after the switch, for an instant rollback. */
  graceMs: number;
}

export const DEFAULT_POLICY: RolloutPolicy = {
  strategy: 'canary',
  steps: [5, 25, 50, 100],
  bakeMs: 120_000,
  gates: [
    { metric: 'error_rate', op: '<=', value: 0.01 },
    { metric: 'min_requests', op: '>=', value: 100 },
  ],
  graceMs: 300_000,
};

export function parseGate(text: string): Gate {
  const m = /^\s*([a-z0-9_]+)\s*(<=|>=|<|>)\s*(-?\d+(?:\.\d+)?(?:e-?\d+)?)\s*$/i.exec(text);
  if (!m) throw new InvalidInputError(`gate ${JSON.stringify(text)}: expected <metric><op><number>, e.g. "error_rate<=0.01"`);
  const metric = m[1]!.toLowerCase();
  if (!(GATE_METRICS as readonly string[]).includes(metric)) {
    throw new InvalidInputError(`gate ${JSON.stringify(text)}: unknown metric "${metric}"; expected one of ${GATE_METRICS.join(', ')}`);
  }
  return { metric: metric as GateMetric, op: m[2] as GateOp, value: Number(m[3]) };
}

export function formatGate(gate: Gate): string {
  return `${gate.metric}${gate.op}${gate.value}`;
}

/** Checks the steps of a strategy: increasing percentages in (0, 100], the last one 100. */
export function checkSteps(strategy: RolloutStrategy, steps: number[], field = 'steps'): number[] {
  if (strategy !== 'canary') return [100];
  if (steps.length === 0) throw new InvalidInputError(`${field}: expected at least one step, e.g. [5, 25, 50, 100]`);
  steps.forEach((s, i) => {
    if (!Number.isFinite(s) || s <= 0 || s > 100 || (i > 0 && s <= steps[i - 1]!)) {
      throw new InvalidInputError(`${field}: expected increasing percentages from 1 to 100, got [${steps.join(', ')}]`);
    }
  });
  if (steps[steps.length - 1] !== 100) throw new InvalidInputError(`${field}: the last step must be 100, got [${steps.join(', ')}]`);
  return steps;
}
