// The per-variant request queue: bounded, deadline- and cancellation-aware, forming dynamic batches for free instances.

import type { CancelSignal } from '../core/cancel-signal.js';
import { CancelledError, DeadlineExceededError, OverloadedError, UnavailableError } from '../core/errors.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import type { Tensor } from '../core/tensor.js';
import { batchKeyOf, planBatch, reuseKey, type BatchPolicy, type MadeKey } from './batch-plan.js';
import { copyInputs, stackInputs, splitOutputs } from './batch-tensors.js';
import { tensorBuffers } from './buffer-pool.js';
import type { HandlerMicros, RunRequest, Runner } from './runner.js';
import { holdsViews } from './worker-messages.js';

/** Told of every execution: its rows and, for a package with a handler, the handler's share (for metrics). */
export type BatchListener = (rows: number, handler?: HandlerMicros) => void;

export interface ScheduleOptions {
  /** Absolute deadline in ms since the epoch. */
  deadline?: number;
  /** The caller's cancellation (an AbortSignal, or an HTTP connection's): a queued request is dropped when it fires. */
  signal?: CancelSignal;
  /**
   * The inputs stay the caller's (other variants read them too): they are copied once before the run (stacking a
   * batch is that copy) and never handed to the runner, which may move their buffers to another thread.
   */
  borrowed?: boolean;
}

/** What one request experienced: its outputs and where its time went. */
export interface ScheduledResult {
  outputs: Tensor[];
  queueMicros: number;
  computeMicros: number;
  /** Rows in the batch this request ran in (its own rows when it ran alone). */
  batchRows: number;
}

interface Job {
  request: RunRequest;
  key: string;
  rows: number;
  borrowed: boolean;
  deadline: number | undefined;
  enqueuedAt: number;
  resolve: (result: ScheduledResult) => void;
  reject: (err: Error) => void;
  /** Listened to while the job is queued: its deadline timer and its caller's cancellation. */
  timer: NodeJS.Timeout | undefined;
  signal: CancelSignal | undefined;
  onAbort: (() => void) | undefined;
  /** Set when it left the queue to run. */
  taken: boolean;
}

/** Stops listening for a job's deadline and cancellation (it runs now, or has been dropped). */
function unwatch(job: Job): void {
  if (job.timer !== undefined) clearTimeout(job.timer);
  if (job.onAbort !== undefined) job.signal!.removeEventListener('abort', job.onAbort);
}

function settleNever(): void {
  // replaced in submit() before any job can settle
}

/** Microseconds on a monotonic clock. */
function nowMicros(): number {
  return performance.now() * 1000;
}

let soloKeys = 0;

export class Scheduler {
  private readonly queue: Job[] = [];
  private running = 0;
  /** The next look at a batch that is still growing (one turn of the event loop away). */
  private look: NodeJS.Immediate | undefined;
  /** Requests submitted so far, and as many as the last look saw: the queue grew when they differ. */
  private arrivals = 0;
  private seenArrivals = 0;
  private closed = false;
  private readonly buffers = tensorBuffers;
  private readonly policy: BatchPolicy;

  constructor(
    private readonly runner: Runner,
    private readonly config: RuntimeConfig,
    /** False when the model cannot be batched; then every request runs alone whatever maxBatchSize says. */
    batchable: boolean,
    private readonly label: string,
    /** Told the row count of every execution (for metrics); runtime knows no metrics itself. */
    private readonly onBatch: BatchListener = () => undefined,
  ) {
    this.policy = {
      maxBatchSize: batchable ? config.maxBatchSize : 1,
      maxQueueDelayMicros: config.maxQueueDelayMicros,
      preferredBatchSizes: config.preferredBatchSizes,
    };
  }

  /** Requests waiting for an instance. */
  get queued(): number {
    return this.queue.length;
  }

  /** Requests queued or running. */
  get pending(): number {
    return this.queue.length + this.runningRequests;
  }

  private runningRequests = 0;

  submit(request: RunRequest, options: ScheduleOptions = {}): Promise<ScheduledResult> {
    if (this.closed) return Promise.reject(new UnavailableError(`model ${this.label} is not serving any more`));
    if (options.deadline !== undefined && options.deadline <= Date.now()) {
      return Promise.reject(new DeadlineExceededError(`the request's deadline passed before model ${this.label} could run it`));
    }
    if (options.signal?.aborted) return Promise.reject(new CancelledError('the client went away before the request was queued'));
    if (this.queue.length >= this.config.maxQueueSize) {
      return Promise.reject(
        new OverloadedError(`model ${this.label} has ${this.queue.length} requests waiting (its maxQueueSize); retry shortly`),
      );
    }
    const batch = this.policy.maxBatchSize > 1 ? this.keyOf(request) : undefined;
    const job: Job = {
      request,
      key: batch?.key ?? `solo-${soloKeys++}`,
      rows: batch?.rows ?? 1,
      borrowed: options.borrowed === true,
      deadline: options.deadline,
      enqueuedAt: nowMicros(),
      resolve: settleNever,
      reject: settleNever,
      timer: undefined,
      signal: options.signal,
      onAbort: undefined,
      taken: false,
    };
    const promise = new Promise<ScheduledResult>((resolve, reject) => {
      job.resolve = resolve;
      job.reject = reject;
    });
    this.queue.push(job);
    this.arrivals++;
    // A lone request at low load would otherwise wait a turn for company that is not coming.
    if (this.policy.maxQueueDelayMicros === 0 || this.look === undefined) this.pump();
    // Still queued: listen for its deadline and its caller going away. A job that ran at once never needed either.
    if (!job.taken) this.watch(job);
    return promise;
  }

