// Request/response calls to one worker thread: message ids, transfer lists, pending calls, crash and shutdown, once.

import { Worker } from 'node:worker_threads';
import { InternalError, UnavailableError } from './errors.js';
import type { WorkerScript } from './worker-script.js';

/** Every request the channel sends carries an id, which the channel assigns; every reply names the request it answers. */
export interface WorkerRequest {
  id: number;
}
export interface WorkerReply {
  id: number;
}

/**
 * Reads a reply into what its call resolves with, or into the error it rejects with. A constant per kind of call (made
 * once, not per call), so a call costs one pending entry and one promise.
 */
export type SettleReply<Reply, T> = (reply: Reply) => T | Error;

/** When the worker keeps the process alive: always (default), never, or only while calls are in flight. */
export type KeepAlive = 'always' | 'never' | 'while-busy';

export interface WorkerChannelOptions {
  script: WorkerScript;
  /** Names the worker in errors: "model digits:3", "request decoder", "capture writer". */
  name: string;
  workerData?: unknown;
  keepAlive?: KeepAlive;
}

interface PendingCall<Reply> {
  resolve: (value: unknown) => void;
  reject: (err: Error) => void;
  settle: SettleReply<Reply, unknown>;
}

export class WorkerChannel<Request extends WorkerRequest, Reply extends WorkerReply> {
  /**
   * Called once if the worker dies on its own ('error' or an exit nobody asked for), after every call in flight was
   * rejected; never after dispose.
   */
  onCrash: ((err: Error) => void) | undefined;
  private readonly worker: Worker;
  private readonly calls = new Map<number, PendingCall<Reply>>();
  private readonly keepAlive: KeepAlive;
  private readonly name: string;
  private nextId = 1;
  /** Why calls are refused: set on crash or dispose. */
  private stopped: Error | undefined;
  private disposing = false;
  private exited = false;

  constructor(options: WorkerChannelOptions) {
    this.name = options.name;
    this.keepAlive = options.keepAlive ?? 'always';
    this.worker = new Worker(options.script.url, { execArgv: options.script.execArgv, workerData: options.workerData });
    if (this.keepAlive !== 'always') this.worker.unref();
    this.worker.on('message', (reply: Reply) => this.receive(reply));
    this.worker.on('error', (err) => this.crash(new InternalError(`${this.name} crashed: ${err.message}`, { cause: err })));
    this.worker.on('exit', (code) => {
      this.exited = true;
      this.crash(new InternalError(`${this.name} stopped unexpectedly (worker exit code ${code})`));
    });
  }

  /** Calls sent and not yet answered. */
  get pending(): number {
    return this.calls.size;
  }

  /** False once the worker crashed or the channel was disposed: calls are refused from then on. */
  get running(): boolean {
    return this.stopped === undefined;
  }

  /**
   * Sends `request` (its id is set here) moving the buffers in `transfer`, which are detached on this side once sent.
   * Resolves with what `settle` reads from the reply; rejects with what it returns as an error, when the worker dies
   * first (InternalError), or when the channel is disposed (UnavailableError).
   */
  call<T>(request: Request, settle: SettleReply<Reply, T>, transfer?: readonly ArrayBuffer[]): Promise<T> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    request.id = id;
    return new Promise<T>((resolve, reject) => {
      this.calls.set(id, { resolve: resolve as (value: unknown) => void, reject, settle });
      if (this.keepAlive === 'while-busy' && this.calls.size === 1) this.worker.ref();
      this.worker.postMessage(request, transfer);
    });
  }

  /** Rejects every call in flight (with `reason`, or UnavailableError) and stops the worker; later calls are refused. */
  async dispose(reason?: Error): Promise<void> {
    if (this.disposing) return;
    this.disposing = true;
    const err = reason ?? new UnavailableError(`${this.name} was shut down`);
    this.stopped ??= new UnavailableError(`${this.name} is not running`);
    this.rejectAll(err);
    if (!this.exited) await this.worker.terminate();
  }

  /**
   * Stops a worker stuck in a call as if it had crashed: calls in flight fail with `err`, onCrash is told (its owner
   * replaces it), and the thread is terminated.
   */
  kill(err: Error): void {
    if (this.disposing || this.stopped) return;
    this.crash(err);
    void this.worker.terminate();
  }

  private receive(reply: Reply): void {
    const call = this.calls.get(reply.id);
    if (!call) return;
    this.calls.delete(reply.id);
    if (this.keepAlive === 'while-busy' && this.calls.size === 0) this.worker.unref();
    const settled = call.settle(reply);
    if (settled instanceof Error) call.reject(settled);
    else call.resolve(settled);
  }

  private crash(err: Error): void {
    if (this.disposing || this.stopped) return;
    this.stopped = err;
    this.rejectAll(err);
    const notify = this.onCrash;
    this.onCrash = undefined;
    notify?.(err);
  }

  private rejectAll(err: Error): void {
    if (this.calls.size === 0) return;
    const calls = [...this.calls.values()];
    this.calls.clear();
    if (this.keepAlive === 'while-busy') this.worker.unref();
    for (const call of calls) call.reject(err);
  }
}
