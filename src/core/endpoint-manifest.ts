// Endpoints as code: the declarative document `slipway apply` reads and `slipway get` writes — parsed with errors that
// point at the field, and produced canonically from a live spec so that applying it back changes nothing.

import { boundedJson } from './describe-value.js';
import { formatDuration, parseDuration } from './duration.js';
import type { EndpointSpec, RoutingSpec } from './endpoint-spec.js';
import { DEFAULT_ROUTING, formatVersionId } from './endpoint-spec.js';
import { InvalidInputError } from './errors.js';
import { parseModelRef } from './model-ref.js';
import { loopSections, parseLoopSections } from './loop-manifest.js';
import { checkName } from './names.js';
import type { RateLimit } from './rate-limit.js';
import { parseRateLimit } from './rate-limit.js';
import type { RolloutPolicy, RolloutStrategy } from './rollout-policy.js';
import { checkSteps, DEFAULT_POLICY, formatGate, parseGate, STRATEGIES } from './rollout-policy.js';
import type { RuntimeConfig } from './runtime-config.js';
import { DEFAULT_RUNTIME } from './runtime-config.js';

export const MANIFEST_KIND = 'Endpoint';

export interface VariantManifest {
  name: string;
  /** A model reference as written (`name:version`, `name@alias`, `name`); resolved to a version when applied. */
  model: string;
  /** Share of live traffic relative to the other live variants; 0 for shadows. */
  weight: number;
  /** Present (and true) only for shadows, so that the usual variant reads without it. */
  shadow?: true;
  compareWith?: string;
  /** Only the settings written; when applied, the server's runtime defaults fill the rest. */
  runtime: Partial<RuntimeConfig>;
}

/** A rollout policy as people write it: durations and gates as text (`2m`, `error_rate<=0.01`). */
export interface RolloutManifest {
  strategy: RolloutStrategy;
  steps: number[];
  bake: string;
  gates: string[];
  grace: string;
}

/** The document, canonical: every field in a fixed order, defaults filled where they do not depend on the server. */
export interface EndpointManifest {
  kind: typeof MANIFEST_KIND;
  name: string;
  variants: VariantManifest[];
  routing: RoutingSpec;
  /** Defaults for `slipway rollout` on this endpoint; absent: the server's defaults. */
  rollout?: RolloutManifest;
  /** Inference requests per second (and burst) the endpoint takes on each replica; absent: no limit. */
  rateLimit?: RateLimit;
  /** The closed loop's settings (core/loop-manifest.ts); a section left out leaves those settings as they are. */
  capture?: Record<string, unknown>;
  monitor?: Record<string, unknown>;
  retrain?: Record<string, unknown>;
}

type Obj = Record<string, unknown>;

const TOP_FIELDS = ['kind', 'name', 'variants', 'routing', 'rollout', 'rateLimit', 'capture', 'monitor', 'retrain'] as const;
const VARIANT_FIELDS = ['name', 'model', 'weight', 'shadow', 'compareWith', 'runtime'] as const;
const ROUTING_FIELDS = ['stickyHeader'] as const;
const ROLLOUT_FIELDS = ['strategy', 'steps', 'bake', 'gates', 'grace'] as const;
/** Runtime settings in the order `get` writes them (the order of the defaults). */
const RUNTIME_FIELDS = Object.keys(DEFAULT_RUNTIME) as (keyof RuntimeConfig)[];
const INTEGER_RUNTIME_FIELDS: ReadonlySet<string> = new Set(['instances', 'intraOpThreads', 'busyIntraOpThreads', 'interOpThreads', 'maxBatchSize', 'maxQueueDelayMicros', 'maxQueueSize']);

