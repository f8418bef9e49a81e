// The rollout API: start a rollout, watch it, command it; variant windows; restoring an earlier spec.

import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { parseDuration } from '../core/duration.js';
import { ConflictError, InvalidInputError } from '../core/errors.js';
import { parseModelRef } from '../core/model-ref.js';
import { checkName } from '../core/names.js';
import { parseGate, STRATEGIES, type RolloutStrategy } from '../core/rollout-policy.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import type { RolloutController, StartRollout } from '../rollout/rollout-controller.js';
import type { Command } from '../rollout/rollout-machine.js';
import type { EndpointHistory } from '../serving/endpoint-history.js';
import type { EndpointManager } from '../serving/endpoint-manager.js';
import { actorOf } from './auth.js';
import { errorSchema } from './api-schemas.js';

export interface RolloutRouteOptions {
  rollouts: RolloutController;
  endpoints: EndpointManager;
  history: EndpointHistory;
}

interface StartBody {
  model: string;
  strategy?: RolloutStrategy;
  steps?: number[];
  bake?: string;
  gates?: string[];
  grace?: string;
  runtime?: Partial<RuntimeConfig>;
  force?: boolean;
  reason?: string;
}

const params = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema, 409: errorSchema };

export const rolloutRoutes: FastifyPluginAsync<RolloutRouteOptions> = async (app: FastifyInstance, opts) => {
  const { rollouts, endpoints, history } = opts;

  app.post('/api/v1/endpoints/:name/rollouts', {
    schema: {
      tags: ['rollouts'],
      summary: 'Start a rollout to a model version (canary steps, blue-green or immediate) with gates and automatic rollback',
      params,
      body: {
        type: 'object',
        required: ['model'],
        additionalProperties: false,
        properties: {
          model: { type: 'string', description: 'name:version, name@alias or name' },
          strategy: { type: 'string', enum: [...STRATEGIES] },
          steps: { type: 'array', items: { type: 'number' }, description: 'candidate traffic percentages, ending at 100' },
          bake: { type: 'string', description: 'time per step, e.g. "2m"' },
          gates: { type: 'array', items: { type: 'string' }, description: 'e.g. "error_rate<=0.01", "p99_latency_ratio<=1.3", "agreement>=0.97", "min_requests>=200"' },
          grace: { type: 'string', description: 'blue-green: how long the old version stays warm after the switch' },
          runtime: anyObject,
          force: { type: 'boolean' },
          reason: { type: 'string', maxLength: 1000 },
        },
      },
      response: { 201: anyObject, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string }; Body: StartBody }>, reply) => {
    const b = request.body;
    const start: StartRollout = { endpoint: checkName('endpoint', request.params.name), to: parseModelRef(b.model), actor: actorOf(request) };
    if (b.strategy) start.strategy = b.strategy;
    if (b.steps) start.steps = b.steps;
    if (b.bake) start.bakeMs = parseDuration(b.bake, 'bake');
    if (b.grace) start.graceMs = parseDuration(b.grace, 'grace');
    if (b.gates) start.gates = b.gates.map(parseGate);
    if (b.runtime) start.runtime = b.runtime;
    if (b.force) start.force = true;
    if (b.reason) start.reason = b.reason;
    return reply.status(201).send(await rollouts.start(start));
  });

  app.get('/api/v1/endpoints/:name/rollout', {
    schema: { tags: ['rollouts'], summary: 'The active (or last) rollout, with the variants\' current windows', params, response: { 200: anyObject, ...errors } },
  }, async (request: FastifyRequest<{ Params: { name: string } }>) => {
    const state = await rollouts.current(request.params.name);
    let windows: object[] = [];
    try {
      windows = endpoints.stats(request.params.name);
    } catch {
      windows = [];
    }
    return { ...state, windows };
  });

  app.post('/api/v1/endpoints/:name/rollout/:command', {
    schema: {
      tags: ['rollouts'],
      summary: 'pause, resume, promote (to 100% now) or abort (back to the stable version) the active rollout',
      params: { type: 'object', properties: { name: { type: 'string' }, command: { type: 'string', enum: ['pause', 'resume', 'promote', 'abort'] } }, required: ['name', 'command'] },
      response: { 200: anyObject, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string; command: Command } }>) =>
    rollouts.command(request.params.name, request.params.command, actorOf(request)));

  app.get('/api/v1/endpoints/:name/stats', {
    schema: { tags: ['endpoints'], summary: 'Each variant\'s window: requests, errors, p99 latency, agreement (shadows included)', params, response: { 200: { type: 'array', items: anyObject }, ...errors } },
  }, async (request: FastifyRequest<{ Params: { name: string } }>) => endpoints.stats(request.params.name));

  app.post('/api/v1/endpoints/:name/restore', {
    schema: {
      tags: ['endpoints'],
      summary: 'Restore the spec recorded with an earlier history event',
      params,
      body: { type: 'object', required: ['event'], additionalProperties: false, properties: { event: { type: 'integer' }, reason: { type: 'string' } } },
      response: { 200: anyObject, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string }; Body: { event: number; reason?: string } }>) => {
    const name = checkName('endpoint', request.params.name);
    const event = await history.event(name, request.body.event);
    if (!event.spec) throw new InvalidInputError(`history event ${event.id} (${event.action}) holds no spec to restore`);
    const active = await rollouts.current(name).catch(() => undefined);
    if (active && (active.status === 'running' || active.status === 'paused')) {
      throw new ConflictError(`endpoint "${name}" has an active rollout (${active.id}); abort or promote it before restoring`);
    }
    const reason = `restore of event ${event.id} (revision ${event.revision})${request.body.reason ? `: ${request.body.reason}` : ''}`;
    const record = await endpoints.apply(event.spec, { actor: actorOf(request), reason });
    return { revision: record.revision, spec: record.spec };
  });
};
