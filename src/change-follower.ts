// Follows what other replicas change in the shared store: polls the change counters (and, on Postgres, wakes at once on
// NOTIFY), then reconciles the live endpoint table, re-applies loop settings and drops cached tokens; a full reconcile
// now and then is the safety net for anything a poll or a notification missed.

import type { ChangeCounters, ChangeKind, Store } from './store/store.js';

export interface ChangeFollowerDeps {
  store: Pick<Store, 'changeCounters' | 'watchChanges'>;
  /** Loads, swaps or removes endpoints whose stored revision differs from the running one. */
  reconcileEndpoints: () => Promise<unknown>;
  /** Hands the loop's parts the settings the store holds now. */
  reapplySettings: () => Promise<void>;
  /** Drops tokens cached for inference: one was created or revoked (a revocation counts on every replica within a poll). */
  forgetTokens: () => void;
  log: (details: object, message: string) => void;
  /** How often the counters are read (a cheap one-row-per-kind query): a change is followed within about this. */
  pollMs?: number;
  /** How often everything is reconciled whatever the counters say. */
  fullEveryMs?: number;
}

export class ChangeFollower {
  private seen: ChangeCounters | undefined;
  private timer: NodeJS.Timeout | undefined;
  private unwatch: (() => Promise<void>) | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private lastFull = Date.now();
  private stopped = false;

  constructor(private readonly deps: ChangeFollowerDeps) {}

  /** Remembers the counters as they are (what the caller has just loaded) and starts following. */
  async start(): Promise<void> {
    this.seen = await this.deps.store.changeCounters();
    this.unwatch = await this.deps.store.watchChanges((kind: ChangeKind) => {
      void kind;
      this.check();
    });
    this.timer = setInterval(() => this.check(), this.deps.pollMs ?? 200);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.unwatch?.();
    await this.running;
  }

  /** One pass at a time; a check asked for during a pass runs right after it, so no change is left behind. */
  private check(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: Error) => this.deps.log({ err: err.message }, 'could not follow changes from the store'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.check();
        }
      });
  }

  private async pass(): Promise<void> {
    const now = await this.deps.store.changeCounters();
    const before = this.seen;
    const full = Date.now() - this.lastFull >= (this.deps.fullEveryMs ?? 30_000);
    if (full) this.lastFull = Date.now();
    if (full || !before || before.tokens !== now.tokens) this.deps.forgetTokens();
    const endpointsChanged = full || !before || before.endpoints !== now.endpoints || before.aliases !== now.aliases;
    if (endpointsChanged) await this.deps.reconcileEndpoints();
    if (full || !before || before.settings !== now.settings || endpointsChanged) await this.deps.reapplySettings();
    // Remembered once followed (a pass that throws is retried); a change committed after `now` was read has a higher
    // counter and is followed by the next pass.
    this.seen = now;
  }
}
