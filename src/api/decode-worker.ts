// A worker thread that decodes large v2 JSON request bodies and gRPC messages, so the event loop keeps answering.

import { parentPort } from 'node:worker_threads';
import { SlipwayError } from '../core/errors.js';
import { decodeBinaryInferRequest } from '../protocols/v2-binary.js';
import { transferablesOf } from '../runtime/worker-messages.js';
import type { DecodeReply, DecodeTask } from './decode-messages.js';
import { decodeModelInferBytes } from './grpc-proto.js';

if (!parentPort) throw new Error('decode-worker must run in a worker thread');
const port = parentPort;

port.on('message', (task: DecodeTask) => {
  let reply: DecodeReply;
  try {
    if (task.protocol === 'grpc') {
      const request = decodeModelInferBytes(Buffer.from(task.body, task.offset, task.length), task.limits);
      reply = { id: task.id, request };
      // Raw contents are views on the message's bytes: the bytes move back with them instead of being cloned.
      const transfer = transferablesOf(request.inputs);
      if (!transfer.includes(task.body)) transfer.push(task.body);
      port.postMessage(reply, transfer);
      return;
    }
    const request = decodeBinaryInferRequest(new Uint8Array(task.body, task.offset, task.length), task.headerLength, task.limits);
    reply = { id: task.id, request };
    port.postMessage(reply, transferablesOf(request.inputs));
  } catch (err) {
    const known = err instanceof SlipwayError;
    reply = { id: task.id, error: { message: (err as Error).message, invalid: known && err.httpStatus === 400 } };
    port.postMessage(reply);
  }
});
