// The rollout history API for the dashboard: an endpoint's rollouts, and a rollout's timeline of steps with each
// gate's samples over the bake, its decision and reason.

import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { checkName } from '../core/names.js';
import type { RolloutController } from '../rollout/rollout-controller.js';
import { errorSchema } from './api-schemas.js';
import { rolloutSummarySchema, rolloutTimelineSchema } from './dashboard-schemas.js';

export interface RolloutTimelineRouteOptions {
  rollouts: Pick<RolloutController, 'list' | 'timeline'>;
  /** NotFoundError for an endpoint that does not exist. */
  requireEndpoint: (endpoint: string) => void;
}

const params = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema };

export const rolloutTimelineRoutes: FastifyPluginAsync<RolloutTimelineRouteOptions> = async (app: FastifyInstance, opts) => {
  const { rollouts } = opts;

  app.get('/api/v1/endpoints/:name/rollouts', {
    schema: {
      tags: ['rollouts'],
      summary: 'The endpoint\'s rollouts, active and finished, newest first',
      params,
      querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 20 } } },
      response: { 200: { type: 'array', items: rolloutSummarySchema }, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string }; Querystring: { limit: number } }>) => {
    const endpoint = checkName('endpoint', request.params.name);
    const list = await rollouts.list(endpoint, request.query.limit);
    // A removed endpoint's rollouts stay readable; an unknown name with none is a typo.
    if (list.length === 0) opts.requireEndpoint(endpoint);
    return list;
  });

  app.get('/api/v1/endpoints/:name/rollout/timeline', {
    schema: {
      tags: ['rollouts'],
      summary: 'The active (or last) rollout\'s steps: weights, gate samples over each bake against their thresholds, decision and reason',
      params,
      response: { 200: rolloutTimelineSchema, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string } }>) => rollouts.timeline(checkName('endpoint', request.params.name)));

  app.get('/api/v1/endpoints/:name/rollouts/:id/timeline', {
    schema: {
      tags: ['rollouts'],
      summary: 'One rollout\'s steps (active or finished), as the timeline of the active one',
      params: { type: 'object', properties: { name: { type: 'string' }, id: { type: 'string', maxLength: 64 } }, required: ['name', 'id'] },
      response: { 200: rolloutTimelineSchema, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string; id: string } }>) =>
    rollouts.timeline(checkName('endpoint', request.params.name), request.params.id));
};
