// The monitoring views the dashboard charts: the drift heatmap (feature x window), one cell's baseline and window
// histograms, findings per window, alerts with their webhook attempts, live quality as series; and a baseline's
// per-feature histograms.

import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { FindingKind } from '../core/baseline.js';
import { FINDING_KINDS } from '../core/baseline.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { parseDuration } from '../core/duration.js';
import { checkName } from '../core/names.js';
import { parseTimePoint } from '../core/time-point.js';
import type { FeedbackService } from '../data/feedback-service.js';
import { qualitySeries } from '../data/quality-series.js';
import { baselineHistograms } from '../monitoring/feature-histograms.js';
import type { Baselines } from '../monitoring/baselines.js';
import type { MonitoringView } from '../monitoring/monitoring-view.js';
import type { Registry } from '../registry/registry.js';
import { errorSchema } from './api-schemas.js';
import {
  alertSchema, baselineHistogramsSchema, heatmapSchema, qualitySeriesSchema, windowFeatureSchema, windowFindingsSchema,
} from './dashboard-schemas.js';
import { versionOf, versionParams, type VersionRequest } from './version-params.js';

export interface MonitoringViewRouteOptions {
  views: MonitoringView;
  feedback: Pick<FeedbackService, 'quality'>;
  /** NotFoundError for an endpoint that does not exist. */
  requireEndpoint: (endpoint: string) => void;
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

  app.get('/api/v1/endpoints/:name/quality/series', {
    schema: {
      tags: ['loop'],
      summary: 'Live accuracy / F1 (classifiers) or MAE / RMSE (regressors) per variant over time, from feedback, as series on one row of bucket times',
      params,
      querystring: {
        type: 'object',
        properties: {
          since: { type: 'string', description: 'a time or a duration before now, e.g. "1h" (default: one hour ago)' },
          until: { type: 'string', description: 'default: now' },
          bucket: { type: 'string', description: 'bucket width, e.g. "1m" (default 1m)' },
          variant: { type: 'string' },
        },
      },
      response: { 200: qualitySeriesSchema, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string }; Querystring: { since?: string; until?: string; bucket?: string; variant?: string } }>) => {
    const endpoint = checkName('endpoint', request.params.name);
    opts.requireEndpoint(endpoint);
    const q = request.query;
    const now = Date.now();
    const bucketMs = q.bucket ? parseDuration(q.bucket, 'query parameter "bucket"') : 60_000;
    const report = await opts.feedback.quality({
      endpoint, bucketMs,
      since: q.since ? parseTimePoint(q.since, 'query parameter "since"') : now - 3_600_000,
      until: q.until ? parseTimePoint(q.until, 'query parameter "until"') : now + 1,
      ...(q.variant ? { variant: q.variant } : {}),
    });
    return qualitySeries(report, bucketMs);
  });

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
