// A Runner backed by one onnxruntime session in its own worker thread (calls to it go through core/worker-channel), with
// the package's JavaScript handler, if any, in the same thread.

import { DeadlineExceededError, InternalError, InvalidInputError, UnavailableError } from '../core/errors.js';
import type { Signature } from '../core/signature.js';
import { WorkerChannel, type SettleReply } from '../core/worker-channel.js';
import { workerScript } from '../core/worker-script.js';
import type { ModelSource, RunOutput, RunRequest, Runner, RunnerOptions } from './runner.js';
import type { FromWorker, ToWorker } from './worker-messages.js';
import { transferablesOf } from './worker-messages.js';

const WORKER = workerScript(import.meta.url, 'onnx-worker');

function settleLoad(label: string): SettleReply<FromWorker, Signature> {
  return (message) => {
    if (message.op === 'loaded') return message.signature;
    if (message.op !== 'load-failed') return new InternalError(`model ${label}: unexpected message "${message.op}" while loading`);
    if (message.kind === 'invalid_model') return new InvalidInputError(`model ${label} is not a valid ONNX model for onnxruntime: ${message.message}`);
    if (message.kind === 'invalid_package') return new InvalidInputError(`model ${label}: ${message.message}`);
    return new InternalError(`model ${label}: ${message.message}`);
  };
}

export class OnnxRunner implements Runner {
  /** Called once if the worker dies on its own (not through dispose). */
  onCrash: ((err: Error) => void) | undefined;
  /** Made once per runner: a run costs one pending entry and one promise, nothing more. */
  private readonly settleRun: SettleReply<FromWorker, RunOutput>;

  private constructor(
    private readonly channel: WorkerChannel<ToWorker, FromWorker>,
    readonly signature: Signature,
    readonly label: string,
    /** The package has a JavaScript handler in the worker. */
    private readonly handled: boolean,
  ) {
    this.settleRun = (message) => {
      if (message.op === 'result') {
        return { outputs: message.outputs, spent: message.spent, intraOpThreads: message.intraOpThreads, ...(message.handler ? { handler: message.handler } : {}) };
      }
      if (message.op === 'failed' && message.invalid) return new InvalidInputError(`model ${label}: ${message.message}`);
      return new InternalError(`model ${label} failed to run: ${message.op === 'failed' ? message.message : `unexpected message "${message.op}"`}`);
    };
    // A dead worker already rejected every run in flight with an InternalError: an error, never a cancellation.
    channel.onCrash = (err) => {
      const notify = this.onCrash;
      this.onCrash = undefined;
      notify?.(err);
    };
  }

  /** Starts a worker and loads the model (and handler) in it. Errors: InvalidInputError for a model onnxruntime rejects. */
  static async load(source: ModelSource, options: RunnerOptions, label: string): Promise<OnnxRunner> {
    const channel = new WorkerChannel<ToWorker, FromWorker>({ script: WORKER, name: `model ${label}` });
    try {
      const signature = await channel.call({ op: 'load', id: 0, source, options }, settleLoad(label));
      return new OnnxRunner(channel, signature, label, source.package?.handler !== undefined);
    } catch (err) {
      await channel.dispose();
      throw err;
    }
  }

  get pending(): number {
    return this.channel.pending;
  }

  /** One session: 1 while it runs, 0 once its worker is gone. */
  get size(): number {
    return this.channel.running ? 1 : 0;
  }

  run(request: RunRequest): Promise<RunOutput> {
    const call = this.channel.call(
      { op: 'run', id: 0, inputs: request.inputs, outputNames: request.outputNames, othersRunning: request.othersRunning === true },
      this.settleRun,
      request.movable ? [...transferablesOf(request.inputs), ...request.movable] : transferablesOf(request.inputs),
    );
    if (!this.handled || request.deadline === undefined) return call;
    // A handler is user code that may never return; its thread is stopped, and replaced, once its batch has given up.
    const watchdog = setTimeout(() => {
      this.channel.kill(new DeadlineExceededError(`model ${this.label}: its handler was still running at the deadline of its requests; its worker thread was stopped`));
    }, Math.max(0, request.deadline - Date.now()));
    watchdog.unref();
    return call.finally(() => clearTimeout(watchdog));
  }

  async dispose(): Promise<void> {
    await this.channel.dispose(new UnavailableError(`model ${this.label} was unloaded`));
  }
}
