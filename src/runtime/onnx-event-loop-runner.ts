// A Runner whose onnxruntime session runs on the calling thread (the server's event loop): for a model that runs in
// less time than handing a batch to a worker thread and back costs, the hop is the larger part of a request's CPU.

import { InternalError, InvalidInputError, UnavailableError } from '../core/errors.js';
import type { Signature } from '../core/signature.js';
import { createSession, runSession, SessionLoadError } from './onnx-session.js';
import type { BoundSession } from './ort-binding.js';
import { signatureOf } from './ort-tensor.js';
import type { ModelSource, RunOutput, RunRequest, Runner, RunnerOptions } from './runner.js';
import { transferablesOf } from './worker-messages.js';

export class OnnxEventLoopRunner implements Runner {
  /** Never called: a session on this thread cannot die apart from the server. */
  onCrash: ((err: Error) => void) | undefined;
  /** onnxruntime reads the tensors on this thread and keeps nothing of them. */
  readonly readsInPlace = true;
  private running = 0;
  private disposed = false;

  private constructor(
    private readonly session: BoundSession,
    readonly signature: Signature,
    private readonly label: string,
  ) {}

  /** Loads the model on this thread. Errors: InvalidInputError for a model onnxruntime rejects. */
  static async load(source: ModelSource, options: RunnerOptions, label: string): Promise<OnnxEventLoopRunner> {
    if (source.package?.handler) {
      // Decoding and resizing images costs far more than a thread hop; on this thread it would stall every request.
      throw new InvalidInputError(`model ${label} has a handler, which runs beside its instances in worker threads; leave runtime.onEventLoop off`);
    }
    try {
      const session = await createSession(source, options);
      return new OnnxEventLoopRunner(session, signatureOf(session), label);
    } catch (err) {
      if (err instanceof SessionLoadError && err.kind === 'invalid_model') {
        throw new InvalidInputError(`model ${label} is not a valid ONNX model for onnxruntime: ${err.message}`);
      }
      throw new InternalError(`model ${label}: ${(err as Error).message}`);
    }
  }

  get pending(): number {
    return this.running;
  }

  /** One session: the scheduler runs one batch at a time on it. */
  get size(): number {
    return this.disposed ? 0 : 1;
  }

  async run(request: RunRequest): Promise<RunOutput> {
    if (this.disposed) throw new UnavailableError(`model ${this.label} was unloaded`);
    this.running++;
    try {
      // A turn of the event loop first: requests whose bytes arrive meanwhile queue behind this run and share the next
      // batch, as they would behind a worker thread (run at once, each would find the session free and run alone).
      await nextTurn();
      if (this.disposed) throw new UnavailableError(`model ${this.label} was unloaded`);
      const outputs = runSession(this.session, request.inputs, request.outputNames);
      // As a worker hands them back: the input buffers are free once the run is over (outputs never alias them here).
      const outputBuffers = new Set(outputs.map((o) => (Array.isArray(o.data) ? undefined : o.data.buffer)));
      return { outputs, spent: transferablesOf(request.inputs).filter((b) => !outputBuffers.has(b)) };
    } catch (err) {
      if (err instanceof UnavailableError) throw err;
      throw new InternalError(`model ${this.label} failed to run: ${(err as Error).message}`);
    } finally {
      this.running--;
    }
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    this.session.release();
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
