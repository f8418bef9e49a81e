import { describe, expect, it } from 'vitest';
import type { EndpointSpec } from './endpoint-spec.js';
import { manifestOf, parseEndpointManifest, rolloutPolicyOf } from './endpoint-manifest.js';
import { InvalidInputError } from './errors.js';
import { DEFAULT_POLICY } from './rollout-policy.js';
import { DEFAULT_RUNTIME } from './runtime-config.js';

function messageOf(doc: unknown): string {
  try {
    parseEndpointManifest(doc);
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('expected the document to be refused');
}

const doc = (): Record<string, unknown> => ({
  kind: 'Endpoint',
  name: 'digits',
  variants: [
    { name: 'stable', model: 'digits:3', weight: 90, runtime: { instances: 2, intraOpThreads: 1, maxBatchSize: 32, maxQueueDelayMicros: 500 } },
    { name: 'canary', model: 'digits:4', weight: 10, compareWith: 'stable' },
    { name: 'shadow', model: 'digits@challenger', shadow: true },
  ],
  routing: { stickyHeader: 'x-slipway-route-key' },
  rollout: { strategy: 'canary', steps: [5, 25, 50, 100], bake: '2m', gates: ['error_rate<=0.01', 'p99_latency_ratio<=1.3', 'agreement>=0.97', 'min_requests>=200'], grace: '5m' },
});

/** The document with one part replaced: `variants[1]` merged with `patch`. */
function withVariant(i: number, patch: Record<string, unknown>): Record<string, unknown> {
  const d = doc();
  const variants = d.variants as Record<string, unknown>[];
  variants[i] = { ...variants[i], ...patch };
  return d;
}

describe('parseEndpointManifest', () => {
  it('reads the documented example, filling what does not depend on the server', () => {
    const m = parseEndpointManifest(doc());
    expect(m.variants).toEqual([
      { name: 'stable', model: 'digits:3', weight: 90, runtime: { instances: 2, intraOpThreads: 1, maxBatchSize: 32, maxQueueDelayMicros: 500 } },
      { name: 'canary', model: 'digits:4', weight: 10, compareWith: 'stable', runtime: {} },
      { name: 'shadow', model: 'digits@challenger', weight: 0, shadow: true, runtime: {} },
    ]);
    expect(m.routing).toEqual({ stickyHeader: 'x-slipway-route-key' });
    expect(rolloutPolicyOf(m.rollout!)).toEqual({
      strategy: 'canary', steps: [5, 25, 50, 100], bakeMs: 120_000, graceMs: 300_000,
      gates: [
        { metric: 'error_rate', op: '<=', value: 0.01 }, { metric: 'p99_latency_ratio', op: '<=', value: 1.3 },
        { metric: 'agreement', op: '>=', value: 0.97 }, { metric: 'min_requests', op: '>=', value: 200 },
      ],
    });
  });

  it('puts fields in canonical order whatever order they were written in', () => {
    const m = parseEndpointManifest({ variants: [{ runtime: { maxQueueSize: 9, instances: 2 }, weight: 5, model: 'a:1', name: 'v' }], name: 'e' });
    expect(Object.keys(m)).toEqual(['kind', 'name', 'variants', 'routing']);
    expect(Object.keys(m.variants[0]!)).toEqual(['name', 'model', 'weight', 'runtime']);
    expect(Object.keys(m.variants[0]!.runtime)).toEqual(['instances', 'maxQueueSize']);
  });

  it('fills defaults: kind, routing, a live weight of 100, a partial rollout from the default policy', () => {
    const m = parseEndpointManifest({ name: 'e', variants: [{ name: 'v', model: 'a' }], rollout: { strategy: 'blue-green', bake: 30, gates: ['error_rate <= 0.05'] }, routing: null });
    expect(m).toMatchObject({ kind: 'Endpoint', routing: { stickyHeader: 'x-slipway-route-key' }, variants: [{ weight: 100 }] });
    expect(m.rollout).toEqual({ strategy: 'blue-green', steps: [100], bake: '30s', gates: ['error_rate<=0.05'], grace: '5m' });
    const canary = parseEndpointManifest({ name: 'e', variants: [{ name: 'v', model: 'a' }], rollout: {} });
    expect(rolloutPolicyOf(canary.rollout!)).toEqual(DEFAULT_POLICY);
  });

  it('points at the field of every mistake and says what was expected', () => {
    expect(messageOf(withVariant(1, { weight: 150 }))).toBe('variants[1].weight: expected a number from 0 to 100, got 150');
    expect(messageOf(withVariant(1, { weight: '10' }))).toBe('variants[1].weight: expected a number from 0 to 100, got "10"');
    expect(messageOf(withVariant(2, { weight: 10 }))).toBe('variants[2].weight: a shadow variant takes no live traffic, so its weight must be 0 or absent, got 10');
    expect(messageOf(withVariant(0, { wieght: 1 }))).toBe('variants[0].wieght: unknown field; expected one of name, model, weight, shadow, compareWith, runtime');
    expect(messageOf({ ...doc(), replicas: 3 })).toBe('replicas: unknown field; expected one of kind, name, variants, routing, rollout, rateLimit, capture, monitor, retrain');
    expect(messageOf(withVariant(1, { name: 'stable' }))).toBe('variants[1].name: "stable" is already the name of variants[0]; variant names must be unique');
    expect(messageOf(withVariant(1, { name: 'Canary' }))).toMatch(/^variants\[1\]\.name: variant name "Canary" is invalid: expected 1-63 characters/);
    expect(messageOf(withVariant(1, { model: 'digits:0' }))).toBe('variants[1].model: model version in "digits:0" is invalid: expected a positive integer');
    expect(messageOf(withVariant(1, { model: 4 }))).toMatch(/^variants\[1\]\.model: expected a model reference such as "digits:3" or "digits@champion", got 4$/);
    expect(messageOf(withVariant(1, { compareWith: 'nope' }))).toBe('variants[1].compareWith: expected the name of another variant (stable, shadow), got "nope"');
    expect(messageOf(withVariant(1, { compareWith: 'canary' }))).toMatch(/^variants\[1\]\.compareWith: expected the name of another variant/);
    expect(messageOf(withVariant(2, { shadow: 'yes' }))).toBe('variants[2].shadow: expected true or false, got "yes"');
    expect(messageOf(withVariant(0, { runtime: { instances: 1.5 } }))).toBe('variants[0].runtime.instances: expected an integer, got 1.5');
    expect(messageOf(withVariant(0, { runtime: { threads: 2 } }))).toMatch(/^variants\[0\]\.runtime\.threads: unknown field; expected one of auto, instances, intraOpThreads/);
    expect(messageOf(withVariant(0, { runtime: { preferredBatchSizes: 8 } }))).toBe('variants[0].runtime.preferredBatchSizes: expected a list of integers, e.g. [8, 16], got 8');
    expect(messageOf({ ...doc(), kind: 'Deployment' })).toBe('kind: expected "Endpoint" (or no kind), got "Deployment"');
    expect(messageOf({ ...doc(), name: 'Digits' })).toMatch(/^name: endpoint name "Digits" is invalid/);
    expect(messageOf({ ...doc(), name: undefined })).toBe('name: expected the endpoint name, got nothing');
    expect(messageOf({ ...doc(), variants: [] })).toBe('variants: expected a list of at least one variant, got a list []');
    expect(messageOf([1])).toMatch(/^the document: expected a mapping with kind, name, variants/);
    expect(messageOf({ ...doc(), routing: { stickyHeader: 'x route' } })).toMatch(/^routing\.stickyHeader: expected an HTTP header name/);
  });

  it('refuses an endpoint that nobody would answer', () => {
    expect(messageOf({ name: 'e', variants: [{ name: 'a', model: 'm:1', weight: 0 }, { name: 's', model: 'm:2', shadow: true }] }))
      .toBe('variants: expected at least one variant that is not a shadow and has a weight above 0, to answer callers');
  });

  it('checks the rollout policy: strategy, steps, durations, gates', () => {
    const rollout = (patch: Record<string, unknown>): unknown => ({ ...doc(), rollout: { ...(doc().rollout as object), ...patch } });
    expect(messageOf(rollout({ gates: ['error_rate<=0.01', 'latency<5'] }))).toBe('rollout.gates[1]: gate "latency<5": unknown metric "latency"; expected one of error_rate, p99_latency_ratio, p99_latency_ms, agreement, min_requests');
    expect(messageOf(rollout({ gates: ['error_rate=0.01'] }))).toMatch(/^rollout\.gates\[0\]: gate "error_rate=0\.01": expected <metric><op><number>/);
    expect(messageOf(rollout({ gates: 'error_rate<=0.01' }))).toMatch(/^rollout\.gates: expected a list of gates/);
    expect(messageOf(rollout({ bake: '2 minutes' }))).toBe('rollout.bake: expected a duration such as "500ms", "30s", "2m" or "1h", got "2 minutes"');
    expect(messageOf(rollout({ grace: true }))).toBe('rollout.grace: expected a duration such as "30s" or "2m", got true');
    expect(messageOf(rollout({ steps: [50, 25, 100] }))).toBe('rollout.steps: expected increasing percentages from 1 to 100, got [50, 25, 100]');
    expect(messageOf(rollout({ steps: [5, 50] }))).toBe('rollout.steps: the last step must be 100, got [5, 50]');
    expect(messageOf(rollout({ strategy: 'blue-green' }))).toMatch(/^rollout\.steps: a blue-green rollout moves all traffic in one step, \[100\]/);
    expect(messageOf(rollout({ strategy: 'linear' }))).toBe('rollout.strategy: expected one of canary, blue-green, immediate, got "linear"');
    expect(messageOf(rollout({ pause: '1m' }))).toBe('rollout.pause: unknown field; expected one of strategy, steps, bake, gates, grace');
  });
});

describe('manifestOf', () => {
  const spec: EndpointSpec = {
    name: 'digits',
    variants: [
      { name: 'stable', model: { name: 'digits', version: 3 }, ref: 'digits@champion', weight: 90, shadow: false, runtime: { ...DEFAULT_RUNTIME, instances: 2, preferredBatchSizes: [8] , maxBatchSize: 16 } },
      { name: 'canary', model: { name: 'digits', version: 4 }, ref: 'digits:4', weight: 10, shadow: false, compareWith: 'stable', runtime: DEFAULT_RUNTIME },
      { name: 'shadow', model: { name: 'digits', version: 5 }, ref: 'digits@challenger', weight: 0, shadow: true, runtime: DEFAULT_RUNTIME },
    ],
    routing: { stickyHeader: 'x-user' },
    rollout: { ...DEFAULT_POLICY, bakeMs: 90_000, graceMs: 1500 },
    rateLimit: { requestsPerSecond: 50, burst: 100 },
  };

  it('writes versions (not refs), the full runtime, and the rollout as text', () => {
    const m = manifestOf(spec);
    expect(m.variants.map((v) => v.model)).toEqual(['digits:3', 'digits:4', 'digits:5']);
    expect(m.variants[0]!.runtime).toEqual(spec.variants[0]!.runtime);
    expect(m.variants[2]).toMatchObject({ weight: 0, shadow: true });
    expect('shadow' in m.variants[0]!).toBe(false);
    expect(m.rollout).toEqual({ strategy: 'canary', steps: [5, 25, 50, 100], bake: '90s', gates: ['error_rate<=0.01', 'min_requests>=100'], grace: '1500ms' });
  });

  it('is a fixed point of parsing: what get prints, apply reads back to the same document', () => {
    const m = manifestOf(spec);
    const again = parseEndpointManifest(JSON.parse(JSON.stringify(m)));
    expect(again).toEqual(m);
    expect(JSON.stringify(again)).toBe(JSON.stringify(m));
    expect(rolloutPolicyOf(again.rollout!)).toEqual(spec.rollout);
    expect(again.rateLimit).toEqual(spec.rateLimit);
  });
});

describe('rateLimit', () => {
  it('reads requests per second and a burst, the burst defaulting to the rate rounded up', () => {
    expect(parseEndpointManifest({ ...doc(), rateLimit: { requestsPerSecond: 20, burst: 40 } }).rateLimit).toEqual({ requestsPerSecond: 20, burst: 40 });
    expect(parseEndpointManifest({ ...doc(), rateLimit: { requestsPerSecond: 2.5 } }).rateLimit).toEqual({ requestsPerSecond: 2.5, burst: 3 });
    expect('rateLimit' in parseEndpointManifest(doc())).toBe(false);
  });

  it('points at the field of a wrong limit', () => {
    expect(messageOf({ ...doc(), rateLimit: 10 })).toBe('rateLimit: expected a mapping of requestsPerSecond and burst, got 10');
    expect(messageOf({ ...doc(), rateLimit: { requestsPerSecond: 0 } })).toBe('rateLimit.requestsPerSecond: expected a number above 0 and at most 1000000, got 0');
    expect(messageOf({ ...doc(), rateLimit: { requestsPerSecond: 5, burst: 0.5 } })).toBe('rateLimit.burst: expected a whole number from 1 to 1000000, got 0.5');
    expect(messageOf({ ...doc(), rateLimit: { perSecond: 5 } })).toBe('rateLimit.perSecond: unknown field; expected one of requestsPerSecond, burst');
  });
});
