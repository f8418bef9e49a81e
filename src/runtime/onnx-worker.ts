// The worker thread that owns one onnxruntime session: session.run blocks its thread, so it must not be the main one.

import { parentPort } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import { signatureOf } from './ort-tensor.js';
import { createSession, runSession, SessionLoadError } from './onnx-session.js';
import type { FromWorker, ToWorker } from './worker-messages.js';
import { transferablesOf } from './worker-messages.js';

if (!parentPort) throw new Error('onnx-worker must run in a worker thread');
const port = parentPort;
let session: ort.InferenceSession | undefined;
// Runs one at a time: the session is not re-entrant and a second run would only wait on the same thread anyway.
let chain: Promise<void> = Promise.resolve();

function send(message: FromWorker): void {
  const transfer = message.op === 'result' ? [...transferablesOf(message.outputs), ...message.spent] : [];
  port.postMessage(message, transfer);
}

async function load(message: Extract<ToWorker, { op: 'load' }>): Promise<void> {
  try {
    session = await createSession(message.source, message.options);
    send({ op: 'loaded', id: message.id, signature: signatureOf(session) });
  } catch (err) {
    const kind = err instanceof SessionLoadError ? err.kind : 'internal';
    send({ op: 'load-failed', id: message.id, kind, message: (err as Error).message });
  }
}

async function run(message: Extract<ToWorker, { op: 'run' }>): Promise<void> {
  if (!session) {
    send({ op: 'failed', id: message.id, message: 'no model is loaded in this worker' });
    return;
  }
  try {
    const outputs = await runSession(session, message.inputs, message.outputNames);
    // Outputs may share a buffer with an input only if onnxruntime aliased them; never hand such a buffer back twice.
    const outputBuffers = new Set(outputs.map((o) => (Array.isArray(o.data) ? undefined : o.data.buffer)));
    const spent = transferablesOf(message.inputs).filter((b) => !outputBuffers.has(b));
    send({ op: 'result', id: message.id, outputs, spent });
  } catch (err) {
    send({ op: 'failed', id: message.id, message: (err as Error).message });
  }
}

port.on('message', (message: ToWorker) => {
  chain = chain.then(() => (message.op === 'load' ? load(message) : run(message)));
});
