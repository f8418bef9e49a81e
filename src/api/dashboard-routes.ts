// The dashboard's data: each variant's per-second series of an endpoint, and the overview of every endpoint at once.

import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { formatVersionId } from '../core/endpoint-spec.js';
import { InvalidInputError, NotFoundError } from '../core/errors.js';
import { checkName } from '../core/names.js';
import type { RolloutState } from '../core/rollout-state.js';
import type { MonitorRunner } from '../monitoring/monitor-runner.js';
import { SeriesRecorder } from '../monitoring/series-recorder.js';
import type { SeriesSource } from '../monitoring/series-source.js';
import type { SeriesPoint } from '../monitoring/variant-series.js';
import type { RolloutController } from '../rollout/rollout-controller.js';
import type { EndpointManager } from '../serving/endpoint-manager.js';
import { errorSchema } from './api-schemas.js';
import { endpointSeriesSchema, overviewSchema } from './series-schemas.js';

export interface DashboardRouteOptions {
  endpoints: EndpointManager;
  series: SeriesSource;
  rollouts: RolloutController;
  monitors: Pick<MonitorRunner, 'events'>;
}

/** The overview's sparklines and numbers cover this many seconds. */
const OVERVIEW_SECONDS = 60;
const ALERT_HOURS = 1;

const params = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const errors = { 400: errorSchema, 401: errorSchema, 404: errorSchema };

function wholeNumber(value: string | undefined, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidInputError(`query parameter "${field}": expected a whole number from ${min} to ${max}, got ${JSON.stringify(value)}`);
  return n;
}

/** Requests per second, one a second, over the last `seconds` (zeros before the first point). */
function spark(points: readonly SeriesPoint[], now: number, seconds: number): number[] {
  const out = new Array<number>(seconds).fill(0);
  for (const p of points) {
    const at = seconds - (now - p.t);
    if (at >= 0 && at < seconds) out[at] = p.requests;
  }
  return out;
}

function rolloutView(r: RolloutState): object {
  return {
    id: r.id, endpoint: r.endpoint, status: r.status, phase: r.phase, stepIndex: r.stepIndex, steps: r.policy.steps,
    stable: formatVersionId(r.stable.model), candidate: formatVersionId(r.candidate.model), startedAt: new Date(r.startedAt).toISOString(),
  };
}

export const dashboardRoutes: FastifyPluginAsync<DashboardRouteOptions> = async (app: FastifyInstance, opts) => {
  const { endpoints, series, rollouts, monitors } = opts;

  app.get('/api/v1/endpoints/:name/series', {
    schema: {
      tags: ['dashboard'],
      summary: 'Each variant\'s per-second series (requests, errors by reason, p50/p99, queue depth, batch size, agreement), kept in memory for 15 minutes',
      description: 'Points of finished seconds, oldest first. Poll with since=<the last t you have> to get only newer points.',
      params,
      querystring: {
        type: 'object',
        properties: {
          seconds: { type: 'string', description: 'how far back, 1 to 900 (default 300)' },
          since: { type: 'string', description: 'only points after this second (epoch seconds)' },
        },
      },
      response: { 200: endpointSeriesSchema, ...errors },
    },
  }, async (request: FastifyRequest<{ Params: { name: string }; Querystring: { seconds?: string; since?: string } }>) => {
    const name = checkName('endpoint', request.params.name);
    endpoints.status(name); // 404 for an endpoint that does not exist
    const now = Math.floor(Date.now() / 1000);
    const seconds = wholeNumber(request.query.seconds, 'seconds', 1, series.capacity) ?? 300;
    const since = Math.max(now - seconds - 1, wholeNumber(request.query.since, 'since', 0, Number.MAX_SAFE_INTEGER) ?? 0);
    return { endpoint: name, now, stepSeconds: 1, variants: await series.series(name, since) };
  });

  app.get('/api/v1/overview', {
    schema: {
      tags: ['dashboard'],
      summary: 'Every endpoint with its state, variants, weights and last minute (req/s, p50/p99, error rate, sparkline); active rollouts; alerts of the last hour',
      response: { 200: overviewSchema, 401: errorSchema },
    },
  }, async () => {
    const now = Math.floor(Date.now() / 1000);
    const list = endpoints.list();
    const active = await Promise.all(list.map((e) => rollouts.current(e.record.spec.name).catch((err: unknown) => {
      if (err instanceof NotFoundError) return undefined;
      throw err;
    })));
    const alerts = await monitors.events(undefined, { limit: 50, since: Date.now() - ALERT_HOURS * 3_600_000 });
    const seriesOf = await Promise.all(list.map((e) => series.series(e.record.spec.name, now - OVERVIEW_SECONDS - 1)));
    return {
      now,
      endpoints: list.map((status, i) => {
        const name = status.record.spec.name;
        const rollout = active[i];
        const views = new Map(seriesOf[i]!.map((v) => [v.variant, v.points]));
        const all = [...views.values()].flat();
        const combined = mergeSeconds(all);
        return {
          name, state: status.state, ...(status.error !== undefined ? { error: status.error } : {}), revision: status.record.revision,
          lastRollout: rollout ? { id: rollout.id, status: rollout.status } : null,
          summary: SeriesRecorder.summarize(combined, OVERVIEW_SECONDS),
          variants: status.record.spec.variants.map((v) => {
            const points = views.get(v.name) ?? [];
            return {
              name: v.name, model: formatVersionId(v.model), weight: v.weight, shadow: v.shadow,
              summary: SeriesRecorder.summarize(points, OVERVIEW_SECONDS), spark: spark(points, now, OVERVIEW_SECONDS),
            };
          }),
        };
      }),
      rollouts: active.filter((r): r is RolloutState => r !== undefined && (r.status === 'running' || r.status === 'paused')).map(rolloutView),
      alerts: alerts.map((a) => ({ id: a.id, endpoint: a.endpoint, time: a.time, kind: a.kind, severity: a.severity, features: a.features })),
    };
  });
};

/** Sums the variants' points second by second (latencies: the worst variant's), for an endpoint-wide summary. */
function mergeSeconds(points: readonly SeriesPoint[]): SeriesPoint[] {
  const bySecond = new Map<number, SeriesPoint>();
  for (const p of points) {
    const seen = bySecond.get(p.t);
    if (!seen) {
      bySecond.set(p.t, { ...p, errors: { ...p.errors } });
      continue;
    }
    seen.requests += p.requests;
    for (const k of Object.keys(p.errors) as (keyof SeriesPoint['errors'])[]) seen.errors[k] += p.errors[k];
    seen.p50Ms = maxOf(seen.p50Ms, p.p50Ms);
    seen.p99Ms = maxOf(seen.p99Ms, p.p99Ms);
  }
  return [...bySecond.values()].sort((a, b) => a.t - b.t);
}

function maxOf(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}
