// Turning measured points into answers: cost, the Pareto front, the recommendations and what to change when none fits.

import type { ProfileConfig, ProfilePoint, ProfileReport } from '../core/profile-report.js';

/** Documented default price: 0.10 USD per core-hour (a typical on-demand x86 vCPU), times the cores a config uses. */
export const DEFAULT_PRICE_PER_CORE_HOUR = 0.1;
/** Within this fraction of the best throughput, measurements are noise: the simpler, cheaper config is recommended. */
export const NOISE_BAND = 0.05;
/** A recommendation may make what one client sees (p50 at concurrency 1) at most this much slower than the best config. */
export const ONE_CLIENT_FACTOR = 1.2;

/**
 * The cores a config can keep busy at once on a host with `hostCores`: its threads at their peak (every instance
 * running; with busy threads, one run at its full threads and the others at the busy count), never more than the host
 * has. Threads beyond the cores share them, so they are not billed: 2 instances × 2 threads measured on 2 cores cost
 * 2 cores, not 4.
 */
export function coresUsed(c: ProfileConfig, hostCores: number): number {
  const peak = c.busyIntraOpThreads ? c.intraOpThreads + c.busyIntraOpThreads * (c.instances - 1) : c.intraOpThreads * c.instances;
  return Math.min(peak, hostCores);
}

/** USD per million inferences: price-per-hour / (throughput x 3600) x 1e6. Infinite when nothing was served. */
export function costPerMillion(throughput: number, pricePerCoreHour: number, cores: number): number {
  if (!(throughput > 0)) return Number.POSITIVE_INFINITY;
  return ((pricePerCoreHour * cores) / (throughput * 3600)) * 1e6;
}

/** Indexes of the points no other point beats on both throughput (higher) and p99 (lower), by p99 ascending. */
export function paretoFront(points: readonly ProfilePoint[]): number[] {
  const front: number[] = [];
  points.forEach((p, i) => {
    const dominated = points.some((q, j) =>
      j !== i && q.throughput >= p.throughput && q.p99Ms <= p.p99Ms && (q.throughput > p.throughput || q.p99Ms < p.p99Ms));
    if (!dominated) front.push(i);
  });
  return front.sort((a, b) => points[a]!.p99Ms - points[b]!.p99Ms || points[b]!.throughput - points[a]!.throughput || a - b);
}

/** Simpler first: fewer cores, no queue delay, smaller batches, then lower p99. */
function simpler(a: ProfilePoint, b: ProfilePoint): number {
  return a.coresUsed - b.coresUsed
    || a.config.maxQueueDelayMicros - b.config.maxQueueDelayMicros
    || a.config.maxBatchSize - b.config.maxBatchSize
    || a.config.instances - b.config.instances
    // A second session per instance costs memory: only when it raises throughput beyond the noise.
    || (a.config.busyIntraOpThreads ? 1 : 0) - (b.config.busyIntraOpThreads ? 1 : 0)
    || a.p99Ms - b.p99Ms;
}

export function describeConfig(c: ProfileConfig): string {
  const batching = c.maxBatchSize > 1 ? `batch ≤${c.maxBatchSize}, delay ${c.maxQueueDelayMicros} µs` : 'no batching';
  const busy = c.busyIntraOpThreads ? ` (${c.busyIntraOpThreads} beside another run)` : '';
  return `${c.instances} instance${c.instances === 1 ? '' : 's'} × ${c.intraOpThreads} thread${c.intraOpThreads === 1 ? '' : 's'}${busy}, ${batching}`;
}

/** The answer part of a report (see core/profile-report.ts for what each field means). */
export type Recommendations = Pick<ProfileReport, 'meetsSlo' | 'recommended' | 'minLatency' | 'minCost' | 'closest' | 'suggestions'>;

/**
 * The answers: highest throughput within the SLO (a config within NOISE_BAND of it that is simpler wins, so a queue
 * delay or a bigger batch is only recommended when it really raises throughput), lowest p99, cheapest within the SLO.
 */
