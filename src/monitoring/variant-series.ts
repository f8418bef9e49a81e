// One variant's per-second time series (requests, errors by reason, p50/p99, queue depth, batch size, agreement) in a
// bounded ring: what the dashboard's live charts read instead of scraping /metrics.

/** Why a request failed, as serving reports it (serving-observer.ts RejectionReason), in a fixed column order. */
export const SERIES_REASONS = ['overloaded', 'deadline', 'cancelled', 'invalid', 'error'] as const;
export type SeriesReason = (typeof SERIES_REASONS)[number];

/** One finished second. Latency and batch fields are null in a second without answered requests or batches. */
export interface SeriesPoint {
  /** The second's start, in whole seconds since the epoch. */
  t: number;
  /** Requests answered successfully in this second. */
  requests: number;
  errors: Record<SeriesReason, number>;
  p50Ms: number | null;
  p99Ms: number | null;
  /** Requests queued or running when the second was sampled; null when it was not sampled. */
  queue: number | null;
  /** Mean rows per model execution in this second. */
  batchSize: number | null;
  /** The variant's window agreement when sampled (shadows and compared canaries); null when nothing was compared. */
  agreement: number | null;
}

/** Latencies kept per second for its percentiles; beyond it a reservoir sample keeps the work per second bounded. */
const SAMPLES_PER_SECOND = 1024;

export function emptyErrors(): Record<SeriesReason, number> {
  return { overloaded: 0, deadline: 0, cancelled: 0, invalid: 0, error: 0 };
}

/** Nearest-rank percentile of sorted values. */
function rank(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

export class VariantSeries {
  private readonly ring: (SeriesPoint | undefined)[];
  /** Index of the next point written, and how many are held. */
  private next = 0;
  private held = 0;
  /** The second being accumulated (not yet in the ring), or -1 before anything happened. */
  private current = -1;
  private requests = 0;
  private errors = emptyErrors();
  private readonly latencies = new Float64Array(SAMPLES_PER_SECOND);
  private seen = 0;
  private batches = 0;
  private rows = 0;
  private queue: number | null = null;
  private agreement: number | null = null;

  /** `capacity`: seconds kept; older points are overwritten. */
  constructor(readonly capacity: number, private readonly random: () => number = Math.random) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity: expected a whole number of seconds >= 1, got ${capacity}`);
    this.ring = new Array<SeriesPoint | undefined>(capacity);
  }

  /** A request's outcome at second `t`: answered (latency in ms) or failed for `reason`. */
  record(t: number, ok: boolean, latencyMs: number, reason: SeriesReason = 'error'): void {
    this.roll(t);
    if (!ok) {
      this.errors[reason]++;
      return;
    }
    this.requests++;
    this.seen++;
    if (this.seen <= SAMPLES_PER_SECOND) this.latencies[this.seen - 1] = latencyMs;
    else {
      const at = Math.floor(this.random() * this.seen);
      if (at < SAMPLES_PER_SECOND) this.latencies[at] = latencyMs;
    }
  }

  /** `n` requests answered at second `t` whose latencies are not known (a shadow's copies, counted from its window). */
  addRequests(t: number, n: number): void {
    this.roll(t);
    this.requests += n;
  }

  /** One model execution of `rows` rows at second `t`. */
  recordBatch(t: number, rows: number): void {
    this.roll(t);
    this.batches++;
    this.rows += rows;
  }

  /** What was sampled at second `t` (queue depth, agreement); the last sample of a second wins. */
  sample(t: number, queue: number, agreement: number | null): void {
    this.roll(t);
    this.queue = queue;
    this.agreement = agreement;
  }

  /** Finished seconds after `since` (exclusive) up to before `now`, oldest first; seconds without anything are zeros. */
  points(now: number, since = -Infinity): SeriesPoint[] {
    this.roll(now);
    const out: SeriesPoint[] = [];
    for (let i = 0; i < this.held; i++) {
      const p = this.ring[(this.next - this.held + i + this.capacity) % this.capacity]!;
      if (p.t > since) out.push(p);
    }
    return out;
  }

  /** The second of the newest point held, or -1 when none is. */
  get lastSecond(): number {
    return this.held === 0 ? -1 : this.ring[(this.next - 1 + this.capacity) % this.capacity]!.t;
  }

  /** Moves on to second `t`: the accumulated second goes into the ring, and empty seconds in between as zeros. */
  private roll(t: number): void {
    if (t <= this.current) return;
    if (this.current >= 0) {
      this.push(this.finish());
      // Seconds with nothing in them still happened: zero throughput is a point, not a gap. At most a ring's worth.
      for (let s = Math.max(this.current + 1, t - this.capacity); s < t; s++) this.push(this.empty(s));
    }
    this.current = t;
  }

  private finish(): SeriesPoint {
    const n = Math.min(this.seen, SAMPLES_PER_SECOND);
    let p50: number | null = null;
    let p99: number | null = null;
    if (n > 0) {
      const sorted = this.latencies.slice(0, n).sort();
      p50 = rank(sorted, 0.5);
      p99 = rank(sorted, 0.99);
    }
    const point: SeriesPoint = {
      t: this.current, requests: this.requests, errors: this.errors, p50Ms: p50, p99Ms: p99, queue: this.queue,
      batchSize: this.batches === 0 ? null : this.rows / this.batches, agreement: this.agreement,
    };
    this.requests = 0;
    this.errors = emptyErrors();
    this.seen = 0;
    this.batches = 0;
    this.rows = 0;
    // Queue depth and agreement are levels, not counts: a second that was not sampled says so (null).
    this.queue = null;
    this.agreement = null;
    return point;
  }

  private empty(t: number): SeriesPoint {
    return { t, requests: 0, errors: emptyErrors(), p50Ms: null, p99Ms: null, queue: null, batchSize: null, agreement: null };
  }

  private push(point: SeriesPoint): void {
    this.ring[this.next] = point;
    this.next = (this.next + 1) % this.capacity;
    this.held = Math.min(this.held + 1, this.capacity);
  }
}
