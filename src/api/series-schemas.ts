// JSON schemas of the dashboard's live routes (per-second series, overview): they shape output and become the OpenAPI document.

import { SERIES_REASONS } from '../monitoring/variant-series.js';

const nullableNumber = { type: ['number', 'null'] } as const;

export const seriesPointSchema = {
  type: 'object',
  properties: {
    t: { type: 'integer', description: 'the second\'s start, in seconds since the epoch' },
    requests: { type: 'integer', description: 'requests answered in this second' },
    errors: {
      type: 'object',
      description: 'failed requests by reason: refusals (overloaded, deadline, cancelled, invalid) and errors',
      properties: Object.fromEntries(SERIES_REASONS.map((r) => [r, { type: 'integer' }])),
    },
    p50Ms: nullableNumber,
    p99Ms: nullableNumber,
    queue: { ...nullableNumber, description: 'requests queued or running when sampled' },
    batchSize: { ...nullableNumber, description: 'mean rows per model execution' },
    agreement: { ...nullableNumber, description: 'the variant\'s window agreement when sampled (shadows, compared canaries)' },
  },
} as const;

export const endpointSeriesSchema = {
  type: 'object',
  properties: {
    endpoint: { type: 'string' },
    now: { type: 'integer', description: 'the server\'s current second; points end before it' },
    stepSeconds: { type: 'integer' },
    variants: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          variant: { type: 'string' },
          live: { type: 'boolean', description: 'false for a variant no longer deployed whose points have not aged out' },
          shadow: { type: 'boolean' },
          points: { type: 'array', items: seriesPointSchema },
        },
      },
    },
  },
} as const;

const summarySchema = {
  type: 'object',
  properties: { requestsPerSecond: { type: 'number' }, errorRate: nullableNumber, p50Ms: nullableNumber, p99Ms: nullableNumber },
} as const;

export const overviewSchema = {
  type: 'object',
  properties: {
    now: { type: 'integer' },
    endpoints: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          state: { type: 'string', enum: ['loading', 'ready', 'failed'] },
          error: { type: 'string' },
          revision: { type: 'integer' },
          lastRollout: {
            type: ['object', 'null'], description: 'the endpoint\'s latest rollout, whatever its status; null when it never had one',
            properties: { id: { type: 'string' }, status: { type: 'string' } },
          },
          summary: { ...summarySchema, description: 'all variants of the endpoint over the last minute' },
          variants: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                name: { type: 'string' },
                model: { type: 'string' },
                weight: { type: 'number' },
                shadow: { type: 'boolean' },
                summary: summarySchema,
                spark: { type: 'array', items: { type: 'number' }, description: 'requests per second, one a second, over the last minute (oldest first)' },
              },
            },
          },
        },
      },
    },
    rollouts: {
      type: 'array',
      description: 'rollouts running or paused',
      items: {
        type: 'object',
        properties: {
          id: { type: 'string' }, endpoint: { type: 'string' }, status: { type: 'string' }, phase: { type: 'string' },
          stepIndex: { type: 'integer' }, steps: { type: 'array', items: { type: 'number' } },
          stable: { type: 'string' }, candidate: { type: 'string' }, startedAt: { type: 'string' },
        },
      },
    },
    alerts: {
      type: 'array',
      description: 'monitor alert events of the last hour, newest first',
      items: {
        type: 'object',
        properties: {
          id: { type: 'integer' }, endpoint: { type: 'string' }, time: { type: 'string' }, kind: { type: 'string' },
          severity: { type: 'string' }, features: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;
