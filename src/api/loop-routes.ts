// The closed loop's API: capture, monitor and retraining settings per endpoint; feedback; live quality; baselines;
// monitor status, windows and events; webhook deliveries; dataset export (streamed); retraining runs.

import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { parseDuration } from '../core/duration.js';
import { FINDING_KINDS } from '../core/baseline.js';
import type { DatasetQuery, ExportFormat } from '../core/dataset-query.js';
import { EXPORT_FORMATS } from '../core/dataset-query.js';
import { InvalidInputError } from '../core/errors.js';
import type { LoopSection } from '../core/loop-manifest.js';
import { parseModelRef } from '../core/model-ref.js';
import { checkName } from '../core/names.js';
import { parseTimePoint } from '../core/time-point.js';
import type { DatasetExporter } from '../data/dataset-exporter.js';
import type { EndpointSettings } from '../data/endpoint-settings.js';
import type { FeedbackService } from '../data/feedback-service.js';
import type { RetrainRunner } from '../data/retrain-runner.js';
import type { Baselines } from '../monitoring/baselines.js';
import type { LoopStatusView } from '../monitoring/loop-status.js';
import type { MonitorRunner } from '../monitoring/monitor-runner.js';
import type { WebhookSender } from '../monitoring/webhook-sender.js';
import type { Registry } from '../registry/registry.js';
import { errorSchema } from './api-schemas.js';

/** The loop's parts the API offers (see loop-parts.ts). */
export interface LoopRouteOptions {
  settings: EndpointSettings;
  feedback: FeedbackService;
  status: LoopStatusView;
  monitors: MonitorRunner;
  webhooks: WebhookSender;
  exports: DatasetExporter;
  baselines: Baselines;
  retrainer: RetrainRunner;
  /** NotFoundError for an endpoint that does not exist. */
  requireEndpoint: (endpoint: string) => void;
  registry: Registry;
}

const params = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema, 409: errorSchema };
const CONTENT_TYPES: Record<ExportFormat, string> = {
  parquet: 'application/vnd.apache.parquet',
  csv: 'text/csv; charset=utf-8',
  jsonl: 'application/x-ndjson',
};

type NameRequest = FastifyRequest<{ Params: { name: string } }>;
type Query = Record<string, string | undefined>;

function endpointOf(request: NameRequest): string {
  return checkName('endpoint', request.params.name);
}

function flag(query: Query, key: string): boolean {
  const v = query[key];
  if (v === undefined || v === '' || v === 'true' || v === '1') return v !== undefined;
  if (v === 'false' || v === '0') return false;
  throw new InvalidInputError(`query parameter "${key}": expected true or false, got ${JSON.stringify(v)}`);
}

function limitOf(query: Query, fallback: number, max: number): number {
  const v = query.limit;
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new InvalidInputError(`query parameter "limit": expected a whole number from 1 to ${max}, got ${JSON.stringify(v)}`);
  return n;
}

function timeOf(query: Query, key: string): number | undefined {
  const v = query[key];
  return v === undefined || v === '' ? undefined : parseTimePoint(v, `query parameter "${key}"`);
}

