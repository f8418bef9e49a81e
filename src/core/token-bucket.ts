// A token bucket: requests per second with a burst, as pure arithmetic over a clock the caller reads (testable, cheap).

/**
 * Starts full (`burst` tokens), refills at `ratePerSecond`, never holds more than `burst`. Each admitted request takes
 * one token. Time is whatever clock the caller passes in milliseconds; a clock that goes back is treated as standing.
 */
export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(readonly ratePerSecond: number, readonly burst: number, now: number) {
    this.tokens = burst;
    this.at = now;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.burst, this.tokens + ((now - this.at) * this.ratePerSecond) / 1000);
      this.at = now;
    }
  }

  /** Milliseconds until a token is available at `now` (0: one is there now). Takes nothing. */
  waitMs(now: number): number {
    this.refill(now);
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.ratePerSecond);
  }

  /** Takes a token if one is available at `now`; true when it did. */
  take(now: number): boolean {
    this.refill(now);
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}
