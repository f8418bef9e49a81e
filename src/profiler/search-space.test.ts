import { describe, expect, it } from 'vitest';
import type { ProfileConfig, ProfilePoint } from '../core/profile-report.js';
import { point } from './fake-points.test-util.js';
import {
  buildSearchSpace, configKey, configsForBudget, enumerateConfigs, neighbours, searchConfigs, seededShuffle, DEFAULT_CONFIG,
} from './search-space.js';

/** A model where batching and instances help and a queue delay costs latency: deterministic "measurements". */
function fakeModel(c: ProfileConfig, concurrency: number): ProfilePoint {
  const batch = Math.min(c.maxBatchSize, concurrency);
  const perInference = 5 / Math.min(c.intraOpThreads, 2) ** 0.5;
  const throughput = (1000 / perInference) * Math.min(c.instances, concurrency) * (1 + 0.6 * Math.log2(batch));
  const p99 = perInference * (1 + 0.2 * batch) + c.maxQueueDelayMicros / 1000 + concurrency / Math.min(c.instances, concurrency);
  return point(c, throughput, p99, concurrency);
}

const evaluate = (visited: string[]) => async (c: ProfileConfig): Promise<ProfilePoint[]> => {
  visited.push(configKey(c));
  return [1, 4, 16].map((n) => fakeModel(c, n));
};