  /** The last batching key made: requests of one model mostly share it, and reusing it builds no string. */
  private lastKey: MadeKey | undefined;

  private keyOf(request: RunRequest): { key: string; rows: number } | undefined {
    const reused = this.lastKey && reuseKey(this.lastKey, request.inputs, request.outputNames);
    if (reused) return reused;
    const made = batchKeyOf(request.inputs, request.outputNames);
    if (made) {
      this.lastKey = {
        key: made.key,
        inputs: request.inputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] })),
        outputNames: [...request.outputNames],
      };
    }
    return made;
  }

  private watch(job: Job): void {
    if (job.deadline !== undefined) {
      job.timer = setTimeout(
        () => this.drop(job, new DeadlineExceededError(`the request waited past its deadline for model ${this.label}; it did not run`)),
        job.deadline - Date.now(),
      );
    }
    if (job.signal) {
      const onAbort = (): void => this.drop(job, new CancelledError('the client went away; its queued request was dropped'));
      job.onAbort = onAbort;
      job.signal.addEventListener('abort', onAbort);
    }
  }

  /** Refuses new requests and fails queued ones; running batches finish. */
  close(): void {
    this.closed = true;
    clearImmediate(this.look);
    this.look = undefined;
    for (const job of this.queue.splice(0)) {
      unwatch(job);
      job.reject(new UnavailableError(`model ${this.label} stopped serving before the request ran`));
    }
  }

  /** Removes a job that is still queued (deadline passed or client gone). */
  private drop(job: Job, err: Error): void {
    const at = this.queue.indexOf(job);
    if (at < 0) return; // already running: it finishes normally
    this.queue.splice(at, 1);
    unwatch(job);
    job.reject(err);
  }

  private pump(): void {
    while (this.queue.length > 0 && this.running < Math.max(1, this.runner.size)) {
      const now = nowMicros();
      const growing = this.arrivals !== this.seenArrivals;
      this.seenArrivals = this.arrivals;
      const decision = planBatch(this.queue, now, this.policy, growing);
      if (!decision) return;
      if (decision.kind === 'wait') {
        this.lookNextTurn();
        return;
      }
      const jobs = decision.indexes.map((i) => this.queue[i]!);
      for (let i = decision.indexes.length - 1; i >= 0; i--) this.queue.splice(decision.indexes[i]!, 1);
      for (const job of jobs) {
        job.taken = true;
        unwatch(job);
      }
      void this.execute(jobs, now);
    }
  }

  /**
   * Looks at a growing batch again after the event loop's current turn: requests whose bytes arrived in the same turn
   * join it, and when a turn brings none the batch runs. A timer would wait at least a whole millisecond.
   */
  private lookNextTurn(): void {
    if (this.look) return;
    this.look = setImmediate(() => {
      this.look = undefined;
      this.pump();
    });
  }

  private async execute(jobs: Job[], startedAt: number): Promise<void> {
    this.running++;
    this.runningRequests += jobs.length;
    const rows = jobs.map((j) => j.rows);
    const batchRows = rows.reduce((a, b) => a + b, 0);
    try {
      const single = jobs.length === 1;
      // A lone request's own inputs go as they are, unless the runner may move them (a worker thread) and they are
      // borrowed (another run or the capture tap still reads them) or views on a request's bytes that it cannot take
      // along (`movable`: a gRPC message held by nothing else): those are copied once into pooled buffers, which move
      // to the runner's thread and come back as `spent`. A 600 KB image's copy cost the event loop ~0.3 ms per call.
      const own = single ? jobs[0]!.request.inputs : undefined;
      const movable = own && !jobs[0]!.borrowed ? jobs[0]!.request.movable : undefined;
      const inPlace = this.runner.readsInPlace === true;
      const inputs = !own
        ? stackInputs(jobs.map((j) => j.request.inputs), this.buffers)
        : !inPlace && (jobs[0]!.borrowed || (!movable && holdsViews(own))) ? copyInputs(own, this.buffers) : own;
      // A runner that can stop a run (a Python process) may stop it once every request of the batch has given up.
      const deadline = jobs.every((j) => j.deadline !== undefined) ? Math.max(...jobs.map((j) => j.deadline!)) : undefined;
      const output = await this.runner.run({
        inputs,
        outputNames: jobs[0]!.request.outputNames,
        ...(deadline !== undefined ? { deadline } : {}),
        ...(movable && inputs === own && !inPlace ? { movable } : {}),
      });
      const computeMicros = nowMicros() - startedAt;
      // `spent` is the run's input buffers: borrowed ones that ran in place are still read elsewhere, not the pool's.
      if (inputs !== own || !jobs[0]!.borrowed) this.buffers.give(output.spent);
      this.onBatch(batchRows, output.handler);
      const perJob = single ? [output.outputs] : splitOutputs(output.outputs, rows);
      jobs.forEach((job, i) =>
        job.resolve({ outputs: perJob[i]!, queueMicros: startedAt - job.enqueuedAt, computeMicros, batchRows }),
      );
    } catch (err) {
      for (const job of jobs) job.reject(err as Error);
    } finally {
      this.running--;
      this.runningRequests -= jobs.length;
      this.pump();
    }
  }
}
