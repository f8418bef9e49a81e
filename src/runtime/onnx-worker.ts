// The worker thread that owns one onnxruntime session (session.run blocks its thread, so it must not be the main one),
// a second of fewer threads for runs that start while other instances run (RunnerOptions.busyIntraOpThreads), and the
// package's JavaScript handler when it has one: pre/post-processing runs here too, off the event loop.

import { parentPort } from 'node:worker_threads';
import { InvalidInputError } from '../core/errors.js';
import type { Signature } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';
import { JsHandler } from './js-handler.js';
import { checkOutputs } from './output-check.js';
import { signatureOf } from './ort-tensor.js';
import { readModel, runSession, sessionOf, SessionLoadError } from './onnx-session.js';
import type { BoundSession } from './ort-binding.js';
import type { FromWorker, ToWorker } from './worker-messages.js';
import { transferablesOf } from './worker-messages.js';

if (!parentPort) throw new Error('onnx-worker must run in a worker thread');
const port = parentPort;
/** A session and the intra-op threads it was made with. */
interface ThreadedSession {
  ort: BoundSession;
  threads: number;
}
/** The session with every thread the runtime gives a run. */
let session: ThreadedSession | undefined;
/** The session for runs that start while other instances run, when the runtime gives those fewer threads. */
let busySession: ThreadedSession | undefined;
let handler: { js: JsHandler; served: Signature; model: Signature } | undefined;
// Runs one at a time: the session is not re-entrant and a second run would only wait on the same thread anyway.
let chain: Promise<void> = Promise.resolve();

function send(message: FromWorker): void {
  const transfer = message.op === 'result' ? [...transferablesOf(message.outputs), ...message.spent] : [];
  port.postMessage(message, transfer);
}

async function load(message: Extract<ToWorker, { op: 'load' }>): Promise<void> {
  try {
    const bytes = await readModel(message.source);
    const { options } = message;
    session = { ort: await sessionOf(bytes, options), threads: options.intraOpThreads };
    const busy = options.busyIntraOpThreads ?? 0;
    if (busy > 0 && busy !== options.intraOpThreads) busySession = { ort: await sessionOf(bytes, { ...options, intraOpThreads: busy }), threads: busy };
    const model = signatureOf(session.ort);
    let served = model;
    if (message.source.package?.handler) {
      let js: JsHandler;
      try {
        js = await JsHandler.load(message.source);
      } catch (err) {
        throw new SessionLoadError('invalid_package', (err as Error).message);
      }
      const declared = message.source.package.signature;
      if (!declared) {
        throw new SessionLoadError('invalid_package', `a package with a handler declares what clients send and get in slipway.yaml (signature: {inputs: [...], outputs: [...]}); the model file's own signature is the handler's side`);
      }
      handler = { js, served: declared, model };
      served = declared;
    }
    send({ op: 'loaded', id: message.id, signature: served });
  } catch (err) {
    const kind = err instanceof SessionLoadError ? err.kind : 'internal';
    send({ op: 'load-failed', id: message.id, kind, message: (err as Error).message });
  }
}

async function handled(current: BoundSession, inputs: Tensor[], outputNames: string[]): Promise<{ outputs: Tensor[]; micros?: { pre: number; post: number } }> {
  if (!handler) return { outputs: runSession(current, inputs, outputNames) };
  const { js, served, model } = handler;
  const rows = inputs[0]?.shape[0] ?? 1;
  const result = await js.run(inputs, outputNames, model.inputs.map((s) => s.name), model.outputs.map((s) => s.name), async (fed, names) => runSession(current, fed, names));
  checkOutputs(served, result.outputs, outputNames, rows, `the handler (${js.path})`);
  return result;
}

async function run(message: Extract<ToWorker, { op: 'run' }>): Promise<void> {
  if (!session) {
    send({ op: 'failed', id: message.id, message: 'no model is loaded in this worker' });
    return;
  }
  const chosen = message.othersRunning && busySession ? busySession : session;
  try {
    const { outputs, micros } = await handled(chosen.ort, message.inputs, message.outputNames);
    // Outputs may share a buffer with an input only if onnxruntime (or a handler) aliased them; never hand one back twice.
    const outputBuffers = new Set(outputs.map((o) => (Array.isArray(o.data) ? undefined : o.data.buffer)));
    const spent = transferablesOf(message.inputs).filter((b) => !outputBuffers.has(b));
    send({ op: 'result', id: message.id, outputs, spent, intraOpThreads: chosen.threads, ...(micros ? { handler: micros } : {}) });
  } catch (err) {
    send({ op: 'failed', id: message.id, message: (err as Error).message, ...(err instanceof InvalidInputError ? { invalid: true } : {}) });
  }
}

port.on('message', (message: ToWorker) => {
  chain = chain.then(() => (message.op === 'load' ? load(message) : run(message)));
});
