// Turns a parsed endpoint manifest into the EndpointSpec it stands for: refs resolved in the registry, runtime filled
// from the server's defaults, the rollout policy parsed; errors keep pointing at the manifest's fields.

import type { EndpointManifest } from '../core/endpoint-manifest.js';
import { rolloutPolicyOf } from '../core/endpoint-manifest.js';
import type { EndpointSpec, ModelVersionId, VariantSpec } from '../core/endpoint-spec.js';
import { checkEndpointSpec, formatVersionId } from '../core/endpoint-spec.js';
import { InvalidInputError, SlipwayError } from '../core/errors.js';
import { parseModelRef } from '../core/model-ref.js';
import type { ModelVersion } from '../core/model-version.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import { resolveRuntimeConfig } from '../core/runtime-config.js';
import type { Registry } from '../registry/registry.js';

export interface ResolveContext {
  registry: Registry;
  /** The server's runtime defaults (config.runtime): what a variant's unwritten settings become. */
  defaultRuntime: RuntimeConfig;
  /** The endpoint's live spec, if it exists: unchanged variants keep its ref and runtime object (no reload). */
  live: EndpointSpec | undefined;
}

function sameRuntime(a: RuntimeConfig, b: RuntimeConfig): boolean {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)] as (keyof RuntimeConfig)[]);
  return [...keys].every((k) => JSON.stringify(a[k]) === JSON.stringify(b[k]));
}

/** A failure of the registry or a shared check, re-raised as the manifest field it belongs to. */
function atField(field: string, err: unknown): Error {
  if (err instanceof InvalidInputError) return new InvalidInputError(`${field}: ${err.message}`, { cause: err });
  // An unknown version or alias makes the document invalid (400), not the request's path unknown (404).
  if (err instanceof SlipwayError && err.code === 'not_found') return new InvalidInputError(`${field}: ${err.message}`, { cause: err });
  return err instanceof Error ? err : new Error(String(err));
}

async function resolveModels(manifest: EndpointManifest, registry: Registry): Promise<ModelVersionId[]> {
  const settled = await Promise.allSettled(manifest.variants.map((v) => registry.resolve(parseModelRef(v.model))));
  // The first failing variant by position, whatever finished first: the same document always gets the same error.
  const failed = settled.findIndex((s) => s.status === 'rejected');
  if (failed >= 0) throw atField(`variants[${failed}].model`, (settled[failed] as PromiseRejectedResult).reason);
  return settled.map((s) => {
    const version = (s as PromiseFulfilledResult<ModelVersion>).value;
    return { name: version.name, version: version.version };
  });
}

/**
 * The spec a manifest stands for. A variant that keeps its name and resolves to the version it already runs keeps its
 * recorded ref (the ref only says how the version was chosen), so `get` -> `apply` compares equal; an equal runtime
 * keeps the live object so the endpoint service sees the same deployment and does not reload it.
 */
export async function resolveManifest(manifest: EndpointManifest, ctx: ResolveContext): Promise<EndpointSpec> {
  const models = await resolveModels(manifest, ctx.registry);
  const live = new Map((ctx.live?.variants ?? []).map((v) => [v.name, v]));
  const variants = manifest.variants.map((m, i): VariantSpec => {
    const model = models[i]!;
    let runtime: RuntimeConfig;
    try {
      runtime = resolveRuntimeConfig(m.runtime, ctx.defaultRuntime);
    } catch (err) {
      // resolveRuntimeConfig names `runtime.<setting>`: put the variant in front of it.
      if (err instanceof InvalidInputError) throw new InvalidInputError(`variants[${i}].${err.message}`, { cause: err });
      throw err;
    }
    const old = live.get(m.name);
    const sameModel = old !== undefined && formatVersionId(old.model) === formatVersionId(model);
    return {
      name: m.name,
      model,
      ref: sameModel ? old.ref : m.model,
      weight: m.weight,
      shadow: m.shadow === true,
      ...(m.compareWith !== undefined ? { compareWith: m.compareWith } : {}),
      runtime: old && sameRuntime(old.runtime, runtime) ? old.runtime : runtime,
    };
  });
  const spec: EndpointSpec = {
    name: manifest.name,
    variants,
    routing: { ...manifest.routing },
    ...(manifest.rollout ? { rollout: rolloutPolicyOf(manifest.rollout) } : {}),
    ...(manifest.rateLimit ? { rateLimit: { ...manifest.rateLimit } } : {}),
  };
  checkEndpointSpec(spec);
  return spec;
}
