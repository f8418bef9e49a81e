import { describe, expect, it } from 'vitest';
import { diffSpecs } from './endpoint-diff.js';
import type { EndpointSpec, VariantSpec } from './endpoint-spec.js';
import { DEFAULT_POLICY } from './rollout-policy.js';
import type { RuntimeConfig } from './runtime-config.js';
import { DEFAULT_RUNTIME } from './runtime-config.js';

const variant = (name: string, version: number, weight: number, extra: Partial<VariantSpec> = {}): VariantSpec => ({
  name, model: { name: 'digits', version }, ref: `digits:${version}`, weight, shadow: false, runtime: { ...DEFAULT_RUNTIME }, ...extra,
});

const live = (): EndpointSpec => ({
  name: 'digits',
  variants: [variant('stable', 3, 90), variant('canary', 4, 10, { compareWith: 'stable' }), variant('shadow', 5, 0, { shadow: true })],
  routing: { stickyHeader: 'x-slipway-route-key' },
});

describe('diffSpecs', () => {
  it('is empty when nothing changes, refs and key order included', () => {
    const desired = live();
    const reversed = Object.fromEntries(Object.entries(DEFAULT_RUNTIME).reverse()) as unknown as RuntimeConfig;
    desired.variants[0] = { ...desired.variants[0]!, ref: 'digits@champion', runtime: reversed };
    expect(diffSpecs(live(), desired)).toEqual([]);
  });

  it('lists a new endpoint with its variants and non-default settings', () => {
    const spec = { ...live(), routing: { stickyHeader: 'x-user' }, rollout: DEFAULT_POLICY };
    expect(diffSpecs(undefined, spec)).toEqual([
      '+ endpoint digits',
      '+ variant stable (digits:3, weight 90)',
      '+ variant canary (digits:4, weight 10, compared with stable)',
      '+ variant shadow (digits:5, shadow)',
      '+ routing.stickyHeader: x-user',
      '+ rollout (canary steps 5,25,50,100%, bake 2m, gates error_rate<=0.01 min_requests>=100, grace 5m)',
    ]);
  });

  it('shows each changed field of a variant, added and removed variants', () => {
    const desired = live();
    desired.variants = [
      { ...desired.variants[0]!, weight: 80, runtime: { ...DEFAULT_RUNTIME, instances: 2, preferredBatchSizes: [8, 16] } },
      { ...desired.variants[1]!, model: { name: 'digits', version: 6 }, compareWith: undefined },
      variant('old-timer', 1, 10),
    ];
    delete desired.variants[1]!.compareWith;
    expect(diffSpecs(live(), desired)).toEqual([
      '- variant shadow (digits:5, shadow)',
      '~ variant stable: weight 90 -> 80',
      '~ variant stable: runtime.instances 1 -> 2',
      '~ variant stable: runtime.preferredBatchSizes [] -> [8, 16]',
      '~ variant canary: model digits:4 -> digits:6',
      '~ variant canary: compareWith stable -> (none)',
      '+ variant old-timer (digits:1, weight 10)',
    ]);
  });

  it('shows a shadow becoming live, a reordering and a routing change', () => {
    const desired = live();
    desired.variants = [desired.variants[1]!, desired.variants[0]!, { ...desired.variants[2]!, shadow: false, weight: 5 }];
    desired.routing = { stickyHeader: 'x-user' };
    expect(diffSpecs(live(), desired)).toEqual([
      '~ variant shadow: weight 0 -> 5',
      '~ variant shadow: shadow true -> false',
      '~ variant order: stable, canary, shadow -> canary, stable, shadow',
      '~ routing.stickyHeader: x-slipway-route-key -> x-user',
    ]);
  });

  it('shows the rollout policy appearing, changing per field and going away', () => {
    expect(diffSpecs(live(), { ...live(), rollout: DEFAULT_POLICY })).toEqual([
      '+ rollout (canary steps 5,25,50,100%, bake 2m, gates error_rate<=0.01 min_requests>=100, grace 5m)',
    ]);
    expect(diffSpecs({ ...live(), rollout: DEFAULT_POLICY }, live())).toEqual([
      '- rollout (canary steps 5,25,50,100%, bake 2m, gates error_rate<=0.01 min_requests>=100, grace 5m); rollouts use the server\'s defaults',
    ]);
    const changed = { ...DEFAULT_POLICY, steps: [10, 100], bakeMs: 30_000, gates: [{ metric: 'agreement' as const, op: '>=' as const, value: 0.97 }] };
    expect(diffSpecs({ ...live(), rollout: DEFAULT_POLICY }, { ...live(), rollout: changed })).toEqual([
      '~ rollout.steps: [5, 25, 50, 100] -> [10, 100]',
      '~ rollout.bake: 2m -> 30s',
      '~ rollout.gates: [error_rate<=0.01, min_requests>=100] -> [agreement>=0.97]',
    ]);
    expect(diffSpecs({ ...live(), rollout: DEFAULT_POLICY }, { ...live(), rollout: { ...DEFAULT_POLICY } })).toEqual([]);
  });

  it('shows a rate limit added, changed and removed, and nothing for the same limit', () => {
    const limited = (requestsPerSecond: number, burst: number): EndpointSpec => ({ ...live(), rateLimit: { requestsPerSecond, burst } });
    expect(diffSpecs(live(), limited(10, 20))).toEqual(['+ rateLimit (10/s, burst 20)']);
    expect(diffSpecs(limited(10, 20), limited(5, 20))).toEqual(['~ rateLimit: 10/s, burst 20 -> 5/s, burst 20']);
    expect(diffSpecs(limited(10, 20), live())).toEqual(['- rateLimit (10/s, burst 20); no limit']);
    expect(diffSpecs(limited(10, 20), limited(10, 20))).toEqual([]);
  });
});
