// Profiling model versions over the management API: run a sweep on this server (streamed as NDJSON), read its report.

import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { formatVersionId } from '../core/endpoint-spec.js';
import { ConflictError } from '../core/errors.js';
import { profileSettings, type ProfileEvent, type ProfileRequest } from '../profiler/profile-run.js';
import type { VersionProfiles } from '../profiler/version-profiles.js';
import type { Registry } from '../registry/registry.js';
import { errorSchema } from './api-schemas.js';
import { versionOf, versionParams, type VersionRequest } from './version-params.js';

export interface ProfileRouteOptions {
  registry: Registry;
  profiles: VersionProfiles;
}

const profileBody = {
  type: 'object',
  additionalProperties: false,
  required: ['sloP99Ms'],
  properties: {
    sloP99Ms: { type: 'number', exclusiveMinimum: 0, description: 'latency objective: p99 in milliseconds' },
    budgetSeconds: { type: 'number', exclusiveMinimum: 0, description: 'time the search may spend (default 120)' },
    exhaustive: { type: 'boolean', description: 'measure every configuration of the space' },
    pricePerCoreHour: { type: 'number', exclusiveMinimum: 0, description: 'USD per core-hour (default 0.10)' },
    targetRps: { type: 'number', exclusiveMinimum: 0, description: 'plan replicas for this rate' },
    concurrency: { type: 'array', items: { type: 'integer', minimum: 1, maximum: 256 }, minItems: 1 },
    seed: { type: 'integer' },
    minRequests: { type: 'integer', minimum: 1 },
    pointMillis: { type: 'number', exclusiveMinimum: 0 },
  },
} as const;

const reportSchema = { type: 'object', additionalProperties: true } as const;

export const profileRoutes: FastifyPluginAsync<ProfileRouteOptions> = async (app: FastifyInstance, opts) => {
  const { registry, profiles } = opts;
  // One profile at a time: two sweeps on one host would measure each other.
  let running: string | undefined;

  app.post('/api/v1/models/:name/versions/:version/profile', {
    schema: {
      tags: ['models'],
      summary: 'Measure the version under a sweep of runtime configs on this server; streams NDJSON events (start, config, point, then report or error)',
      params: versionParams,
      body: profileBody,
      response: { 400: errorSchema, 401: errorSchema, 404: errorSchema, 409: errorSchema },
    },
  }, async (request: FastifyRequest<{ Params: { name: string; version: string }; Body: ProfileRequest }>, reply: FastifyReply) => {
    const version = await versionOf(registry, request.params);
    profileSettings(request.body);
    if (running) throw new ConflictError(`a profile of ${running} is running on this server; wait for it to finish`);
    const id = formatVersionId(version);
    running = id;
    const stream = new PassThrough();
    const abort = new AbortController();
    // The client going away cancels the sweep between configs.
    reply.raw.on('close', () => abort.abort());
    const send = (event: ProfileEvent): void => {
      stream.write(`${JSON.stringify(event)}\n`);
    };
    void profiles.run(version, request.body, send, abort.signal)
      .then((report) => request.log.info({ model: id, meetsSlo: report.meetsSlo, points: report.points.length }, 'model version profiled'))
      .catch((err: unknown) => send({ type: 'error', error: err instanceof Error ? err.message : String(err) }))
      .finally(() => {
        running = undefined;
        stream.end();
      });
    return reply.header('content-type', 'application/x-ndjson').header('cache-control', 'no-cache').send(stream);
  });

  app.get('/api/v1/models/:name/versions/:version/profile', {
    schema: {
      tags: ['models'],
      summary: 'The stored profile report of a version',
      params: versionParams,
      response: { 200: reportSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
    },
  }, async (request: VersionRequest) => {
    return profiles.report(await versionOf(registry, request.params));
  });
};