function shown(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list ${boundedJson(value)}`;
  return typeof value === 'number' ? String(value) : boundedJson(value) ?? String(value);
}

function fail(field: string, expected: string, got: unknown): never {
  throw new InvalidInputError(`${field}: expected ${expected}, got ${shown(got)}`);
}

/** Re-throws an error of a shared check (names, refs, gates) with the field it came from in front. */
function at<T>(field: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof InvalidInputError) throw new InvalidInputError(`${field}: ${err.message}`, { cause: err });
    throw err;
  }
}

function isMapping(value: unknown): value is Obj {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** YAML writes an empty `key:` as null: an optional field left empty means absent. */
function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function mapping(value: unknown, field: string, fields: readonly string[], prefix: string): Obj {
  if (!isMapping(value)) fail(field, `a mapping of ${fields.join(', ')}`, value);
  for (const key of Object.keys(value)) {
    if (!fields.includes(key)) throw new InvalidInputError(`${prefix}${key}: unknown field; expected one of ${fields.join(', ')}`);
  }
  return value;
}

function text(value: unknown, field: string, expected = 'a string'): string {
  if (typeof value !== 'string') fail(field, expected, value);
  return value;
}

function parseRuntime(value: unknown, field: string): Partial<RuntimeConfig> {
  if (!present(value)) return {};
  const obj = mapping(value, field, RUNTIME_FIELDS, `${field}.`);
  const out: Record<string, unknown> = {};
  // Only types here: ranges depend on the server's defaults (preferredBatchSizes <= maxBatchSize) and are checked
  // when the runtime is resolved against them.
  for (const key of RUNTIME_FIELDS) {
    const v = obj[key];
    if (!present(v)) continue;
    const path = `${field}.${key}`;
    if (INTEGER_RUNTIME_FIELDS.has(key)) {
      if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'an integer', v);
      out[key] = v;
    } else if (key === 'executionProvider') {
      out[key] = text(v, path, '"cpu"');
    } else if (key === 'auto' || key === 'onEventLoop') {
      if (typeof v !== 'boolean') fail(path, 'true or false', v);
      out[key] = v;
    } else {
      if (!Array.isArray(v) || v.some((n) => typeof n !== 'number' || !Number.isInteger(n))) fail(path, 'a list of integers, e.g. [8, 16]', v);
      out[key] = [...(v as number[])];
    }
  }
  return out as Partial<RuntimeConfig>;
}

function parseVariant(value: unknown, i: number): VariantManifest {
  const field = `variants[${i}]`;
  const obj = mapping(value, field, VARIANT_FIELDS, `${field}.`);
  const written = text(obj.name, `${field}.name`, 'the variant name');
  const name = at(`${field}.name`, () => checkName('variant', written));
  const model = text(obj.model, `${field}.model`, 'a model reference such as "digits:3" or "digits@champion"');
  at(`${field}.model`, () => parseModelRef(model));
  if (present(obj.shadow) && typeof obj.shadow !== 'boolean') fail(`${field}.shadow`, 'true or false', obj.shadow);
  const shadow = obj.shadow === true;
  // A live variant without a weight takes an equal share with the others written the same way.
  let weight = shadow ? 0 : 100;
  if (present(obj.weight)) {
    const w = obj.weight;
    if (typeof w !== 'number' || !Number.isFinite(w) || w < 0 || w > 100) fail(`${field}.weight`, 'a number from 0 to 100', w);
    if (shadow && w !== 0) {
      throw new InvalidInputError(`${field}.weight: a shadow variant takes no live traffic, so its weight must be 0 or absent, got ${w}`);
    }
    weight = w;
  }
  const compareWith = present(obj.compareWith) ? text(obj.compareWith, `${field}.compareWith`, 'the name of another variant') : undefined;
  return {
    name, model, weight,
    ...(shadow ? { shadow: true as const } : {}),
    ...(compareWith !== undefined ? { compareWith } : {}),
    runtime: parseRuntime(obj.runtime, `${field}.runtime`),
  };
}

function parseRouting(value: unknown): RoutingSpec {
  if (!present(value)) return { ...DEFAULT_ROUTING };
  const obj = mapping(value, 'routing', ROUTING_FIELDS, 'routing.');
  if (!present(obj.stickyHeader)) return { ...DEFAULT_ROUTING };
  const header = obj.stickyHeader;
  if (typeof header !== 'string' || !/^[a-z0-9-]+$/i.test(header)) fail('routing.stickyHeader', 'an HTTP header name such as "x-slipway-route-key"', header);
  return { stickyHeader: header };
}

function parseRollout(value: unknown): RolloutManifest {
  const obj = mapping(value, 'rollout', ROLLOUT_FIELDS, 'rollout.');
  let strategy = DEFAULT_POLICY.strategy;
  if (present(obj.strategy)) {
    if (typeof obj.strategy !== 'string' || !(STRATEGIES as readonly string[]).includes(obj.strategy)) {
      fail('rollout.strategy', `one of ${STRATEGIES.join(', ')}`, obj.strategy);
    }
    strategy = obj.strategy as RolloutStrategy;
  }
  let steps = strategy === 'canary' ? DEFAULT_POLICY.steps : [100];
  if (present(obj.steps)) {
    const s = obj.steps;
    if (!Array.isArray(s) || s.some((n) => typeof n !== 'number')) fail('rollout.steps', 'a list of percentages, e.g. [5, 25, 50, 100]', s);
    const written = s as number[];
    if (strategy !== 'canary' && (written.length !== 1 || written[0] !== 100)) {
      throw new InvalidInputError(`rollout.steps: a ${strategy} rollout moves all traffic in one step, [100]; remove steps or use strategy canary, got [${written.join(', ')}]`);
    }
    steps = checkSteps(strategy, written, 'rollout.steps');
  }
  const duration = (key: 'bake' | 'grace', fallbackMs: number): string => {
    const v = obj[key];
    if (!present(v)) return formatDuration(fallbackMs);
    if (typeof v !== 'string' && typeof v !== 'number') fail(`rollout.${key}`, 'a duration such as "30s" or "2m"', v);
    return formatDuration(parseDuration(v, `rollout.${key}`));
  };
  let gates = DEFAULT_POLICY.gates.map(formatGate);
  if (present(obj.gates)) {
    if (!Array.isArray(obj.gates)) fail('rollout.gates', 'a list of gates such as ["error_rate<=0.01", "min_requests>=200"]', obj.gates);
    gates = obj.gates.map((g: unknown, i: number) => {
      const gate = text(g, `rollout.gates[${i}]`, 'a gate such as "error_rate<=0.01"');
      return formatGate(at(`rollout.gates[${i}]`, () => parseGate(gate)));
    });
  }
  return { strategy, steps: [...steps], bake: duration('bake', DEFAULT_POLICY.bakeMs), gates, grace: duration('grace', DEFAULT_POLICY.graceMs) };
}

/**
 * Checks a decoded document (YAML or JSON) field by field and returns it canonical: unknown fields, wrong types, bad
 * names, refs, gates, durations and steps are refused with the field's path (`variants[1].weight: expected ...`).
 * Model refs stay unresolved and runtime settings partial: both need the server.
 */
export function parseEndpointManifest(doc: unknown): EndpointManifest {
  if (!isMapping(doc)) fail('the document', 'a mapping with kind, name, variants (and optionally routing, rollout)', doc);
  const obj = mapping(doc, 'the document', TOP_FIELDS, '');
  if (present(obj.kind) && obj.kind !== MANIFEST_KIND) fail('kind', `"${MANIFEST_KIND}" (or no kind)`, obj.kind);
  const written = text(obj.name, 'name', 'the endpoint name');
  const name = at('name', () => checkName('endpoint', written));
  if (!Array.isArray(obj.variants) || obj.variants.length === 0) fail('variants', 'a list of at least one variant', obj.variants);
  const variants = obj.variants.map(parseVariant);
  const seen = new Map<string, number>();
  variants.forEach((v, i) => {
    const first = seen.get(v.name);
    if (first !== undefined) throw new InvalidInputError(`variants[${i}].name: "${v.name}" is already the name of variants[${first}]; variant names must be unique`);
    seen.set(v.name, i);
  });
  variants.forEach((v, i) => {
    if (v.compareWith === undefined) return;
    if (v.compareWith === v.name || !seen.has(v.compareWith)) {
      const others = variants.filter((o) => o.name !== v.name).map((o) => o.name);
      fail(`variants[${i}].compareWith`, `the name of another variant (${others.length ? others.join(', ') : 'there is none'})`, v.compareWith);
    }
  });
  if (!variants.some((v) => !v.shadow && v.weight > 0)) {
    throw new InvalidInputError('variants: expected at least one variant that is not a shadow and has a weight above 0, to answer callers');
  }
  const manifest: EndpointManifest = { kind: MANIFEST_KIND, name, variants, routing: parseRouting(obj.routing) };
  if (present(obj.rollout)) manifest.rollout = parseRollout(obj.rollout);
  if (present(obj.rateLimit)) manifest.rateLimit = parseRateLimit(obj.rateLimit, 'rateLimit');
  Object.assign(manifest, loopSections(parseLoopSections(obj)));
  return manifest;
}

/** The rollout policy a parsed (hence valid) rollout manifest stands for. */
export function rolloutPolicyOf(rollout: RolloutManifest): RolloutPolicy {
  return {
    strategy: rollout.strategy,
    steps: [...rollout.steps],
    bakeMs: parseDuration(rollout.bake, 'rollout.bake'),
    gates: rollout.gates.map(parseGate),
    graceMs: parseDuration(rollout.grace, 'rollout.grace'),
  };
}

/**
 * The canonical document of a live spec, for `slipway get`. Each variant's model is written as the version it runs
 * (`name:version`), never as the ref it was deployed by: an alias may have moved since, and applying the document back
 * must change nothing. (The ref stays in the spec and the history; re-applying the same version keeps it.) The
 * runtime is written in full, so the document means the same on a server with other defaults.
 */
export function manifestOf(spec: EndpointSpec): EndpointManifest {
  const manifest: EndpointManifest = {
    kind: MANIFEST_KIND,
    name: spec.name,
    variants: spec.variants.map((v): VariantManifest => {
      const runtime: Record<string, unknown> = {};
      for (const key of RUNTIME_FIELDS) {
        const setting = v.runtime[key];
        if (setting !== undefined) runtime[key] = Array.isArray(setting) ? [...setting] : setting;
      }
      return {
        name: v.name, model: formatVersionId(v.model), weight: v.shadow ? 0 : v.weight,
        ...(v.shadow ? { shadow: true as const } : {}),
        ...(v.compareWith !== undefined ? { compareWith: v.compareWith } : {}),
        runtime: runtime as Partial<RuntimeConfig>,
      };
    }),
    routing: { stickyHeader: spec.routing.stickyHeader },
  };
  if (spec.rollout) {
    const r = spec.rollout;
    manifest.rollout = { strategy: r.strategy, steps: [...r.steps], bake: formatDuration(r.bakeMs), gates: r.gates.map(formatGate), grace: formatDuration(r.graceMs) };
  }
  if (spec.rateLimit) manifest.rateLimit = { ...spec.rateLimit };
  return manifest;
}
