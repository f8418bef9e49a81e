// What an endpoint serves: its variants (model versions with runtime config, traffic weight, shadow flag), how
// callers stick to a variant, and the default policy for rollouts.

import { InvalidInputError } from './errors.js';
import { checkName } from './names.js';
import type { RateLimit } from './rate-limit.js';
import { parseRateLimit } from './rate-limit.js';
import type { RolloutPolicy } from './rollout-policy.js';
import type { RuntimeConfig } from './runtime-config.js';

export interface ModelVersionId {
  name: string;
  version: number;
}

export interface VariantSpec {
  name: string;
  model: ModelVersionId;
  /** The reference the user deployed (e.g. `digits@champion`), kept for history; `model` is what it resolved to. */
  ref: string;
  /** Share of live traffic, relative to the other live variants' weights (0 = none, kept warm). */
  weight: number;
  /** A shadow gets a copy of live traffic; its answers are recorded and compared, never returned. */
  shadow: boolean;
  /**
   * Requests this variant serves are also run on the named variant (answer discarded) to measure agreement — how a
   * canary is compared with the stable version on the same inputs.
   */
  compareWith?: string;
  runtime: RuntimeConfig;
}

export interface RoutingSpec {
  /** Request header whose value keeps one caller on one variant (consistent hashing). */
  stickyHeader: string;
}

export interface EndpointSpec {
  name: string;
  variants: VariantSpec[];
  routing: RoutingSpec;
  /** Defaults for `slipway rollout` on this endpoint. */
  rollout?: RolloutPolicy;
  /** Inference requests per second (with a burst) this endpoint takes on each replica; absent: no limit. */
  rateLimit?: RateLimit;
}

export const DEFAULT_ROUTING: RoutingSpec = { stickyHeader: 'x-slipway-route-key' };

/** The header a client sets to pin a request to one variant by name (for debugging). */
export const PIN_HEADER = 'x-slipway-variant';

export function formatVersionId(id: ModelVersionId): string {
  return `${id.name}:${id.version}`;
}

/** Every model version an endpoint spec needs loaded. */
export function versionsOf(spec: EndpointSpec): ModelVersionId[] {
  return spec.variants.map((v) => v.model);
}

/** Variants that answer callers (not shadows). */
export function liveVariants(spec: EndpointSpec): VariantSpec[] {
  return spec.variants.filter((v) => !v.shadow);
}

/** Specs stored by older releases lack newer fields: give them today's defaults. */
export function normalizeSpec(spec: EndpointSpec): EndpointSpec {
  return {
    ...spec,
    routing: { ...DEFAULT_ROUTING, ...(spec.routing ?? {}) },
    variants: spec.variants.map((v) => ({ ...v, shadow: v.shadow ?? false })),
  };
}

/** Checks a resolved spec's structure; messages point at the field. */
export function checkEndpointSpec(spec: EndpointSpec): void {
  if (spec.variants.length === 0) throw new InvalidInputError(`endpoint "${spec.name}": expected at least one variant`);
  const names = new Set<string>();
  spec.variants.forEach((v, i) => {
    const at = `variants[${i}]`;
    checkName('variant', v.name);
    if (names.has(v.name)) throw new InvalidInputError(`${at}.name: variant "${v.name}" appears twice`);
    names.add(v.name);
    if (!Number.isFinite(v.weight) || v.weight < 0 || v.weight > 100) {
      throw new InvalidInputError(`${at}.weight: expected a number from 0 to 100, got ${v.weight}`);
    }
    if (v.shadow && v.weight !== 0) throw new InvalidInputError(`${at}.weight: a shadow variant takes no live traffic, so its weight must be 0, got ${v.weight}`);
  });
  spec.variants.forEach((v, i) => {
    if (v.compareWith === undefined) return;
    if (v.compareWith === v.name || !names.has(v.compareWith)) {
      throw new InvalidInputError(`variants[${i}].compareWith: expected the name of another variant, got "${v.compareWith}"`);
    }
  });
  if (!spec.variants.some((v) => !v.shadow && v.weight > 0)) {
    throw new InvalidInputError(`endpoint "${spec.name}": expected at least one variant with a traffic weight above 0 (shadows take none)`);
  }
  if (spec.rateLimit !== undefined) parseRateLimit(spec.rateLimit, 'rateLimit');
  if (!spec.routing.stickyHeader || !/^[a-z0-9-]+$/i.test(spec.routing.stickyHeader)) {
    throw new InvalidInputError(`routing.stickyHeader: expected an HTTP header name, got ${JSON.stringify(spec.routing.stickyHeader)}`);
  }
}
