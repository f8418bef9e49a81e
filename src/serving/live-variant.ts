// One loaded variant: its scheduler and runner pool, and the count of requests in flight so a swap can drain it.

import { formatVersionId, type VariantSpec } from '../core/endpoint-spec.js';
import type { ModelVersion } from '../core/model-version.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import type { Signature } from '../core/signature.js';
import type { Runner } from '../runtime/runner.js';
import type { ScheduledResult, ScheduleOptions, Scheduler } from '../runtime/scheduler.js';
import type { RunRequest } from '../runtime/runner.js';
import { idlePoll } from './idle-poll.js';
import { VariantWindow } from './variant-window.js';

export class LiveVariant {
  private inFlight = 0;
  private drained: (() => void) | undefined;
  /** What this variant did since the window was last reset (by a rollout step). */
  readonly window = new VariantWindow();

  constructor(
    /** Replaced when a spec change keeps this loaded variant but changes its weight or shadow flag. */
    public spec: VariantSpec,
    readonly version: ModelVersion,
    private readonly scheduler: Scheduler,
    private readonly runner: Runner,
    /** What runs: the spec's runtime, or what `auto` picked for this host. */
    readonly runtime: RuntimeConfig = spec.runtime,
    /** Why `auto` picked `runtime` (what it measured); absent for a runtime the spec fixed. */
    readonly picked?: string,
  ) {}

  /** The spec's model as `name:version` (what answers name), made once per spec rather than once per request. */
  get modelId(): string {
    if (this.idOf !== this.spec) {
      this.idOf = this.spec;
      this.id = formatVersionId(this.spec.model);
    }
    return this.id;
  }

  private idOf: VariantSpec | undefined;
  private id = '';

  /** The package's signature: the model's plus feature names and labels. */
  get signature(): Signature {
    return this.version.signature;
  }

  /** Requests queued or running on this variant. */
  get pending(): number {
    return this.inFlight;
  }

  get queued(): number {
    return this.scheduler.queued;
  }

  /** True while a new request would be refused at once (its queue is at maxQueueSize). */
  get saturated(): boolean {
    return this.scheduler.queued >= this.runtime.maxQueueSize;
  }

  /** Must be called synchronously after the variant was picked, so a concurrent swap sees the request as in flight. */
  run(request: RunRequest, options: ScheduleOptions): Promise<ScheduledResult> {
    this.inFlight++;
    idlePoll.enter();
    let running: Promise<ScheduledResult>;
    try {
      running = this.scheduler.submit(request, options);
    } catch (err) {
      this.settled();
      throw err;
    }
    // Counted out before the caller hears the outcome (reactions run in the order they were added); not an async
    // function: that would cost another promise and its ticks on every request.
    running.then(this.settled, this.settled);
    return running;
  }

  private readonly settled = (): void => {
    this.inFlight--;
    idlePoll.leave();
    if (this.inFlight === 0 && this.drained) this.drained();
  };

  /** Waits for requests in flight to finish, then frees the runner. New requests must no longer be routed here. */
  async retire(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    this.scheduler.close();
    await this.runner.dispose();
  }

  /** Frees the runner at once (used when a load fails half-way). */
  async dispose(): Promise<void> {
    this.scheduler.close();
    await this.runner.dispose();
  }
}
