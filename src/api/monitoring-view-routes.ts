// The monitoring views the dashboard charts: the drift heatmap (feature x window), one cell's baseline and window
// histograms, findings per window, alerts with their webhook attempts; and a baseline's per-feature histograms.

import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { FindingKind } from '../core/baseline.js';
import { FINDING_KINDS } from '../core/baseline.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { checkName } from '../core/names.js';
import { baselineHistograms } from '../monitoring/feature-histograms.js';
import type { Baselines } from '../monitoring/baselines.js';
import type { MonitoringView } from '../monitoring/monitoring-view.js';
import type { Registry } from '../registry/registry.js';
import { errorSchema } from './api-schemas.js';
import {
  alertSchema, baselineHistogramsSchema, heatmapSchema, windowFeatureSchema, windowFindingsSchema,
} from './dashboard-schemas.js';
import { versionOf, versionParams, type VersionRequest } from './version-params.js';

export interface MonitoringViewRouteOptions {
  views: MonitoringView;
  baselines: Pick<Baselines, 'of'>;
  registry: Registry;
}

const params = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema };
const windowsQuery = { windows: { type: 'integer', minimum: 1, maximum: 200, default: 20, description: 'how many of the newest windows' } } as const;

export const monitoringViewRoutes: FastifyPluginAsync<MonitoringViewRouteOptions> = async (app: FastifyInstance, opts) => {
  const { views } = opts;

  app.get('/api/v1/endpoints/:name/monitor/heatmap', {
    schema: {
      tags: ['loop'],
      summary: 'Drift per feature x window over the newest windows: p-value, PSI and verdict per cell, the alert thresholds, prediction drift apart',
      params,
      querystring: { type: 'object', properties: windowsQuery },
      response: { 200: heatmapSchema, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string }; Querystring: { windows: number } }>) =>
    views.heatmap(checkName('endpoint', request.params.name), request.query.windows));

  app.get('/api/v1/endpoints/:name/monitor/windows/:id/features/:feature', {
    schema: {
      tags: ['loop'],
      summary: 'One heatmap cell: the baseline\'s and the window\'s histograms on the same bins (or category counts), the feature\'s statistics and findings',
      params: {
        type: 'object',
        properties: { name: { type: 'string' }, id: { type: 'integer', minimum: 1 }, feature: { type: 'string', maxLength: 1000 } },
        required: ['name', 'id', 'feature'],
      },
      response: { 200: windowFeatureSchema, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string; id: number; feature: string } }>) =>
    views.cell(checkName('endpoint', request.params.name), request.params.id, request.params.feature));

  app.get('/api/v1/endpoints/:name/monitor/findings', {
    schema: {
      tags: ['loop'],
      summary: 'Findings of the newest windows (of one kind, e.g. data_quality), newest first; windows without any left out',
      params,
      querystring: { type: 'object', properties: { ...windowsQuery, kind: { type: 'string', enum: [...FINDING_KINDS] } } },
      response: { 200: { type: 'array', items: windowFindingsSchema }, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string }; Querystring: { windows: number; kind?: FindingKind } }>) =>
    views.findings(checkName('endpoint', request.params.name), request.query.windows, request.query.kind));

  app.get('/api/v1/endpoints/:name/monitor/alerts', {
    schema: {
      tags: ['loop'],
      summary: 'The endpoint\'s alert events, newest first, each with its webhook deliveries and every attempt (time, status, error, next retry)',
      params,
      querystring: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } } },
      response: { 200: { type: 'array', items: alertSchema }, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string }; Querystring: { limit: number } }>) =>
    views.alerts(checkName('endpoint', request.params.name), request.query.limit));

  app.get('/api/v1/models/:name/versions/:version/baseline/histograms', {
    schema: {
      tags: ['models'],
      summary: 'The version\'s baseline as charts: per feature and output, counts over equal-width bins (numeric) or per category, with its summary',
      params: versionParams,
      response: { 200: baselineHistogramsSchema, ...errors },
    },
  }, async (request: VersionRequest) => {
    const version = await versionOf(opts.registry, request.params);
    return { model: formatVersionId(version), ...baselineHistograms(await opts.baselines.of(version)) };
  });
};
