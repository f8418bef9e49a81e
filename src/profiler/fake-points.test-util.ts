// Synthetic profile points for the profiler's unit tests.

import type { ProfileConfig, ProfilePoint } from '../core/profile-report.js';
import { costPerMillion, coresUsed } from './recommend.js';

export function point(config: Partial<ProfileConfig>, throughput: number, p99Ms: number, concurrency = 1, hostCores = 8): ProfilePoint {
  const c: ProfileConfig = { intraOpThreads: 1, instances: 1, maxBatchSize: 1, maxQueueDelayMicros: 0, ...config };
  return {
    config: c, concurrency, requests: 300, seconds: 1, throughput, p50Ms: p99Ms / 2, p95Ms: p99Ms * 0.9, p99Ms, spreadMs: 0.1,
    meanBatchRows: 1, cpu: 0.5, rssBytes: 200 * 1024 * 1024, coresUsed: coresUsed(c, hostCores), costPerMillion: costPerMillion(throughput, 0.1, coresUsed(c, hostCores)),
  };
}
