// What one variant did during a window (a rollout step): requests, errors, latencies, and its agreement with another.

/** Latencies kept for a p99; beyond it a uniform reservoir sample keeps memory bounded. */
const MAX_SAMPLES = 50_000;

export interface WindowSnapshot {
  requests: number;
  errors: number;
  /** Errors over requests; null with no requests. */
  errorRate: number | null;
  p99Ms: number | null;
  /** Rows compared with the reference variant, and how many agreed. */
  compared: number;
  agreed: number;
  agreement: number | null;
  /** Copies refused because this variant's queue was full (shadows shed load instead of queueing it). */
  dropped: number;
  startedAt: string;
}

export class VariantWindow {
  private requests = 0;
  private errors = 0;
  private samples: number[] = [];
  private seen = 0;
  private compared = 0;
  private agreed = 0;
  private dropped = 0;
  private startedAt = Date.now();

  record(ok: boolean, latencyMs: number): void {
    this.requests++;
    if (!ok) this.errors++;
    this.seen++;
    if (this.samples.length < MAX_SAMPLES) this.samples.push(latencyMs);
    else {
      const at = Math.floor(Math.random() * this.seen);
      if (at < MAX_SAMPLES) this.samples[at] = latencyMs;
    }
  }

  recordDrop(): void {
    this.dropped++;
  }

  recordComparison(rows: number, agreed: number): void {
    this.compared += rows;
    this.agreed += agreed;
  }

  reset(): void {
    this.requests = 0;
    this.errors = 0;
    this.samples = [];
    this.seen = 0;
    this.compared = 0;
    this.agreed = 0;
    this.dropped = 0;
    this.startedAt = Date.now();
  }

  snapshot(): WindowSnapshot {
    const sorted = [...this.samples].sort((a, b) => a - b);
    // Nearest-rank p99.
    const p99 = sorted.length === 0 ? null : sorted[Math.min(sorted.length - 1, Math.ceil(0.99 * sorted.length) - 1)]!;
    return {
      requests: this.requests,
      errors: this.errors,
      errorRate: this.requests === 0 ? null : this.errors / this.requests,
      p99Ms: p99,
      compared: this.compared,
      agreed: this.agreed,
      agreement: this.compared === 0 ? null : this.agreed / this.compared,
      dropped: this.dropped,
      startedAt: new Date(this.startedAt).toISOString(),
    };
  }
}
