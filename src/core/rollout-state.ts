// A rollout as it is stored: the policy, the two variants, where it stands, and the last gate results.

import type { EndpointSpec, VariantSpec } from './endpoint-spec.js';
import type { RolloutPolicy } from './rollout-policy.js';

export interface GateResult {
  gate: string;
  /** The measured value; null when it cannot be measured yet (no requests, no comparisons). */
  value: number | null;
  passed: boolean | null;
}

export type RolloutStatus = 'running' | 'paused' | 'succeeded' | 'rolled_back' | 'aborted';

/** What ended a step: the gates (advanced, completed, rolled_back) or an operator (promoted, aborted). */
export type StepDecision = 'advanced' | 'completed' | 'rolled_back' | 'promoted' | 'aborted';

/** The gates measured at one moment of a step, in the order of the policy's gates (null: not measurable yet). */
export interface GateSample {
  t: number;
  values: (number | null)[];
}

/** One step as it ran: the weights it served, its gate samples during the bake, and what ended it. */
export interface StepRecord {
  stepIndex: number;
  phase: 'steps' | 'grace';
  /** Candidate traffic percentage, and every live variant's weight, while the step ran. */
  share: number;
  weights: Record<string, number>;
  startedAt: number;
  endedAt: number | null;
  decision: StepDecision | null;
  reason: string | null;
  /** The results the decision was taken on (the last measured while the step ran, until it ends). */
  results: GateResult[];
  /** Bounded (rollout/rollout-timeline.ts MAX_SAMPLES_PER_STEP): a long step keeps every other sample. */
  samples: GateSample[];
}

export interface RolloutState {
  id: string;
  endpoint: string;
  policy: RolloutPolicy;
  /** The spec before the rollout: what a rollback restores. */
  base: EndpointSpec;
  stable: VariantSpec;
  candidate: VariantSpec;
  /** 'steps': moving traffic and judging gates; 'grace': switched, the old version kept warm for an instant rollback. */
  phase: 'steps' | 'grace';
  stepIndex: number;
  /** When the current step (or grace period) began, in ms since the epoch. */
  stepStartedAt: number;
  pausedAt: number | null;
  status: RolloutStatus;
  reason: string | null;
  /** The last gate results, shown by status and recorded with each transition. */
  lastResults: GateResult[];
  actor: string;
  startedAt: number;
  finishedAt: number | null;
  /** Every step so far, the running one last (absent in rollouts stored before steps were recorded). */
  steps?: StepRecord[];
}

