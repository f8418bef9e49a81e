// Validation of model versions over the management API: run a version's package tests, read its stored report.

import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { formatVersionId } from '../core/endpoint-spec.js';
import { NotFoundError } from '../core/errors.js';
import type { Registry } from '../registry/registry.js';
import { validateAndSave } from '../rollout/validation.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import type { Store } from '../store/store.js';
import { errorSchema, validationReportSchema } from './api-schemas.js';
import { requireAdminToken } from './auth.js';
import { versionOf, versionParams, type VersionRequest } from './version-params.js';

export interface ValidationRouteOptions {
  registry: Registry;
  runners: RunnerLoader;
  store: Store;
  adminToken: string | undefined;
}

export const validationRoutes: FastifyPluginAsync<ValidationRouteOptions> = async (app: FastifyInstance, opts) => {
  const { registry, runners, store } = opts;
  app.addHook('preHandler', requireAdminToken(opts.adminToken));

  app.post('/api/v1/models/:name/versions/:version/validate', {
    schema: {
      tags: ['models'],
      summary: 'Run the version\'s package tests (golden data, latency budget) and store the report; 200 whether the tests passed or not',
      params: versionParams,
      response: { 200: validationReportSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
    },
  }, async (request: VersionRequest) => {
    const version = await versionOf(registry, request.params);
    const report = await validateAndSave(version, { registry, runners, store });
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
    const version = await versionOf(registry, request.params);
    const report = await store.getValidationReport(version.name, version.version);
    if (!report) {
      const id = formatVersionId(version);
      throw new NotFoundError(`no validation report for ${id}; run slipway validate ${id}`);
    }
    return report;
  });
};
