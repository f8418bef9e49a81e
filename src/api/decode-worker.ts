// A worker thread that decodes large v2 JSON request bodies and gRPC messages, so the event loop keeps answering.

import { parentPort } from 'node:worker_threads';
import { SlipwayError } from '../core/errors.js';
import type { InferRequest } from '../core/infer.js';
import { scanJson } from '../protocols/json-scan.js';
import { decodeBinaryInferRequest } from '../protocols/v2-binary.js';
import { decodeInferRequest } from '../protocols/v2-json.js';
import { transferablesOf } from '../runtime/worker-messages.js';
import type { DecodeReply, DecodeTask } from './decode-messages.js';
import { decodeModelInferBytes } from './grpc-proto.js';
import { readRun, runSource } from './split-decode.js';

if (!parentPort) throw new Error('decode-worker must run in a worker thread');
const port = parentPort;

port.on('message', (task: DecodeTask) => {
  let reply: DecodeReply;
  if ('run' in task) {
    const ran = readRun(task.run, new Uint8Array(task.tail, 0, task.tailLength));
    port.postMessage({ id: task.id, ran, tail: task.tail } satisfies DecodeReply, [task.tail]);
    return;
  }
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
    const bytes = new Uint8Array(task.body, task.offset, task.length);
    let request: InferRequest;
    if (task.split) {
      const ahead = runSource(task.split);
      try {
        request = decodeInferRequest(scanJson(bytes, ahead), undefined, task.limits);
      } finally {
        ahead.release();
      }
    } else request = decodeBinaryInferRequest(bytes, task.headerLength, task.limits);
    // JSON decodes into new arrays, so a pooled body is free now; its buffer goes back with the answer.
    const transfer = transferablesOf(request.inputs);
    if (task.giveBack && !transfer.includes(task.body)) {
      transfer.push(task.body);
      reply = { id: task.id, request, body: task.body };
    } else reply = { id: task.id, request };
    port.postMessage(reply, transfer);
  } catch (err) {
    const known = err instanceof SlipwayError;
    reply = { id: task.id, error: { message: (err as Error).message, invalid: known && err.httpStatus === 400 } };
    port.postMessage(reply);
  }
});
