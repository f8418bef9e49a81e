// The rollout state machine, pure: what spec each state serves, and what a tick or a command does to the state.

import type { EndpointSpec, VariantSpec } from '../core/endpoint-spec.js';
import { InvalidInputError } from '../core/errors.js';
import type { GateResult, RolloutState, RolloutStatus } from '../core/rollout-state.js';
import type { Verdict } from './gate-verdict.js';

export type { RolloutState, RolloutStatus } from '../core/rollout-state.js';

export type Transition =
  | { kind: 'none' }
  | { kind: 'advance'; to: RolloutState; results: GateResult[] }
  | { kind: 'rollback'; to: RolloutState; results: GateResult[] }
  | { kind: 'complete'; to: RolloutState; results: GateResult[] };

export function isActive(state: RolloutState): boolean {
  return state.status === 'running' || state.status === 'paused';
}

/** Candidate traffic share (percent) in the current state. */
export function candidateShare(state: RolloutState): number {
  if (state.status === 'succeeded') return 100;
  if (state.status === 'rolled_back' || state.status === 'aborted') return 0;
  if (state.phase === 'grace') return 100;
  if (state.policy.strategy === 'blue-green') return 0; // shadowing until the switch
  return state.policy.steps[state.stepIndex]!;
}

/** The endpoint spec a state serves. The stable variant stays loaded (weight 0) until the rollout ends. */
export function specFor(state: RolloutState): EndpointSpec {
  const others = state.base.variants.filter((v) => v.name !== state.stable.name && v.name !== state.candidate.name);
  const { compareWith: _drop, ...candidate } = state.candidate;
  const wantsAgreement = state.policy.gates.some((g) => g.metric === 'agreement');
  const spec = (variants: VariantSpec[]): EndpointSpec => ({ ...state.base, variants: [...variants, ...others] });
  if (state.status === 'succeeded') return spec([{ ...candidate, weight: 100, shadow: false }]);
  if (state.status === 'rolled_back' || state.status === 'aborted') return spec([{ ...state.stable, weight: 100, shadow: false }]);
  if (state.phase === 'grace') return spec([{ ...candidate, weight: 100, shadow: false }, { ...state.stable, weight: 0, shadow: false }]);
  if (state.policy.strategy === 'blue-green') {
    return spec([{ ...state.stable, weight: 100, shadow: false }, { ...candidate, weight: 0, shadow: true }]);
  }
  const share = candidateShare(state);
  const live: VariantSpec = { ...candidate, weight: share, shadow: false, ...(wantsAgreement ? { compareWith: state.stable.name } : {}) };
  return spec([{ ...state.stable, weight: 100 - share, shadow: false }, live]);
}

function finish(state: RolloutState, status: RolloutStatus, now: number, reason: string | null): RolloutState {
  return { ...state, status, reason, finishedAt: now, pausedAt: null };
}

/** Decides what a tick does, given the current step's verdict. */
export function tick(state: RolloutState, now: number, verdict: Verdict): Transition {
  if (state.status !== 'running') return { kind: 'none' };
  const elapsed = now - state.stepStartedAt;
  if (state.phase === 'grace') {
    if (elapsed < state.policy.graceMs) return { kind: 'none' };
    return { kind: 'complete', to: finish(state, 'succeeded', now, 'grace period over: the old version was released'), results: state.lastResults };
  }
  const withResults = { ...state, lastResults: verdict.results };
  if (verdict.conclusive || (elapsed >= state.policy.bakeMs && !verdict.passed)) {
    const reason = verdict.failure ?? 'gates could not be measured (no traffic reached the candidate during the step)';
    return { kind: 'rollback', to: finish(withResults, 'rolled_back', now, `step ${state.stepIndex + 1} (${candidateShare(state)}%): ${reason}`), results: verdict.results };
  }
  if (elapsed < state.policy.bakeMs) return { kind: 'none' };
  return advance(withResults, now, verdict.results);
}

function advance(state: RolloutState, now: number, results: GateResult[]): Transition {
  const last = state.stepIndex >= state.policy.steps.length - 1;
  if (state.policy.strategy === 'blue-green') {
    // Shadowing passed: switch all traffic at once, keep the old version warm for the grace period.
    return { kind: 'advance', to: { ...state, phase: 'grace', stepStartedAt: now, reason: 'gates passed: switched' }, results };
  }
  if (!last) return { kind: 'advance', to: { ...state, stepIndex: state.stepIndex + 1, stepStartedAt: now }, results };
  return { kind: 'complete', to: finish(state, 'succeeded', now, 'all steps passed their gates'), results };
}

export type Command = 'pause' | 'resume' | 'promote' | 'abort';

/** Applies an operator's command; refused (InvalidInputError) when it makes no sense in the current state. */
export function command(state: RolloutState, cmd: Command, now: number, actor: string): RolloutState {
  if (!isActive(state)) throw new InvalidInputError(`rollout ${state.id} of "${state.endpoint}" is ${state.status.replace('_', ' ')}; ${cmd} needs an active rollout`);
  switch (cmd) {
    case 'pause':
      if (state.status === 'paused') throw new InvalidInputError(`rollout ${state.id} is already paused`);
      return { ...state, status: 'paused', pausedAt: now };
    case 'resume':
      if (state.status !== 'paused') throw new InvalidInputError(`rollout ${state.id} is not paused`);
      // The step keeps the bake time it had left when it was paused.
      return { ...state, status: 'running', stepStartedAt: state.stepStartedAt + (now - (state.pausedAt ?? now)), pausedAt: null };
    case 'promote':
      return finish(state, 'succeeded', now, `promoted to 100% by ${actor}`);
    case 'abort':
      return finish(state, 'aborted', now, `aborted by ${actor}`);
  }
}
