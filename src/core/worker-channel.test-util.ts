// A worker thread for worker-channel.test.ts: echoes, answers late, holds, throws or exits, as each request asks.

import { parentPort } from 'node:worker_threads';

export type TestRequest =
  | { id: number; op: 'echo'; value: number; buffer?: ArrayBuffer; delayMs?: number }
  | { id: number; op: 'hold' }
  | { id: number; op: 'throw' }
  | { id: number; op: 'exit'; code: number };
export interface TestReply {
  id: number;
  value: number;
  /** Bytes of the buffer the request moved here (-1: none). */
  bytes: number;
}

const port = parentPort;
if (port) {
  port.on('message', (request: TestRequest) => {
    if (request.op === 'hold') return;
    if (request.op === 'throw') throw new Error('the test worker threw');
    if (request.op === 'exit') process.exit(request.code);
    const reply: TestReply = { id: request.id, value: request.value, bytes: request.buffer?.byteLength ?? -1 };
    setTimeout(() => port.postMessage(reply), request.delayMs ?? 0);
  });
}
