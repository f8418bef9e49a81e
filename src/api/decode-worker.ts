// A worker thread that decodes large v2 JSON request bodies, so the event loop keeps parsing HTTP and answering.

import { parentPort } from 'node:worker_threads';
import { SlipwayError } from '../core/errors.js';
import { decodeBinaryInferRequest } from '../protocols/v2-binary.js';
import { transferablesOf } from '../runtime/worker-messages.js';
import type { DecodeReply, DecodeTask } from './decode-messages.js';

if (!parentPort) throw new Error('decode-worker must run in a worker thread');
const port = parentPort;

port.on('message', (task: DecodeTask) => {
  let reply: DecodeReply;
  try {
    const request = decodeBinaryInferRequest(new Uint8Array(task.body, task.offset, task.length), task.headerLength);
    reply = { id: task.id, request };
    port.postMessage(reply, transferablesOf(request.inputs));
  } catch (err) {
    const known = err instanceof SlipwayError;
    reply = { id: task.id, error: { message: (err as Error).message, invalid: known && err.httpStatus === 400 } };
    port.postMessage(reply);
  }
});
