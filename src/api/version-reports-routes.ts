// Everything known about one model version's checks in one answer, for the dashboard's version view: the validation
// report, the profile report and the baseline's histograms, each null when the version has none yet (a 404 per
// report would be an error a page has to expect).

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { formatVersionId } from '../core/endpoint-spec.js';
import { NotFoundError } from '../core/errors.js';
import type { Baselines } from '../monitoring/baselines.js';
import { baselineHistograms } from '../monitoring/feature-histograms.js';
import type { VersionProfiles } from '../profiler/version-profiles.js';
import type { Registry } from '../registry/registry.js';
import type { VersionValidator } from '../rollout/version-validator.js';
import { errorSchema, validationReportSchema } from './api-schemas.js';
import { baselineHistogramsSchema } from './dashboard-schemas.js';
import { versionOf, versionParams, type VersionRequest } from './version-params.js';

export interface VersionReportsRouteOptions {
  registry: Registry;
  validator: Pick<VersionValidator, 'report'>;
  profiles: Pick<VersionProfiles, 'report'>;
  baselines: Pick<Baselines, 'of'>;
}

/** The report, or null when the service says the version has none (any other failure stays an error). */
async function orNull<T>(read: Promise<T>): Promise<T | null> {
  try {
    return await read;
  } catch (err) {
    if (err instanceof NotFoundError) return null;
    throw err;
  }
}

const nullable = <S extends object>(schema: S) => ({ anyOf: [schema, { type: 'null' }] }) as const;

export const versionReportsSchema = {
  type: 'object',
  required: ['model', 'validation', 'profile', 'baseline'],
  properties: {
    model: { type: 'string', description: 'name:version' },
    validation: nullable(validationReportSchema),
    profile: nullable({ type: 'object', additionalProperties: true, description: 'as GET …/profile' }),
    baseline: nullable(baselineHistogramsSchema),
  },
} as const;

export const versionReportsRoutes: FastifyPluginAsync<VersionReportsRouteOptions> = async (app: FastifyInstance, opts) => {

  app.get('/api/v1/models/:name/versions/:version/reports', {
    schema: {
      tags: ['models'],
      summary: 'The version\'s validation report, profile report and baseline histograms at once; each null when the version has none yet',
      params: versionParams,
      response: { 200: versionReportsSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
    },
  }, async (request: VersionRequest) => {
    const version = await versionOf(opts.registry, request.params);
    const model = formatVersionId(version);
    const [validation, profile, baseline] = await Promise.all([
      orNull(opts.validator.report(version)),
      orNull(opts.profiles.report(version)),
      orNull(opts.baselines.of(version)),
    ]);
    return { model, validation, profile, baseline: baseline ? { model, ...baselineHistograms(baseline) } : null };
  });
};
