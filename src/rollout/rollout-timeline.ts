// A rollout's steps as they ran: the records the controller keeps (gate samples during each bake, the decision that
// ended each step) and the timeline view assembled from them for the dashboard. Pure.

import { formatVersionId } from '../core/endpoint-spec.js';
import { formatGate, type GateMetric, type GateOp } from '../core/rollout-policy.js';
import type { GateResult, GateSample, RolloutState, StepDecision, StepRecord } from '../core/rollout-state.js';
import { candidateShare, isActive, specFor } from './rollout-machine.js';

/** A step keeps at most this many samples: past it, every other one goes (the step is still covered end to end). */
export const MAX_SAMPLES_PER_STEP = 120;
/** The controller ticks every 250 ms; sampling faster than that would only repeat values. */
const MIN_SAMPLE_INTERVAL_MS = 250;

/** The step record a state is in now, just begun at `now`. */
export function openStep(state: RolloutState, now: number): StepRecord {
  const weights: Record<string, number> = {};
  for (const v of specFor(state).variants) weights[v.name] = v.shadow ? 0 : v.weight;
  return {
    stepIndex: state.stepIndex, phase: state.phase, share: candidateShare(state), weights,
    startedAt: now, endedAt: null, decision: null, reason: null, results: [], samples: [],
  };
}

/** The running step's record, opened if the state has none for where it stands (a rollout stored before records). */
function stepsWithOpen(state: RolloutState, now: number): StepRecord[] {
  const steps = state.steps ?? [];
  const last = steps[steps.length - 1];
  if (last && last.endedAt === null && last.stepIndex === state.stepIndex && last.phase === state.phase) return steps;
  return [...steps, openStep(state, Math.min(now, state.stepStartedAt))];
}

/** Every other sample, the newest always kept: halves a full step's samples while covering the same time. */
function thin(samples: GateSample[]): GateSample[] {
  const kept = samples.filter((_, i) => i % 2 === 0);
  const newest = samples[samples.length - 1];
  if (newest && kept[kept.length - 1] !== newest) kept.push(newest);
  return kept;
}

/**
 * The state with the gate values measured at `now` appended to the running step, when a sample is due: spaced by a
 * sixtieth of the bake (or grace period), and by at least a sixtieth of the time the step has run (a paused step does not
 * pile samples up), never closer than the controller's tick. `sampled` says whether one was added.
 */
export function withSample(state: RolloutState, now: number, results: GateResult[]): { state: RolloutState; sampled: boolean } {
  const steps = stepsWithOpen(state, now);
  const step = steps[steps.length - 1]!;
  const last = step.samples[step.samples.length - 1];
  const period = state.phase === 'grace' ? state.policy.graceMs : state.policy.bakeMs;
  const interval = Math.max(MIN_SAMPLE_INTERVAL_MS, period / 60, (now - step.startedAt) / 60);
  if (last && now - last.t < interval) return { state: steps === state.steps ? state : { ...state, steps }, sampled: false };
  const byGate = new Map(results.map((r) => [r.gate, r.value]));
  const sample: GateSample = { t: now, values: state.policy.gates.map((g) => byGate.get(formatGate(g)) ?? null) };
  let samples = [...step.samples, sample];
  if (samples.length > MAX_SAMPLES_PER_STEP) samples = thin(samples);
  const updated: StepRecord = { ...step, samples, results };
  return { state: { ...state, steps: [...steps.slice(0, -1), updated] }, sampled: true };
}

const DECISIONS: Record<string, StepDecision> = {
  'rollout-advance': 'advanced',
  'rollout-complete': 'completed',
  'rollout-rollback': 'rolled_back',
  'rollout-promote': 'promoted',
  'rollout-abort': 'aborted',
};

/**
 * `to` with its step records after a transition (`action` as the endpoint history names it): the running step is closed
 * with the decision, the reason and the results it was taken on, and a new record opens when the rollout moved on to
 * another step. Pause and resume change no record.
 */
