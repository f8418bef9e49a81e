// A latency histogram that replicas can add together: fixed log-spaced buckets, so a merged p99 is the p99 of all
// replicas' requests (within a bucket's width, 2 %), which per-replica percentiles could never give.

/** Each bucket's upper bound is this factor times the previous one. */
const GROWTH = 1.02;
/** The first bucket ends here (1 µs); the last one is open above (about 10 minutes). */
const FIRST_MS = 0.001;
export const LATENCY_BUCKETS = 1024;
const LOG_GROWTH = Math.log(GROWTH);

/** The bucket a latency falls in: the first whose upper bound is at least `ms`. */
export function bucketOf(ms: number): number {
  if (!(ms > FIRST_MS)) return 0;
  return Math.min(LATENCY_BUCKETS - 1, Math.ceil(Math.log(ms / FIRST_MS) / LOG_GROWTH));
}

/** A bucket's upper bound in milliseconds: what a quantile landing in it reports (never below the truth). */
export function bucketUpperMs(bucket: number): number {
  return FIRST_MS * GROWTH ** bucket;
}

/** Sparse form for storage and merging: [bucket, count] pairs in bucket order, counts above zero. */
export type SparseHistogram = [number, number][];

export class LatencyHistogram {
  private readonly counts = new Uint32Array(LATENCY_BUCKETS);
  private total = 0;

  record(ms: number): void {
    this.counts[bucketOf(ms)]!++;
    this.total++;
  }

  get count(): number {
    return this.total;
  }

  reset(): void {
    this.counts.fill(0);
    this.total = 0;
  }

  sparse(): SparseHistogram {
    const out: SparseHistogram = [];
    for (let i = 0; i < LATENCY_BUCKETS; i++) if (this.counts[i]! > 0) out.push([i, this.counts[i]!]);
    return out;
  }
}

/** Adds sparse histograms bucket by bucket (entries out of range are ignored: a stored row from a future layout). */
export function mergeHistograms(list: readonly SparseHistogram[]): SparseHistogram {
  const sum = new Map<number, number>();
  for (const h of list) {
    for (const [bucket, count] of h) {
      if (!Number.isInteger(bucket) || bucket < 0 || bucket >= LATENCY_BUCKETS || !(count > 0)) continue;
      sum.set(bucket, (sum.get(bucket) ?? 0) + count);
    }
  }
  return [...sum.entries()].sort((a, b) => a[0] - b[0]);
}

/** Nearest-rank quantile (0 < q ≤ 1) as the upper bound of the bucket it falls in; null when empty. */
export function histogramQuantile(h: SparseHistogram, q: number): number | null {
  let total = 0;
  for (const [, count] of h) total += count;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const [bucket, count] of h) {
    seen += count;
    if (seen >= rank) return bucketUpperMs(bucket);
  }
  return bucketUpperMs(h[h.length - 1]![0]);
}