describe('search space', () => {
  it('offers CPU threads and instances up to the cores, and batching only for batchable models', () => {
    const s = buildSearchSpace(2, true);
    expect(s.intraOpThreads).toEqual([1, 2]);
    expect(s.instances).toEqual([1, 2]);
    expect(s.batching).toHaveLength(1 + 3 * 3);
    expect(s.concurrency).toEqual([1, 4, 16]);
    expect(buildSearchSpace(2, false).batching).toEqual([{ maxBatchSize: 1, maxQueueDelayMicros: 0 }]);
    expect(enumerateConfigs(buildSearchSpace(4, true))).toHaveLength(4 * 4 * 10);
  });

  it('offers every core per run with fewer threads beside another run too, when the format and memory allow', () => {
    const s = buildSearchSpace(2, true, [1, 4, 16], { hostBytes: 24e9, modelBytes: 45e6 });
    expect(s.busy).toEqual([{ instances: 2, busyIntraOpThreads: 1 }]);
    const all = enumerateConfigs(s);
    expect(all).toHaveLength(50);
    expect(all.filter((c) => c.busyIntraOpThreads).every((c) => c.intraOpThreads === 2 && c.instances === 2 && c.busyIntraOpThreads === 1)).toBe(true);
    expect(new Set(all.map(configKey)).size).toBe(50);
    // Four cores: every core per run, and the cores shared out beside other runs: 2 each for 2 instances, 1 for 3 or 4.
    expect(buildSearchSpace(4, false, [1], { hostBytes: 24e9, modelBytes: 45e6 }).busy.map((b) => [b.instances, b.busyIntraOpThreads]))
      .toEqual([[2, 2], [3, 1], [4, 1]]);
    // A format without second sessions, or a model whose second sessions would not fit in memory: none.
    expect(buildSearchSpace(2, true).busy).toEqual([]);
    expect(buildSearchSpace(2, true, [1], { hostBytes: 8e9, modelBytes: 600e6 }).busy).toEqual([]);
  });

  it('steps between a shape with and without fewer threads beside another run, and drops them with the shape', () => {
    const s = buildSearchSpace(2, false, [1, 4, 16], { hostBytes: 24e9, modelBytes: 45e6 });
    const wide = { intraOpThreads: 2, instances: 2, maxBatchSize: 1, maxQueueDelayMicros: 0 };
    expect(neighbours(wide, s).map(configKey)).toEqual(['t1-i2-b1-d0', 't2-i1-b1-d0', 't2-s1-i2-b1-d0']);
    expect(neighbours({ ...wide, busyIntraOpThreads: 1 }, s).map(configKey)).toEqual(['t1-i2-b1-d0', 't2-i1-b1-d0', 't2-i2-b1-d0']);
  });

  it('enumerates every config exactly once, cheapest first, default first', () => {
    const all = enumerateConfigs(buildSearchSpace(2, true));
    expect(new Set(all.map(configKey)).size).toBe(all.length);
    expect(all[0]).toEqual(DEFAULT_CONFIG);
    const cores = all.map((c) => c.intraOpThreads * c.instances);
    expect(cores).toEqual([...cores].sort((a, b) => a - b));
  });

  it('steps one dimension at a time, from "no batching" to the smallest batch without delay', () => {
    const s = buildSearchSpace(2, true);
    expect(neighbours(DEFAULT_CONFIG, s).map(configKey)).toEqual(['t2-i1-b1-d0', 't1-i2-b1-d0', 't1-i1-b4-d0']);
    expect(neighbours({ ...DEFAULT_CONFIG, maxBatchSize: 16, maxQueueDelayMicros: 500 }, s).map(configKey))
      .toEqual(['t2-i1-b16-d500', 't1-i2-b16-d500', 't1-i1-b4-d500', 't1-i1-b64-d500', 't1-i1-b16-d0', 't1-i1-b16-d2000']);
  });

  it('shuffles reproducibly from a seed', () => {
    const items = Array.from({ length: 20 }, (_, i) => i);
    expect(seededShuffle(items, 7)).toEqual(seededShuffle(items, 7));
    expect(seededShuffle(items, 7)).not.toEqual(seededShuffle(items, 8));
    expect([...seededShuffle(items, 7)].sort((a, b) => a - b)).toEqual(items);
  });

  it('exhaustive search measures the whole space', async () => {
    const s = buildSearchSpace(2, true);
    const visited: string[] = [];
    const points = await searchConfigs(s, { sloP99Ms: 20, exhaustive: true, maxConfigs: 1, seed: 1 }, evaluate(visited));
    expect(visited).toEqual(enumerateConfigs(s).map(configKey));
    expect(points).toHaveLength(40 * 3);
  });

  it('budgeted search is a deterministic subset that starts at the default and climbs to batching', async () => {
    const s = buildSearchSpace(2, true);
    const a: string[] = [];
    const b: string[] = [];
    await searchConfigs(s, { sloP99Ms: 20, exhaustive: false, maxConfigs: 8, seed: 3 }, evaluate(a));
    await searchConfigs(s, { sloP99Ms: 20, exhaustive: false, maxConfigs: 8, seed: 3 }, evaluate(b));
    expect(a).toEqual(b);
    expect(a).toHaveLength(8);
    expect(new Set(a).size).toBe(8);
    expect(a[0]).toBe(configKey(DEFAULT_CONFIG));
    expect(a.some((k) => !k.includes('-b1-'))).toBe(true);
  });

  it('starts the climb at the given config (the default deploy\'s pick) when the space has it', async () => {
    const s = buildSearchSpace(2, true);
    const visited: string[] = [];
    const start = { intraOpThreads: 2, instances: 1, maxBatchSize: 16, maxQueueDelayMicros: 0 };
    await searchConfigs(s, { sloP99Ms: 20, exhaustive: false, maxConfigs: 3, seed: 3, start }, evaluate(visited));
    expect(visited[0]).toBe(configKey(start));
  });

  it('starts no config that would end after the deadline, judged by the time configs took so far', async () => {
    const s = buildSearchSpace(2, true);
    const began = Date.now();
    let count = 0;
    await searchConfigs(s, { sloP99Ms: 20, exhaustive: false, maxConfigs: 40, seed: 3, deadline: began + 250 }, async (config) => {
      count++;
      await new Promise((r) => setTimeout(r, 100));
      return [point(config, 100, 5)];
    });
    expect(count).toBe(2);
    expect(Date.now() - began).toBeLessThan(250 + 50);
  });

  it('sizes the budget from a fixed estimate, at least one config', () => {
    expect(configsForBudget(120_000, 3, 1000)).toBe(24);
    expect(configsForBudget(10, 3, 1000)).toBe(1);
  });
});
