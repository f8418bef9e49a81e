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
}

