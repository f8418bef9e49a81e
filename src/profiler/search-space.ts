// The runtime configurations a profile may try, their deterministic order, and the budgeted hill-climbing search.

import type { ProfileConfig, ProfilePoint } from '../core/profile-report.js';
import { mulberry32 } from '../core/seeded-random.js';
import { busyThreads, type HostFit } from '../runtime/auto-runtime.js';

export interface SearchSpace {
  intraOpThreads: number[];
  instances: number[];
  /** Batching settings in order of growing batch then delay; the first is batching off. */
  batching: { maxBatchSize: number; maxQueueDelayMicros: number }[];
  concurrency: number[];
  /**
   * Configs of every core per run that also come with fewer threads for a run beside another instance's (what the
   * default deploy picks for a slow model): per instance count, those threads. Empty when the format cannot.
   */
  busy: { instances: number; busyIntraOpThreads: number }[];
}

export const BATCH_SIZES = [4, 16, 64] as const;
export const QUEUE_DELAYS_MICROS = [0, 500, 2000] as const;
export const DEFAULT_CONCURRENCY = [1, 4, 16] as const;

/**
 * The space on a host with `cores` cores. Only the CPU execution provider is offered: this onnxruntime-node build
 * ships no other provider that a session can be created with here, so there is nothing else to sweep.
 * Batching settings appear only when the model can be batched (see runtime/batch-plan.ts batchingBlocker).
 */
export function buildSearchSpace(
  cores: number, batchable: boolean, concurrency: readonly number[] = DEFAULT_CONCURRENCY, busySessions?: HostFit['busySessions'],
): SearchSpace {
  const upTo = (n: number): number[] => Array.from({ length: Math.max(1, n) }, (_, i) => i + 1);
  const batching = [{ maxBatchSize: 1, maxQueueDelayMicros: 0 }];
  if (batchable) for (const b of BATCH_SIZES) for (const d of QUEUE_DELAYS_MICROS) batching.push({ maxBatchSize: b, maxQueueDelayMicros: d });
  const host: HostFit = { cores, batchingBlocker: undefined, ...(busySessions ? { busySessions } : {}) };
  const busy = upTo(cores)
    .map((instances) => ({ instances, busyIntraOpThreads: busyThreads(cores, instances, host) }))
    .filter((b) => b.busyIntraOpThreads > 0);
  return { intraOpThreads: upTo(cores), instances: upTo(cores), batching, concurrency: [...concurrency], busy };
}

/** The threads a config's runs beside another instance's may take instead of intraOpThreads in this space; 0: none. */
export function busyThreadsIn(space: SearchSpace, c: Pick<ProfileConfig, 'intraOpThreads' | 'instances'>): number {
  if (c.intraOpThreads !== space.intraOpThreads[space.intraOpThreads.length - 1]) return 0;
  return space.busy.find((b) => b.instances === c.instances)?.busyIntraOpThreads ?? 0;
}

export const DEFAULT_CONFIG: ProfileConfig = { intraOpThreads: 1, instances: 1, maxBatchSize: 1, maxQueueDelayMicros: 0 };

export function configKey(c: ProfileConfig): string {
  const busy = c.busyIntraOpThreads ? `-s${c.busyIntraOpThreads}` : '';
  return `t${c.intraOpThreads}${busy}-i${c.instances}-b${c.maxBatchSize}-d${c.maxQueueDelayMicros}`;
}

/** Every config, cheapest first (fewest cores, then no batching before batching): the exhaustive order. */
export function enumerateConfigs(space: SearchSpace): ProfileConfig[] {
  const all: ProfileConfig[] = [];
  for (const t of space.intraOpThreads) {
    for (const i of space.instances) {
      const busy = busyThreadsIn(space, { intraOpThreads: t, instances: i });
      for (const b of space.batching) {
        all.push({ intraOpThreads: t, instances: i, ...b });
        if (busy > 0) all.push({ intraOpThreads: t, instances: i, ...b, busyIntraOpThreads: busy });
      }
    }
  }
  // Stable sort: ties keep enumeration order, so the order is a function of the space alone.
  return all.sort((a, b) => a.intraOpThreads * a.instances - b.intraOpThreads * b.instances);
}

/**
 * Configs one step away along one dimension (threads, instances, fewer threads beside another run or not, batch size,
 * queue delay), in that order. A step in threads or instances drops the fewer threads, which belong to one shape.
 */
