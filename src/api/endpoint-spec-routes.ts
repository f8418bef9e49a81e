// Endpoints as code over HTTP: read an endpoint's spec as a manifest, and apply a manifest (or preview its diff).

import { boundedJson } from '../core/describe-value.js';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { diffSpecs } from '../core/endpoint-diff.js';
import { manifestOf, MANIFEST_KIND, parseEndpointManifest } from '../core/endpoint-manifest.js';
import { ConflictError, InvalidInputError, NotFoundError } from '../core/errors.js';
import { checkName } from '../core/names.js';
import { STRATEGIES } from '../core/rollout-policy.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import type { Registry } from '../registry/registry.js';
import type { RolloutController } from '../rollout/rollout-controller.js';
import type { EndpointManager, EndpointStatus } from '../serving/endpoint-manager.js';
import { errorSchema, runtimeSchema } from './api-schemas.js';
import { actorOf } from './auth.js';
import { resolveManifest } from './manifest-resolution.js';
import { diffLoopSections, loopSections, parseLoopSections } from '../core/loop-manifest.js';
import type { EndpointSettings } from '../data/endpoint-settings.js';

export interface EndpointSpecRouteOptions {
  /** The closed loop's settings travel in the same document. */
  settings: EndpointSettings;
  registry: Registry;
  endpoints: EndpointManager;
  rollouts: RolloutController;
  /** The server's runtime defaults: what a manifest's unwritten runtime settings become. */
  defaultRuntime: RuntimeConfig;
}

interface ApplyQuery {
  dryRun?: string;
  reason?: string;
}

const manifestProperties = {
  kind: { type: 'string', enum: [MANIFEST_KIND] },
  name: { type: 'string' },
  variants: {
    type: 'array',
    minItems: 1,
    items: {
      type: 'object',
      required: ['name', 'model'],
      additionalProperties: false,
      properties: {
        name: { type: 'string' },
        model: { type: 'string', description: 'name:version, name@alias or name (latest); resolved to a version when applied' },
        weight: { type: 'number', minimum: 0, maximum: 100, description: 'share of live traffic relative to the other live variants (default 100; shadows 0)' },
        shadow: { type: 'boolean', description: 'gets a copy of live traffic; its answers are recorded, never returned' },
        compareWith: { type: 'string', description: 'another variant that re-runs this one\'s requests, to measure agreement' },
        runtime: { ...runtimeSchema, description: 'unwritten settings take the server\'s defaults' },
      },
    },
  },
  routing: { type: 'object', additionalProperties: false, properties: { stickyHeader: { type: 'string' } } },
  rollout: {
    type: 'object',
    additionalProperties: false,
    description: 'defaults for rollouts of this endpoint',
    properties: {
      strategy: { type: 'string', enum: [...STRATEGIES] },
      steps: { type: 'array', items: { type: 'number' } },
      bake: { type: 'string', description: 'e.g. "2m"' },
      gates: { type: 'array', items: { type: 'string' }, description: 'e.g. "error_rate<=0.01"' },
      grace: { type: 'string', description: 'e.g. "5m"' },
    },
  },
  capture: { type: 'object', additionalProperties: true, description: 'capture settings (as PUT .../capture); replaces the endpoint\'s when written' },
  monitor: { type: 'object', additionalProperties: true, description: 'monitor settings (as PUT .../monitor); replaces the endpoint\'s when written' },
  retrain: { type: 'object', additionalProperties: true, description: 'retraining policy (as PUT .../retrain); replaces the endpoint\'s when written' },
} as const;

export const endpointManifestSchema = { type: 'object', required: ['name', 'variants'], additionalProperties: false, properties: manifestProperties } as const;
/** Without `required`: the serializer writes required fields first, and `get` keeps the canonical order. */
const manifestResponseSchema = { type: 'object', properties: manifestProperties } as const;

const applyResultSchema = {
  type: 'object',
  properties: {
    diff: { type: 'array', items: { type: 'string' }, description: 'one line per changed field; empty when nothing changes' },
    applied: { type: 'boolean' },
    revision: { type: 'integer', description: 'the endpoint\'s revision after the call (absent for a dry run of a new endpoint)' },
  },
} as const;

const params = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema, 409: errorSchema };

/**
 * The manifest is checked by parseEndpointManifest, whose messages point at the field. Fastify's default validator
 * would strip unknown fields and coerce types silently (and answer in its own words), so these routes' schemas only
 * document; nothing but our parser judges the input.
 */
