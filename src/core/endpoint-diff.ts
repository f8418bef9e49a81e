// What applying a spec would change, one readable line per changed field: the dry-run answer, and the test for "no
// changes" (an empty diff means the spec would be stored unchanged, so nothing is applied and no revision is made).

import { formatDuration } from './duration.js';
import type { EndpointSpec, VariantSpec } from './endpoint-spec.js';
import { DEFAULT_ROUTING, formatVersionId } from './endpoint-spec.js';
import type { RateLimit } from './rate-limit.js';
import type { RolloutPolicy } from './rollout-policy.js';
import { formatGate } from './rollout-policy.js';

function value(v: unknown): string {
  if (v === undefined) return '(none)';
  if (Array.isArray(v)) return `[${v.map(value).join(', ')}]`;
  return String(v);
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function summary(v: VariantSpec): string {
  const parts = [formatVersionId(v.model), v.shadow ? 'shadow' : `weight ${v.weight}`];
  if (v.compareWith !== undefined) parts.push(`compared with ${v.compareWith}`);
  return `${v.name} (${parts.join(', ')})`;
}

function policySummary(p: RolloutPolicy): string {
  const steps = p.strategy === 'canary' ? ` steps ${p.steps.join(',')}%` : '';
  return `${p.strategy}${steps}, bake ${formatDuration(p.bakeMs)}, gates ${p.gates.map(formatGate).join(' ') || 'none'}, grace ${formatDuration(p.graceMs)}`;
}

function variantChanges(from: VariantSpec, to: VariantSpec): string[] {
  const out: string[] = [];
  const line = (field: string, a: unknown, b: unknown): void => {
    if (!same(a, b)) out.push(`~ variant ${to.name}: ${field} ${value(a)} -> ${value(b)}`);
  };
  line('model', formatVersionId(from.model), formatVersionId(to.model));
  line('weight', from.weight, to.weight);
  line('shadow', from.shadow, to.shadow);
  line('compareWith', from.compareWith, to.compareWith);
  const keys = [...new Set([...Object.keys(from.runtime), ...Object.keys(to.runtime)])] as (keyof VariantSpec['runtime'])[];
  for (const key of keys) line(`runtime.${key}`, from.runtime[key], to.runtime[key]);
  return out;
}

function rateSummary(limit: RateLimit): string {
  return `${limit.requestsPerSecond}/s, burst ${limit.burst}`;
}

function rateLimitChanges(from: RateLimit | undefined, to: RateLimit | undefined): string[] {
  if (same(from, to)) return [];
  if (!from) return [`+ rateLimit (${rateSummary(to!)})`];
  if (!to) return [`- rateLimit (${rateSummary(from)}); no limit`];
  return [`~ rateLimit: ${rateSummary(from)} -> ${rateSummary(to)}`];
}

function rolloutChanges(from: RolloutPolicy | undefined, to: RolloutPolicy | undefined): string[] {
  if (!from && !to) return [];
  if (!from) return [`+ rollout (${policySummary(to!)})`];
  if (!to) return [`- rollout (${policySummary(from)}); rollouts use the server's defaults`];
  const out: string[] = [];
  const line = (field: string, a: unknown, b: unknown): void => {
    if (!same(a, b)) out.push(`~ rollout.${field}: ${value(a)} -> ${value(b)}`);
  };
  line('strategy', from.strategy, to.strategy);
  line('steps', from.steps, to.steps);
  line('bake', formatDuration(from.bakeMs), formatDuration(to.bakeMs));
  line('gates', from.gates.map(formatGate), to.gates.map(formatGate));
  line('grace', formatDuration(from.graceMs), formatDuration(to.graceMs));
  return out;
}

/**
 * Lines such as `+ variant canary (digits:4, weight 10)`, `~ variant stable: weight 90 -> 80`, `- variant old (...)`,
 * `~ routing.stickyHeader: a -> b`, `~ rollout.bake: 2m -> 5m`; `live` undefined means the endpoint is new. A variant's
 * ref is not compared: it only records how its version was chosen.
 */
export function diffSpecs(live: EndpointSpec | undefined, desired: EndpointSpec): string[] {
  if (!live) {
    const out = [`+ endpoint ${desired.name}`, ...desired.variants.map((v) => `+ variant ${summary(v)}`)];
    if (desired.routing.stickyHeader !== DEFAULT_ROUTING.stickyHeader) out.push(`+ routing.stickyHeader: ${desired.routing.stickyHeader}`);
    return [...out, ...rolloutChanges(undefined, desired.rollout), ...rateLimitChanges(undefined, desired.rateLimit)];
  }
  const out: string[] = [];
  const before = new Map(live.variants.map((v) => [v.name, v]));
  const after = new Set(desired.variants.map((v) => v.name));
  for (const v of live.variants) if (!after.has(v.name)) out.push(`- variant ${summary(v)}`);
  for (const v of desired.variants) {
    const old = before.get(v.name);
    if (old) out.push(...variantChanges(old, v));
    else out.push(`+ variant ${summary(v)}`);
  }
  // Order decides ties between equally weighted variants (which one metadata describes): a change worth showing.
  const kept = (names: string[], other: Set<string>): string[] => names.filter((n) => other.has(n));
  const liveOrder = kept(live.variants.map((v) => v.name), after);
  const desiredOrder = kept(desired.variants.map((v) => v.name), new Set(before.keys()));
  if (!same(liveOrder, desiredOrder)) out.push(`~ variant order: ${liveOrder.join(', ')} -> ${desiredOrder.join(', ')}`);
  if (live.routing.stickyHeader !== desired.routing.stickyHeader) {
    out.push(`~ routing.stickyHeader: ${live.routing.stickyHeader} -> ${desired.routing.stickyHeader}`);
  }
  return [...out, ...rolloutChanges(live.rollout, desired.rollout), ...rateLimitChanges(live.rateLimit, desired.rateLimit)];
}
