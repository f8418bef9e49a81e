import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING, type EndpointSpec, type VariantSpec } from '../core/endpoint-spec.js';
import { parseGate } from '../core/rollout-policy.js';
import type { GateResult } from '../core/rollout-state.js';
import { DEFAULT_RUNTIME } from '../core/runtime-config.js';
import { judge } from './gate-verdict.js';
import { command, tick, type RolloutState } from './rollout-machine.js';
import { MAX_SAMPLES_PER_STEP, openStep, recordTransition, summaryOf, timelineOf, withSample } from './rollout-timeline.js';

const variant = (name: string, version: number): VariantSpec => ({
  name, model: { name: 'm', version }, ref: `m:${version}`, weight: 100, shadow: false, runtime: DEFAULT_RUNTIME,
});
const base: EndpointSpec = { name: 'ep', variants: [variant('m-1', 1)], routing: DEFAULT_ROUTING };
const gates = ['error_rate<=0.01', 'min_requests>=10'].map(parseGate);
const begun: RolloutState = {
  id: 'r1', endpoint: 'ep', policy: { strategy: 'canary', steps: [10, 100], bakeMs: 6000, graceMs: 0, gates }, base,
  stable: variant('m-1', 1), candidate: variant('m-2', 2), phase: 'steps', stepIndex: 0, stepStartedAt: 0, pausedAt: null,
  status: 'running', reason: null, lastResults: [], actor: 'alice', startedAt: 0, finishedAt: null,
};
const start: RolloutState = { ...begun, steps: [openStep(begun, 0)] };
const results = (errorRate: number, requests: number): GateResult[] =>
  judge(gates, { requests, errorRate, p99Ms: 1, agreement: null }, null).results;

/** Samples every `every` ms from `from` to `to` (exclusive), as the controller's ticks would. */
function sampled(state: RolloutState, from: number, to: number, every: number, r: GateResult[]): RolloutState {
  let s = state;
  for (let t = from; t < to; t += every) s = withSample(s, t, r).state;
  return s;
}

describe('step records', () => {
  it('open with the weights the step serves', () => {
    expect(start.steps![0]).toMatchObject({ stepIndex: 0, phase: 'steps', share: 10, weights: { 'm-1': 90, 'm-2': 10 }, endedAt: null, decision: null });
  });

  it('sample each gate about every sixtieth of the bake, in the policy\'s order', () => {
    // bake 6000 ms: a sample every 100 ms would be too often for the 250 ms tick, so every 250 ms.
    const s = sampled(start, 0, 1000, 50, results(0, 20));
    const samples = s.steps![0]!.samples;
    expect(samples.map((x) => x.t)).toEqual([0, 250, 500, 750]);
    expect(samples[0]!.values).toEqual([0, 20]);
    expect(withSample(s, 800, results(0, 20)).sampled).toBe(false);
  });

  it('keep a step bounded however long it runs, still covering it end to end', () => {
    const s = sampled(start, 0, 3_600_000, 250, results(0, 20));
    const samples = s.steps![0]!.samples;
    expect(samples.length).toBeLessThanOrEqual(MAX_SAMPLES_PER_STEP);
    expect(samples.length).toBeGreaterThan(MAX_SAMPLES_PER_STEP / 4);
    expect(samples[0]!.t).toBe(0);
    expect(samples[samples.length - 1]!.t).toBeGreaterThan(3_500_000);
  });

  it('close a step with the decision and open the next one; the last step closes the rollout', () => {
    const s1 = sampled(start, 0, 6000, 250, results(0, 20));
    const t1 = tick(s1, 6000, judge(gates, { requests: 20, errorRate: 0, p99Ms: 1, agreement: null }, null));
    expect(t1.kind).toBe('advance');
    if (t1.kind !== 'advance') return;
    const s2 = recordTransition(s1, t1.to, 'rollout-advance', 'gates passed', t1.results, 6000);
    expect(s2.steps!.map((r) => [r.stepIndex, r.share, r.decision, r.endedAt])).toEqual([[0, 10, 'advanced', 6000], [1, 100, null, null]]);
    expect(s2.steps![1]!.weights).toEqual({ 'm-1': 0, 'm-2': 100 });
    const failing = results(0.5, 20);
    const s3 = sampled(s2, 6000, 7000, 250, failing);
    const t2 = tick(s3, 7000, judge(gates, { requests: 60, errorRate: 0.5, p99Ms: 1, agreement: null }, null));
    expect(t2.kind).toBe('rollback');
    if (t2.kind !== 'rollback') return;
    const s4 = recordTransition(s3, t2.to, 'rollout-rollback', t2.to.reason!, t2.results, 7000);
    expect(s4.steps).toHaveLength(2);
    expect(s4.steps![1]).toMatchObject({ decision: 'rolled_back', endedAt: 7000, reason: t2.to.reason });

    const view = timelineOf(s4);
    expect(view).toMatchObject({ id: 'r1', status: 'rolled_back', candidate: { variant: 'm-2', model: 'm:2' }, stable: { model: 'm:1' } });
    expect(view.gates).toEqual([
      { name: 'error_rate<=0.01', metric: 'error_rate', comparator: '<=', threshold: 0.01 },
      { name: 'min_requests>=10', metric: 'min_requests', comparator: '>=', threshold: 10 },
    ]);
    expect(view.steps.map((x) => [x.step, x.decision])).toEqual([[1, 'advanced'], [2, 'rolled_back']]);
    const errorGate = view.steps[1]!.gates[0]!;
    expect(errorGate.samples.map((x) => x.value)).toEqual([0.5, 0.5, 0.5, 0.5]);
    expect(errorGate.final).toEqual({ value: 0.5, passed: false });
    expect(summaryOf(s4)).toMatchObject({ from: 'm:1', to: 'm:2', status: 'rolled_back', step: 2, steps: [10, 100] });
  });

  it('leave pause and resume out of the records; an abort closes the running step', () => {
    const paused = command(start, 'pause', 100, 'bob');
    const s1 = recordTransition(start, paused, 'rollout-pause', 'paused', [], 100);
    expect(s1.steps).toEqual(start.steps);
    const aborted = command(s1, 'abort', 200, 'bob');
    const s2 = recordTransition(s1, aborted, 'rollout-abort', 'aborted by bob', [], 200);
    expect(s2.steps!.map((r) => [r.decision, r.endedAt])).toEqual([['aborted', 200]]);
  });

  it('show a rollout stored before records as its one running step, with the latest results', () => {
    const old: RolloutState = { ...begun, stepIndex: 0, stepStartedAt: 500, lastResults: results(0, 3) };
    const view = timelineOf(old);
    expect(view.steps).toHaveLength(1);
    expect(view.steps[0]).toMatchObject({ step: 1, startedAt: 500, decision: null });
    expect(view.steps[0]!.gates[1]!.final).toEqual({ value: 3, passed: false });
    expect(timelineOf({ ...old, status: 'succeeded' }).steps).toEqual([]);
  });
});