export const loopRoutes: FastifyPluginAsync<LoopRouteOptions> = async (app: FastifyInstance, opts) => {
  const { settings, feedback, monitors, exports, baselines, retrainer, requireEndpoint, registry } = opts;

  const settingsRoutes = (kind: LoopSection, summary: string): void => {
    app.get(`/api/v1/endpoints/:name/${kind}`, { schema: { tags: ['loop'], summary: `The endpoint's ${summary}`, params, response: { 200: anyObject, ...errors } } },
      async (request: NameRequest) => settings.get(kind, endpointOf(request)));
    app.put(`/api/v1/endpoints/:name/${kind}`, { schema: { tags: ['loop'], summary: `Change the endpoint's ${summary} (fields left out keep their value)`, params, body: anyObject, response: { 200: anyObject, ...errors } } },
      async (request: NameRequest) => settings.set(kind, endpointOf(request), request.body));
  };
  settingsRoutes('capture', 'capture settings');
  settingsRoutes('monitor', 'monitor settings');
  settingsRoutes('retrain', 'retraining policy');

  app.post('/api/v1/endpoints/:name/feedback', {
    schema: {
      tags: ['loop'], summary: 'Post ground truth for served requests: {feedback: [{request_id, label | value}]}; unknown ids are reported back',
      params, body: {}, response: { 200: anyObject, ...errors },
    },
  }, async (request: NameRequest) => feedback.record(endpointOf(request), request.body));

  app.get('/api/v1/endpoints/:name/quality', {
    schema: { tags: ['loop'], summary: 'Live quality per variant over time buckets (accuracy/F1 or MAE/RMSE), from feedback joined to captures', params, response: { 200: anyObject, ...errors } },
  }, async (request: NameRequest) => {
    const q = request.query as Query;
    const now = Date.now();
    return feedback.quality({
      endpoint: endpointOf(request),
      since: timeOf(q, 'since') ?? now - 86_400_000,
      until: timeOf(q, 'until') ?? now + 1,
      bucketMs: q.bucket ? parseDuration(q.bucket, 'query parameter "bucket"') : 3_600_000,
      ...(q.variant ? { variant: q.variant } : {}),
    });
  });

  app.get('/api/v1/endpoints/:name/monitor/status', {
    schema: { tags: ['loop'], summary: 'Capture, monitor and retraining at a glance: settings, stored captures, the last window, recent alerts, the last run', params, response: { 200: anyObject, ...errors } },
  }, async (request: NameRequest) => opts.status.of(endpointOf(request)));

  app.get('/api/v1/endpoints/:name/monitor/windows', {
    schema: { tags: ['loop'], summary: 'Evaluated monitor windows, newest first, with every statistic per feature', params, response: { 200: { type: 'array', items: anyObject }, ...errors } },
  }, async (request: NameRequest) => {
    const endpoint = endpointOf(request);
    requireEndpoint(endpoint);
    return monitors.windows(endpoint, limitOf(request.query as Query, 20, 1000));
  });

  app.get('/api/v1/monitor/events', {
    schema: { tags: ['loop'], summary: 'Alert events (drift, prediction drift, data quality), newest first', response: { 200: { type: 'array', items: anyObject }, ...errors } },
  }, async (request) => {
    const q = request.query as Query;
    const since = timeOf(q, 'since');
    if (q.kind !== undefined && !(FINDING_KINDS as readonly string[]).includes(q.kind)) {
      throw new InvalidInputError(`query parameter "kind": expected one of ${FINDING_KINDS.join(', ')}, got ${JSON.stringify(q.kind)}`);
    }
    return monitors.events(q.endpoint ? checkName('endpoint', q.endpoint) : undefined, {
      limit: limitOf(q, 50, 1000), ...(since !== undefined ? { since } : {}), ...(q.kind ? { kind: q.kind } : {}),
    });
  });

  app.get('/api/v1/webhook-deliveries', {
    schema: { tags: ['loop'], summary: 'Webhook deliveries with their attempts, status and last error, newest first', response: { 200: { type: 'array', items: anyObject }, ...errors } },
  }, async (request) => {
    const q = request.query as Query;
    const event = q.event === undefined ? undefined : Number(q.event);
    if (event !== undefined && !Number.isInteger(event)) throw new InvalidInputError(`query parameter "event": expected an event id, got ${JSON.stringify(q.event)}`);
    return opts.webhooks.deliveries(event, limitOf(q, 50, 1000));
  });

  app.get('/api/v1/endpoints/:name/export', {
    schema: {
      tags: ['loop'], summary: 'Stream captured rows (features under their names, prediction, optional ground truth) as parquet, csv or jsonl',
      params, response: { 400: errorSchema, 401: errorSchema, 404: errorSchema },
    },
  }, async (request: NameRequest, reply: FastifyReply) => {
    const q = request.query as Query;
    const format = (q.format ?? 'parquet') as ExportFormat;
    if (!(EXPORT_FORMATS as readonly string[]).includes(format)) throw new InvalidInputError(`query parameter "format": expected one of ${EXPORT_FORMATS.join(', ')}, got ${JSON.stringify(q.format)}`);
    const endpoint = endpointOf(request);
    const since = timeOf(q, 'since');
    const until = timeOf(q, 'until');
    const query: DatasetQuery = {
      endpoint, format, withFeedback: flag(q, 'withFeedback'), onlyLabelled: flag(q, 'onlyLabelled'), onlyDriftedWindows: flag(q, 'onlyDriftedWindows'),
      ...(since !== undefined ? { since } : {}), ...(until !== undefined ? { until } : {}), ...(q.variant ? { variant: q.variant } : {}),
    };
    // Errors that can be known before the first byte (an unknown endpoint) are answered as errors, not as a broken file.
    await exports.describe(endpoint);
    const body = new PassThrough();
    const aborted = new AbortController();
    reply.raw.once('close', () => aborted.abort());
    void exports
      .export(query, async (chunk) => {
        if (aborted.signal.aborted) throw new Error('client went away');
        if (!body.write(chunk)) {
          // Both listeners go once either fires: an export waits thousands of times, and each wait would leave one behind.
          await new Promise<void>((resolve) => {
            const done = (): void => {
              body.off('drain', done);
              aborted.signal.removeEventListener('abort', done);
              resolve();
            };
            body.once('drain', done);
            aborted.signal.addEventListener('abort', done, { once: true });
          });
        }
      })
      .then((result) => {
        request.log.info({ endpoint, rows: result.rows, format }, 'dataset exported');
        body.end();
      }, (err: Error) => {
        // Mid-stream the status is sent; a destroyed stream makes the client see a truncated transfer, not a valid file.
        request.log.error({ endpoint, err: err.message }, 'dataset export failed');
        body.destroy(err);
      });
    return reply
      .header('content-type', CONTENT_TYPES[format])
      .header('content-disposition', `attachment; filename="${endpoint}.${format}"`)
      .send(body);
  });

  app.post('/api/v1/models/:name/versions/:version/baseline', {
    schema: {
      tags: ['loop'], summary: 'Build the version\'s baseline: from its package\'s baseline file, or from an endpoint\'s captures ({fromEndpoint, since, until, variant})',
      params: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } }, required: ['name', 'version'] },
      body: {}, response: { 200: anyObject, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string; version: string } }>) => {
    const version = await registry.resolve(parseModelRef(`${request.params.name}:${request.params.version}`));
    const body = (request.body ?? {}) as Record<string, unknown>;
    const str = (key: string): string | undefined => {
      const v = body[key];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'string') throw new InvalidInputError(`field "${key}": expected a string, got ${JSON.stringify(v)}`);
      return v;
    };
    const from = str('fromEndpoint');
    const since = str('since');
    const until = str('until');
    const variant = str('variant');
    const profile = await baselines.build(version, from === undefined ? undefined : {
      endpoint: checkName('endpoint', from),
      ...(since !== undefined ? { since: parseTimePoint(since, 'since') } : {}),
      ...(until !== undefined ? { until: parseTimePoint(until, 'until') } : {}),
      ...(variant !== undefined ? { variant } : {}),
    });
    if (!profile) throw new InvalidInputError(`model version ${version.name}:${version.version} has no baseline file in its package; build one from captures with {"fromEndpoint": "…"}`);
    return profile;
  });

  app.get('/api/v1/models/:name/versions/:version/baseline', {
    schema: {
      tags: ['loop'], summary: 'The version\'s baseline profile',
      params: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'string' } }, required: ['name', 'version'] },
      response: { 200: anyObject, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string; version: string } }>) => {
    const version = await registry.resolve(parseModelRef(`${request.params.name}:${request.params.version}`));
    return baselines.of(version);
  });

  app.post('/api/v1/endpoints/:name/retrain/runs', {
    schema: { tags: ['loop'], summary: 'Start a retraining run now (by hand)', params, response: { 202: anyObject, ...errors } },
  }, async (request: NameRequest, reply) => reply.status(202).send(await retrainer.run(endpointOf(request), 'manual')));

  app.get('/api/v1/endpoints/:name/retrain/runs', {
    schema: { tags: ['loop'], summary: 'Retraining runs of the endpoint, newest first', params, response: { 200: { type: 'array', items: anyObject }, ...errors } },
  }, async (request: NameRequest) => {
    const endpoint = endpointOf(request);
    requireEndpoint(endpoint);
    return retrainer.runs(endpoint, limitOf(request.query as Query, 20, 1000));
  });

  app.get('/api/v1/retrain/runs/:id', {
    schema: { tags: ['loop'], summary: 'One retraining run with its log', params: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] }, response: { 200: anyObject, ...errors } },
  }, async (request: FastifyRequest<{ Params: { id: number } }>) => {
    return retrainer.runById(request.params.id);
  });
};
