// A Runner backed by one onnxruntime session in its own worker thread.

import { Worker } from 'node:worker_threads';
import { InternalError, InvalidInputError, UnavailableError } from '../core/errors.js';
import type { Signature } from '../core/signature.js';
import type { ModelSource, RunOutput, RunRequest, Runner, RunnerOptions } from './runner.js';
import type { FromWorker, ToWorker } from './worker-messages.js';
import { transferablesOf } from './worker-messages.js';
import { workerScript } from '../core/worker-script.js';

const WORKER = workerScript(import.meta.url, 'onnx-worker');

interface Pending {
  resolve: (output: RunOutput) => void;
  reject: (err: Error) => void;
}

export class OnnxRunner implements Runner {
  private nextId = 1;
  private readonly inFlight = new Map<number, Pending>();
  private exited = false;
  private disposing = false;
  /** Called once if the worker dies on its own (not through dispose). */
  onCrash: ((err: Error) => void) | undefined;

  private constructor(
    private readonly worker: Worker,
    readonly signature: Signature,
    readonly label: string,
  ) {
    worker.on('message', (message: FromWorker) => this.receive(message));
    worker.on('error', (err) => this.fail(new UnavailableError(`model ${label} crashed: ${err.message}`)));
    worker.on('exit', (code) => {
      this.exited = true;
      if (!this.disposing) this.fail(new UnavailableError(`model ${label} stopped unexpectedly (worker exit code ${code})`));
    });
  }

  /** Starts a worker and loads the model in it. Errors: InvalidInputError for a model onnxruntime rejects. */
  static async load(source: ModelSource, options: RunnerOptions, label: string): Promise<OnnxRunner> {
    const worker = new Worker(WORKER.url, { execArgv: WORKER.execArgv });
    const signature = await new Promise<Signature>((resolve, reject) => {
      const onExit = (code: number): void => reject(new InternalError(`model ${label}: worker exited with code ${code} while loading`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (message: FromWorker) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if (message.op === 'loaded') resolve(message.signature);
        else if (message.op === 'load-failed') {
          reject(
            message.kind === 'invalid_model'
              ? new InvalidInputError(`model ${label} is not a valid ONNX model for onnxruntime: ${message.message}`)
              : new InternalError(`model ${label}: ${message.message}`),
          );
        } else reject(new InternalError(`model ${label}: unexpected message "${message.op}" while loading`));
      });
      const load: ToWorker = { op: 'load', source, options };
      worker.postMessage(load);
    }).catch(async (err: unknown) => {
      await worker.terminate();
      throw err;
    });
    return new OnnxRunner(worker, signature, label);
  }

  get pending(): number {
    return this.inFlight.size;
  }

  /** One session: 1 while it runs, 0 once its worker is gone. */
  get size(): number {
    return this.exited || this.disposing ? 0 : 1;
  }

  run(request: RunRequest): Promise<RunOutput> {
    if (this.exited || this.disposing) return Promise.reject(new UnavailableError(`model ${this.label} is not running`));
    const id = this.nextId++;
    return new Promise<RunOutput>((resolve, reject) => {
      this.inFlight.set(id, { resolve, reject });
      const message: ToWorker = { op: 'run', id, inputs: request.inputs, outputNames: request.outputNames };
      this.worker.postMessage(message, transferablesOf(request.inputs));
    });
  }

  async dispose(): Promise<void> {
    this.disposing = true;
    this.fail(new UnavailableError(`model ${this.label} was unloaded`));
    if (!this.exited) await this.worker.terminate();
  }

  private receive(message: FromWorker): void {
    if (message.op !== 'result' && message.op !== 'failed') return;
    const pending = this.inFlight.get(message.id);
    if (!pending) return;
    this.inFlight.delete(message.id);
    if (message.op === 'result') pending.resolve({ outputs: message.outputs, spent: message.spent });
    else pending.reject(new InternalError(`model ${this.label} failed to run: ${message.message}`));
  }

  private fail(err: Error): void {
    const wasRunning = !this.disposing;
    for (const pending of this.inFlight.values()) pending.reject(err);
    this.inFlight.clear();
    if (wasRunning && this.onCrash) {
      const notify = this.onCrash;
      this.onCrash = undefined;
      notify(err);
    }
  }
}
