// A background job run every N ms (monitor ticks, webhook sweeps, the retraining schedule): started once, stopped on
// close, never what keeps the process alive.

export class IntervalTask {
  private timer: NodeJS.Timeout | undefined;

  /** `run` is called without waiting for it: it handles its own errors, and overlapping runs are its business. */
  constructor(
    private readonly run: () => unknown,
    private readonly everyMs: number,
  ) {}

  /** Starts the interval; a second start while it runs changes nothing. */
  start(): void {
    this.timer ??= setInterval(() => void this.run(), this.everyMs);
    this.timer.unref();
  }

  /** Stops the interval (a run in progress finishes); start() may begin it again. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
