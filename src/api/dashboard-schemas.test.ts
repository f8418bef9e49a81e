// The response schemas compile the serializers the answers go through: nothing the views hold may be dropped by them.

import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import type { ProfileReport } from '../core/profile-report.js';
import { point } from '../profiler/fake-points.test-util.js';
import { DEFAULT_THRESHOLDS } from '../core/monitor-config.js';
import { driftHeatmap } from '../monitoring/drift-heatmap.js';
import { heatmapSchema, profileReportSchema } from './dashboard-schemas.js';

async function roundTrip(schema: object, value: unknown): Promise<unknown> {
  const app = Fastify();
  app.get('/', { schema: { response: { 200: schema } } }, async () => value);
  try {
    const reply = await app.inject({ method: 'GET', url: '/' });
    expect(reply.statusCode).toBe(200);
    return reply.json();
  } finally {
    await app.close();
  }
}

describe('dashboard schemas', () => {
  it('keep every field of a profile report', async () => {
    const points = [point({}, 100, 5), point({ instances: 2, maxBatchSize: 8, maxQueueDelayMicros: 500 }, 400, 9, 4)];
    const report: ProfileReport = {
      model: 'slow:1', startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:01:00.000Z',
      host: { cores: 2, cpuModel: 'x', platform: 'linux', executionProviders: ['cpu'], unavailableProviders: [{ provider: 'cuda', reason: 'no GPU' }] },
      settings: { sloP99Ms: 10, budgetSeconds: 60, exhaustive: false, pricePerCoreHour: 0.1, concurrency: [1, 4], seed: 1, minRequests: 100, pointMillis: 500, targetRps: null },
      input: 'golden', batchingBlocker: null, space: { configs: 10, measured: 2 }, points, pareto: [0, 1], meetsSlo: true,
      recommended: { point: points[1]!, reason: 'highest throughput within the SLO' }, minLatency: { point: points[0]!, reason: 'lowest p99' },
      minCost: null, closest: null, suggestions: ['batch'],
      capacity: { targetRps: 1000, headroom: 0.7, perReplicaRps: 280, replicas: 4, cpu: 2, memoryMiB: 512, deploymentYaml: 'a', hpaYaml: 'b' },
    };
    expect(await roundTrip(profileReportSchema, report)).toEqual(report);
  });

  it('keep a heatmap whole, null cells and thresholds included', async () => {
    const h = driftHeatmap('e', [{
      id: 1, endpoint: 'e', start: 0, end: 1, firstCapture: 1, lastCapture: 2, baseline: 'm:1', drifted: true, createdAt: '',
      evaluation: {
        rows: 10, requests: 10, tests: 1, alphaPerTest: 0.01, findings: [],
        features: [{ feature: 'a', kind: 'numeric', rows: 10, missingRate: 0, psi: 0.3, ks: { statistic: 0.5, pValue: 0.001 }, drifted: true }],
        outputs: [],
      },
    }], { ...DEFAULT_THRESHOLDS, psiWarning: Infinity, psiCritical: Infinity });
    expect(await roundTrip(heatmapSchema, h)).toEqual(h);
  });
});
