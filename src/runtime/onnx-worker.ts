// The worker thread that owns one onnxruntime session: session.run blocks its thread, so it must not be the main one.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { fromOrtTensor, signatureOf, toOrtTensor } from './ort-tensor.js';
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
  let bytes: Buffer;
  try {
    bytes = await readFile(message.source.path);
  } catch (err) {
    send({ op: 'load-failed', id: message.id, kind: 'internal', message: `cannot read model file: ${(err as Error).message}` });
    return;
  }
  const actual = createHash('sha256').update(bytes).digest('hex');
  if (actual !== message.source.sha256) {
    send({
      op: 'load-failed',
      id: message.id,
      kind: 'internal',
      message: `model artifact ${message.source.sha256} is corrupt on disk (its content hashes to ${actual}); push the model again`,
    });
    return;
  }
  try {
    const { intraOpThreads, interOpThreads } = message.options;
    session = await ort.InferenceSession.create(bytes, {
      executionProviders: [message.options.executionProvider],
      intraOpNumThreads: intraOpThreads,
      interOpNumThreads: interOpThreads,
      executionMode: interOpThreads > 1 ? 'parallel' : 'sequential',
      graphOptimizationLevel: 'all',
    });
    send({ op: 'loaded', id: message.id, signature: signatureOf(session) });
  } catch (err) {
    send({ op: 'load-failed', id: message.id, kind: 'invalid_model', message: (err as Error).message });
  }
}

async function run(message: Extract<ToWorker, { op: 'run' }>): Promise<void> {
  if (!session) {
    send({ op: 'failed', id: message.id, message: 'no model is loaded in this worker' });
    return;
  }
  try {
    const feeds: Record<string, ort.Tensor> = {};
    for (const t of message.inputs) feeds[t.name] = toOrtTensor(t);
    const results = await session.run(feeds, message.outputNames);
    const outputs = message.outputNames.map((n) => fromOrtTensor(n, results[n]!));
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