const documentOnly = (): ((data: unknown) => boolean) => () => true;

function flag(value: string | undefined, field: string): boolean {
  if (value === undefined || value === 'false' || value === '0') return false;
  if (value === '' || value === 'true' || value === '1') return true;
  throw new InvalidInputError(`${field}: expected true or false, got ${boundedJson(value) ?? 'nothing'}`);
}

export const endpointSpecRoutes: FastifyPluginAsync<EndpointSpecRouteOptions> = async (app: FastifyInstance, opts) => {
  const { registry, endpoints, rollouts } = opts;

  const liveStatus = (name: string): EndpointStatus | undefined => {
    try {
      return endpoints.status(name);
    } catch (err) {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    }
  };

  const refuseDuringRollout = async (name: string): Promise<void> => {
    const state = await rollouts.current(name).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined; // it never had a rollout
      throw err;
    });
    if (state && (state.status === 'running' || state.status === 'paused')) {
      throw new ConflictError(`endpoint "${name}" has an active rollout (${state.id}, ${state.status}); promote or abort it before applying a spec (a dry run still works)`);
    }
  };

  app.get('/api/v1/endpoints/:name/spec', {
    schema: {
      tags: ['endpoints'],
      summary: 'The endpoint\'s spec as a manifest: what PUT .../spec (slipway apply) accepts back unchanged',
      params,
      response: { 200: manifestResponseSchema, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string } }>) => {
    const name = checkName('endpoint', request.params.name);
    const manifest = manifestOf(endpoints.status(name).record.spec);
    return { ...manifest, ...loopSections(await opts.settings.all(name)) };
  });

  app.put('/api/v1/endpoints/:name/spec', {
    schema: {
      tags: ['endpoints'],
      summary: 'Create or update an endpoint from a manifest (variants, weights, shadows, routing, runtime, rollout policy); unchanged variants keep serving without a reload',
      description: 'Answers the diff against the live spec. With dryRun=true nothing is applied. When nothing changes nothing is applied and no revision is made. Refused (409) while a rollout is active.',
      params,
      querystring: {
        type: 'object',
        properties: {
          dryRun: { type: 'boolean', description: 'only compute the diff' },
          reason: { type: 'string', maxLength: 1000, description: 'why, for the endpoint history' },
        },
      },
      body: endpointManifestSchema,
      response: { 200: applyResultSchema, ...errors },
    },
    validatorCompiler: documentOnly,
  }, async (request: FastifyRequest<{ Params: { name: string }; Querystring: ApplyQuery; Body: unknown }>) => {
    const name = checkName('endpoint', request.params.name);
    const dryRun = flag(request.query.dryRun, 'dryRun');
    const reason = request.query.reason;
    if (reason !== undefined && reason.length > 1000) throw new InvalidInputError('reason: expected at most 1000 characters');
    const manifest = parseEndpointManifest(request.body);
    if (manifest.name !== name) throw new InvalidInputError(`name: expected "${name}" (the endpoint in the path), got "${manifest.name}"`);
    const live = liveStatus(name);
    const desired = await resolveManifest(manifest, { registry, defaultRuntime: opts.defaultRuntime, live: live?.record.spec });
    const specDiff = diffSpecs(live?.record.spec, desired);
    const settings = parseLoopSections({ capture: manifest.capture, monitor: manifest.monitor, retrain: manifest.retrain });
    const loopDiff = diffLoopSections(live ? await opts.settings.all(name) : {}, settings);
    const diff = [...specDiff, ...loopDiff];
    const current = live ? { revision: live.record.revision } : {};
    if (dryRun) return { diff, applied: false, ...current };
    await refuseDuringRollout(name);
    // Nothing to change: no apply, no revision. A failed endpoint is applied anyway: that is how it loads again.
    if (diff.length === 0 && live?.state !== 'failed') return { diff, applied: false, ...current };
    let revision = live?.record.revision;
    if (specDiff.length > 0 || live?.state === 'failed' || !live) {
      const record = await endpoints.apply(desired, {
        actor: actorOf(request),
        reason: reason ?? (live ? 'applied a spec' : 'created from a spec'),
        details: { diff },
      });
      revision = record.revision;
    }
    // Loop settings are not part of the spec's revisions: they change without reloading or re-versioning anything.
    if (loopDiff.length > 0) await opts.settings.replace(name, settings);
    request.log.info({ endpoint: name, revision, changes: diff.length }, 'endpoint spec applied');
    return { diff, applied: true, ...(revision !== undefined ? { revision } : {}) };
  });
};
