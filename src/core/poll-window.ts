// How long the event loop goes on polling for the next request once none is in flight: a window that follows the gaps
// between requests (the idea of Linux's guest halt-polling), so polling is spent only where requests follow closely.

/** The window starts (and restarts from nothing) at this share of the largest one. */
const START_SHARE = 1 / 8;
/** Below this many µs a shrinking window becomes 0: a poll that short rarely catches a request. */
const FLOOR_MICROS = 5;

export class PollWindow {
  private current: number;

  /** `maxMicros`: the longest poll; 0 never polls. */
  constructor(readonly maxMicros: number) {
    if (!Number.isFinite(maxMicros) || maxMicros < 0) throw new RangeError(`poll window: expected a number of µs ≥ 0, got ${maxMicros}`);
    this.current = maxMicros;
  }

  /** How long the next poll may last, in µs. */
  get micros(): number {
    return this.current;
  }

  /**
   * Learns from one gap between the moment the last request in flight finished and the next one started (reached its
   * model: the server's own work on the answer and on the next request counts in the gap, so the largest window must
   * cover it; 200 µs did for HTTP but not for gRPC, 500 µs does for both here). A
   * gap within the window: polling caught it (kept). A gap longer than the window but within the largest: a longer
   * poll would have caught it (doubled). A gap past the largest: no poll would have, it was CPU spent for nothing
   * (halved, and 0 below FLOOR_MICROS).
   */
  observe(gapMicros: number): void {
    if (this.maxMicros === 0 || gapMicros <= this.current) return;
    if (gapMicros <= this.maxMicros) {
      this.current = Math.min(this.maxMicros, Math.max(this.current * 2, this.maxMicros * START_SHARE));
      return;
    }
    const half = this.current / 2;
    this.current = half < FLOOR_MICROS ? 0 : half;
  }
}
