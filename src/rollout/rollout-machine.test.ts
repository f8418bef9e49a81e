import { describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING, type EndpointSpec, type VariantSpec } from '../core/endpoint-spec.js';
import { DEFAULT_RUNTIME } from '../core/runtime-config.js';
import { parseGate, type RolloutPolicy } from '../core/rollout-policy.js';
import { judge, type WindowNumbers } from './gate-verdict.js';
import { command, specFor, tick, type RolloutState } from './rollout-machine.js';

const variant = (name: string, version: number): VariantSpec => ({
  name, model: { name: 'm', version }, ref: `m:${version}`, weight: 100, shadow: false, runtime: DEFAULT_RUNTIME,
});
const base: EndpointSpec = { name: 'ep', variants: [variant('m-1', 1)], routing: DEFAULT_ROUTING };
const policy = (p: Partial<RolloutPolicy> = {}): RolloutPolicy => ({
  strategy: 'canary', steps: [5, 50, 100], bakeMs: 1000, graceMs: 500,
  gates: ['error_rate<=0.01', 'min_requests>=100', 'p99_latency_ratio<=1.3'].map(parseGate), ...p,
});
const state = (p: Partial<RolloutPolicy> = {}): RolloutState => ({
  id: 'r1', endpoint: 'ep', policy: policy(p), base, stable: variant('m-1', 1), candidate: variant('m-2', 2), phase: 'steps',
  stepIndex: 0, stepStartedAt: 0, pausedAt: null, status: 'running', reason: null, lastResults: [], actor: 'test', startedAt: 0, finishedAt: null,
});
const win = (requests: number, errorRate: number, p99Ms: number, agreement: number | null = null): WindowNumbers => ({ requests, errorRate, p99Ms, agreement });
const good = judge(policy().gates, win(200, 0, 10), win(3000, 0, 9));

describe('specFor', () => {
  it('splits traffic by the current step and keeps the stable variant warm at 100%', () => {
    const s = state();
    expect(specFor(s).variants.map((v) => [v.name, v.weight, v.shadow])).toEqual([['m-1', 95, false], ['m-2', 5, false]]);
    expect(specFor({ ...s, stepIndex: 2 }).variants.map((v) => v.weight)).toEqual([0, 100]);
    expect(specFor({ ...s, status: 'succeeded' }).variants.map((v) => v.name)).toEqual(['m-2']);
    expect(specFor({ ...s, status: 'rolled_back' }).variants.map((v) => [v.name, v.weight])).toEqual([['m-1', 100]]);
  });
  it('shadows the candidate in blue-green, then switches and keeps the old one warm', () => {
    const s = state({ strategy: 'blue-green', steps: [100] });
    expect(specFor(s).variants.map((v) => [v.name, v.weight, v.shadow])).toEqual([['m-1', 100, false], ['m-2', 0, true]]);
    expect(specFor({ ...s, phase: 'grace' }).variants.map((v) => [v.name, v.weight, v.shadow])).toEqual([['m-2', 100, false], ['m-1', 0, false]]);
  });
  it('asks for comparison copies only when an agreement gate needs them', () => {
    expect(specFor(state()).variants[1]!.compareWith).toBeUndefined();
    expect(specFor(state({ gates: [parseGate('agreement>=0.97')] })).variants[1]!.compareWith).toBe('m-1');
  });
});

describe('tick', () => {
  it('waits for the bake time, then advances step by step and completes', () => {
    expect(tick(state(), 500, good).kind).toBe('none');
    const t1 = tick(state(), 1000, good);
    expect(t1.kind).toBe('advance');
    if (t1.kind !== 'advance') return;
    expect(t1.to.stepIndex).toBe(1);
    expect(t1.to.stepStartedAt).toBe(1000);
    const last = tick({ ...t1.to, stepIndex: 2 }, 2000, good);
    expect(last.kind).toBe('complete');
    expect(last.kind === 'complete' && last.to.status).toBe('succeeded');
  });
  it('rolls back at once when a gate fails with enough traffic, naming the gate and the measured value', () => {
    const bad = judge(policy().gates, win(120, 0.2, 10), win(3000, 0, 9));
    const t = tick(state(), 300, bad);
    expect(t.kind).toBe('rollback');
    if (t.kind !== 'rollback') return;
    expect(t.to.status).toBe('rolled_back');
    expect(t.to.reason).toBe('step 1 (5%): gate error_rate<=0.01 failed: measured 0.2');
  });
  it('does not judge early on too little traffic, but fails the step at its end without enough requests', () => {
    const few = judge(policy().gates, win(20, 0.5, 10), win(300, 0, 9));
    expect(tick(state(), 300, few).kind).toBe('none');
    const end = tick(state(), 1000, few);
    expect(end.kind).toBe('rollback');
    expect(end.kind === 'rollback' && end.to.reason).toMatch(/gate error_rate<=0.01 failed: measured 0.5/);
  });
  it('trips the latency ratio gate', () => {
    const slow = judge(policy().gates, win(200, 0, 30), win(3000, 0, 10));
    const t = tick(state(), 1000, slow);
    expect(t.kind === 'rollback' && t.to.reason).toMatch(/gate p99_latency_ratio<=1.3 failed: measured 3/);
  });
  it('blue-green switches after the shadow phase, and releases the old version after the grace period', () => {
    const s = state({ strategy: 'blue-green', steps: [100] });
    const t = tick(s, 1000, good);
    expect(t.kind === 'advance' && t.to.phase).toBe('grace');
    if (t.kind !== 'advance') return;
    expect(tick(t.to, 1400, good).kind).toBe('none');
    expect(tick(t.to, 1500, good).kind).toBe('complete');
  });
});

describe('immediate', () => {
  it('switches all traffic at once, keeps the old version warm while the gates judge, then releases it', () => {
    const s = state({ strategy: 'immediate', steps: [100] });
    expect(specFor(s).variants.map((v) => [v.name, v.weight])).toEqual([['m-1', 0], ['m-2', 100]]);
    const bad = judge(policy().gates, win(200, 0.5, 10), win(1, 0, 9));
    const back = tick(s, 100, bad);
    expect(back.kind === 'rollback' && specFor(back.to).variants.map((v) => [v.name, v.weight])).toEqual([['m-1', 100]]);
    const done = tick(s, 1000, good);
    expect(done.kind === 'complete' && specFor(done.to).variants.map((v) => v.name)).toEqual(['m-2']);
  });
});

describe('commands', () => {
  it('pause stops the clock; resume keeps the bake time that was left', () => {
    const paused = command(state(), 'pause', 400, 'ops');
    expect(tick(paused, 5000, good).kind).toBe('none');
    const resumed = command(paused, 'resume', 10_400, 'ops');
    expect(resumed.stepStartedAt).toBe(10_000);
    expect(tick(resumed, 10_900, good).kind).toBe('none');
    expect(tick(resumed, 11_000, good).kind).toBe('advance');
  });
  it('promote finishes at 100%, abort restores the stable version; both refused once finished', () => {
    expect(command(state(), 'promote', 1, 'ops')).toMatchObject({ status: 'succeeded', reason: 'promoted to 100% by ops' });
    const aborted = command(state(), 'abort', 1, 'ops');
    expect(aborted).toMatchObject({ status: 'aborted', reason: 'aborted by ops' });
    expect(() => command(aborted, 'resume', 2, 'ops')).toThrow('rollout r1 of "ep" is aborted; resume needs an active rollout');
  });
});