export function recommend(points: readonly ProfilePoint[], sloP99Ms: number, cores: number): Recommendations {
  if (points.length === 0) throw new Error('no points to recommend from');
  const byLatency = [...points].sort((a, b) => a.p99Ms - b.p99Ms || b.throughput - a.throughput);
  const fastest = byLatency[0]!;
  const minLatency = { point: fastest, reason: `lowest p99: ${fmt(fastest.p99Ms)} ms at concurrency ${fastest.concurrency}` };
  const within = points.filter((p) => p.p99Ms <= sloP99Ms);
  if (within.length === 0) {
    return {
      meetsSlo: false, recommended: null, minLatency, minCost: null,
      closest: { point: fastest, reason: `no configuration meets p99 ≤ ${fmt(sloP99Ms)} ms; the closest reaches ${fmt(fastest.p99Ms)} ms` },
      suggestions: suggestionsFor(fastest, sloP99Ms, cores),
    };
  }
  // What one client sees, per config: a config whose queue delay (or threads) costs a lone client more than
  // ONE_CLIENT_FACTOR × the best config's p50 at concurrency 1 is not recommended for its throughput under load.
  const oneClient = new Map(points.filter((p) => p.concurrency === 1).map((p) => [JSON.stringify(p.config), p.p50Ms]));
  const bestOneClient = oneClient.size > 0 ? Math.min(...oneClient.values()) : undefined;
  const keepsOneClient = (p: ProfilePoint): boolean => {
    const own = oneClient.get(JSON.stringify(p.config));
    return bestOneClient === undefined || own === undefined || own <= bestOneClient * ONE_CLIENT_FACTOR;
  };
  const eligible = within.some(keepsOneClient) ? within.filter(keepsOneClient) : within;
  const top = Math.max(...eligible.map((p) => p.throughput));
  const best = eligible.filter((p) => p.throughput >= top * (1 - NOISE_BAND)).sort(simpler)[0]!;
  const ownOneClient = oneClient.get(JSON.stringify(best.config));
  const cheapest = [...within].sort((a, b) => a.costPerMillion - b.costPerMillion || simpler(a, b))[0]!;
  return {
    meetsSlo: true,
    recommended: {
      point: best,
      reason: `highest throughput with p99 ≤ ${fmt(sloP99Ms)} ms: ${fmt(best.throughput)}/s at p99 ${fmt(best.p99Ms)} ms (concurrency ${best.concurrency})`
        + (best.throughput < top ? `; simpler than the top (${fmt(top)}/s), which is within ${NOISE_BAND * 100}% noise` : '')
        + (ownOneClient !== undefined && bestOneClient !== undefined ? `; one client sees p50 ${fmt(ownOneClient)} ms (best config: ${fmt(bestOneClient)} ms)` : ''),
    },
    minLatency,
    minCost: { point: cheapest, reason: `cheapest within the SLO: ${cheapest.costPerMillion.toPrecision(3)} USD per million inferences` },
    closest: null,
    suggestions: [],
  };
}

/** What to change when nothing meets the SLO, judged from the closest point. */
export function suggestionsFor(closest: ProfilePoint, sloP99Ms: number, cores: number): string[] {
  const out: string[] = [];
  if (closest.config.maxQueueDelayMicros > 0) out.push(`lower the batch queue delay (now ${closest.config.maxQueueDelayMicros} µs): it adds up to that much to every request`);
  if (closest.concurrency > 1) out.push(`serve fewer concurrent requests per replica (the closest point had ${closest.concurrency}) and add replicas`);
  if (closest.coresUsed >= cores || closest.cpu > 0.8) out.push(`run on a host with more or faster cores (this one has ${cores}, and the closest point used ${Math.round(closest.cpu * 100)}% of them)`);
  else out.push(`give the model more intra-op threads on a host with more cores (this one has ${cores})`);
  out.push('serve a smaller or quantized (INT8) model: p99 is dominated by one inference');
  out.push(`or relax the objective: the best p99 measured here is ${fmt(closest.p99Ms)} ms against ${fmt(sloP99Ms)} ms`);
  return out;
}

function fmt(n: number): string {
  return n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2);
}