export function neighbours(c: ProfileConfig, space: SearchSpace): ProfileConfig[] {
  const out: ProfileConfig[] = [];
  const step = (list: readonly number[], value: number): number[] => {
    const i = list.indexOf(value);
    return [list[i - 1], list[i + 1]].filter((v): v is number => v !== undefined);
  };
  const { busyIntraOpThreads: busy, ...plain } = c;
  for (const t of step(space.intraOpThreads, c.intraOpThreads)) out.push({ ...plain, intraOpThreads: t });
  for (const n of step(space.instances, c.instances)) out.push({ ...plain, instances: n });
  if (busy) out.push(plain);
  else if (busyThreadsIn(space, c) > 0) out.push({ ...c, busyIntraOpThreads: busyThreadsIn(space, c) });
  if (c.maxBatchSize === 1) {
    // From "off", the step is the smallest batch without a delay.
    const first = space.batching[1];
    if (first) out.push({ ...c, ...first });
  } else {
    const sizes = [...new Set(space.batching.map((b) => b.maxBatchSize))];
    const delays = [...new Set(space.batching.filter((b) => b.maxBatchSize > 1).map((b) => b.maxQueueDelayMicros))];
    for (const s of step(sizes, c.maxBatchSize)) {
      const d = s === 1 ? 0 : c.maxQueueDelayMicros;
      if (space.batching.some((b) => b.maxBatchSize === s && b.maxQueueDelayMicros === d)) out.push({ ...c, maxBatchSize: s, maxQueueDelayMicros: d });
    }
    for (const d of step(delays, c.maxQueueDelayMicros)) out.push({ ...c, maxQueueDelayMicros: d });
  }
  return out;
}

export function seededShuffle<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  const random = mulberry32(seed); // reproducible tie order, never Math.random
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * How good a config's points are for the SLO: its best throughput within the SLO; a config that never meets it
 * scores below every one that does, better the lower its p99.
 */
export function configScore(points: readonly ProfilePoint[], sloP99Ms: number): number {
  const within = points.filter((p) => p.p99Ms <= sloP99Ms);
  if (within.length > 0) return Math.max(...within.map((p) => p.throughput));
  return -Math.min(...points.map((p) => p.p99Ms));
}

/** How many configs fit a time budget, from a fixed per-point estimate (not the clock), so the plan is reproducible. */
export function configsForBudget(budgetMillis: number, concurrencyLevels: number, pointMillis: number, loadMillis = 400): number {
  const perConfig = loadMillis + concurrencyLevels * pointMillis * 1.5;
  return Math.max(1, Math.floor(budgetMillis / perConfig));
}

export interface SearchOptions {
  sloP99Ms: number;
  /** All configs when true; else at most maxConfigs. */
  exhaustive: boolean;
  maxConfigs: number;
  seed: number;
  /**
   * Wall-clock end (ms since the epoch) of a budgeted search: no config starts that would not end by it (judged by the
   * mean time of the configs measured so far), whatever maxConfigs says.
   */
  deadline?: number;
  /** Where the climb starts (what a deploy without runtime flags would run); serving's fixed default when absent. */
  start?: ProfileConfig;
}

/**
 * Budgeted search: hill-climbing from `start` (the default deploy's pick), else serving's fixed default. Each step measures the next unmeasured neighbour of the best
 * config so far (neighbours in a seeded order) and moves when it scores higher; at a local optimum it continues with
 * unmeasured configs in the exhaustive order until the budget is spent. Same inputs and measurements: same visits.
 */
export async function searchConfigs(
  space: SearchSpace, options: SearchOptions, evaluate: (config: ProfileConfig, index: number, total: number) => Promise<ProfilePoint[]>,
): Promise<ProfilePoint[]> {
  const all = enumerateConfigs(space);
  const limit = options.exhaustive ? all.length : Math.min(all.length, Math.max(1, options.maxConfigs));
  const measured = new Map<string, ProfilePoint[]>();
  const points: ProfilePoint[] = [];
  let spentMs = 0;
  const measure = async (c: ProfileConfig): Promise<number> => {
    const began = Date.now();
    const result = await evaluate(c, measured.size, limit);
    spentMs += Date.now() - began;
    measured.set(configKey(c), result);
    points.push(...result);
    return configScore(result, options.sloP99Ms);
  };
  if (options.exhaustive) {
    for (const c of all) await measure(c);
    return points;
  }
  let best = options.start && all.some((c) => configKey(c) === configKey(options.start!)) ? options.start : DEFAULT_CONFIG;
  let bestScore = await measure(best);
  let step = 0;
  const fits = (): boolean => options.deadline === undefined || Date.now() + spentMs / measured.size <= options.deadline;
  while (measured.size < limit && fits()) {
    const next = seededShuffle(neighbours(best, space), options.seed + step++).find((c) => !measured.has(configKey(c)))
      ?? all.find((c) => !measured.has(configKey(c)));
    if (!next) break;
    const score = await measure(next);
    if (score > bestScore) {
      best = next;
      bestScore = score;
    }
  }
  return points;
}
