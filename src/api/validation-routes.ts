// Validation of model versions over the management API: run a version's package tests, read its stored report.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Registry } from '../registry/registry.js';
import type { VersionValidator } from '../rollout/version-validator.js';
import { errorSchema, validationReportSchema } from './api-schemas.js';
import { versionOf, versionParams, type VersionRequest } from './version-params.js';

export interface ValidationRouteOptions {
  registry: Registry;
  validator: VersionValidator;
}

export const validationRoutes: FastifyPluginAsync<ValidationRouteOptions> = async (app: FastifyInstance, opts) => {
  const { registry, validator } = opts;

  app.post('/api/v1/models/:name/versions/:version/validate', {
    schema: {
      tags: ['models'],
      summary: 'Run the version\'s package tests (golden data, latency budget) and store the report; 200 whether the tests passed or not',
      params: versionParams,
      response: { 200: validationReportSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
    },
  }, async (request: VersionRequest) => {
    const version = await versionOf(registry, request.params);
    const report = await validator.validate(version);
    request.log.info({ model: report.model, passed: report.passed }, 'model version validated');
    return report;
  });

  app.get('/api/v1/models/:name/versions/:version/validation', {
    schema: {
      tags: ['models'],
      summary: 'The stored validation report of a version',
      params: versionParams,
      response: { 200: validationReportSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
    },
  }, async (request: VersionRequest) => {
    return validator.report(await versionOf(registry, request.params));
  });
};