export function recordTransition(from: RolloutState, to: RolloutState, action: string, reason: string, results: GateResult[], now: number): RolloutState {
  const decision = DECISIONS[action];
  const steps = stepsWithOpen(from, now);
  if (!decision) return { ...to, steps };
  const running = steps[steps.length - 1]!;
  const closed: StepRecord = { ...running, endedAt: now, decision, reason, results: results.length > 0 ? results : running.results };
  const next = [...steps.slice(0, -1), closed];
  if (isActive(to)) next.push(openStep(to, now));
  return { ...to, steps: next };
}

export interface TimelineGate {
  name: string;
  metric: GateMetric;
  comparator: GateOp;
  threshold: number;
}

export interface TimelineStep {
  /** 1-based, as reasons and the CLI count steps. */
  step: number;
  phase: 'steps' | 'grace';
  share: number;
  weights: Record<string, number>;
  startedAt: number;
  endedAt: number | null;
  decision: StepDecision | null;
  reason: string | null;
  gates: (TimelineGate & { samples: { t: number; value: number | null }[]; final: { value: number | null; passed: boolean | null } | null })[];
}

export interface RolloutTimeline {
  id: string;
  endpoint: string;
  status: RolloutState['status'];
  strategy: RolloutState['policy']['strategy'];
  stable: { variant: string; model: string };
  candidate: { variant: string; model: string };
  actor: string;
  startedAt: number;
  finishedAt: number | null;
  reason: string | null;
  bakeMs: number;
  gates: TimelineGate[];
  steps: TimelineStep[];
}

export interface RolloutSummary {
  id: string;
  endpoint: string;
  status: RolloutState['status'];
  strategy: RolloutState['policy']['strategy'];
  from: string;
  to: string;
  steps: number[];
  /** The step it stands at (active) or ended at, 1-based. */
  step: number;
  actor: string;
  startedAt: number;
  finishedAt: number | null;
  reason: string | null;
}

export function summaryOf(state: RolloutState): RolloutSummary {
  return {
    id: state.id, endpoint: state.endpoint, status: state.status, strategy: state.policy.strategy,
    from: formatVersionId(state.stable.model), to: formatVersionId(state.candidate.model), steps: state.policy.steps,
    step: state.stepIndex + 1, actor: state.actor, startedAt: state.startedAt, finishedAt: state.finishedAt, reason: state.reason,
  };
}

/** The dashboard's view of a rollout: its gates, and each step with every gate's samples and final value. */
export function timelineOf(state: RolloutState): RolloutTimeline {
  const gates: TimelineGate[] = state.policy.gates.map((g) => ({ name: formatGate(g), metric: g.metric, comparator: g.op, threshold: g.value }));
  const records = isActive(state) ? stepsWithOpen(state, state.stepStartedAt) : (state.steps ?? []);
  const steps = records.map((record): TimelineStep => {
    // The running step shows the latest results; a closed one those its decision was taken on.
    const results = record.endedAt === null && state.lastResults.length > 0 ? state.lastResults : record.results;
    const byName = new Map(results.map((r) => [r.gate, r]));
    return {
      step: record.stepIndex + 1, phase: record.phase, share: record.share, weights: record.weights,
      startedAt: record.startedAt, endedAt: record.endedAt, decision: record.decision, reason: record.reason,
      gates: gates.map((gate, i) => {
        const final = byName.get(gate.name);
        return {
          ...gate,
          samples: record.samples.map((s) => ({ t: s.t, value: s.values[i] ?? null })),
          final: final ? { value: final.value, passed: final.passed } : null,
        };
      }),
    };
  });
  return {
    id: state.id, endpoint: state.endpoint, status: state.status, strategy: state.policy.strategy,
    stable: { variant: state.stable.name, model: formatVersionId(state.stable.model) },
    candidate: { variant: state.candidate.name, model: formatVersionId(state.candidate.model) },
    actor: state.actor, startedAt: state.startedAt, finishedAt: state.finishedAt, reason: state.reason, bakeMs: state.policy.bakeMs,
    gates, steps,
  };
}
