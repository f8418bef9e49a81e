// Decodes inference bodies: small ones inline, large JSON ones and large gRPC messages on worker threads (JSON is the
// costly format: a 600 KB image is ~3 MB of text), so decoding overlaps with the event loop and inference on other cores.

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InternalError, InvalidInputError } from '../core/errors.js';
import type { InferRequest } from '../core/infer.js';
import { decodeBinaryInferRequest } from '../protocols/v2-binary.js';
import { workerScript } from '../core/worker-script.js';
import type { DecodeReply, DecodeTask } from './decode-messages.js';
import { decodeModelInferBytes } from './grpc-proto.js';

/** Below this a thread hop (~0.1 ms both ways) costs more than decoding inline. */
const OFFLOAD_BYTES = 128 * 1024;
const WORKER = workerScript(import.meta.url, 'decode-worker');

interface Slot {
  worker: Worker;
  busy: number;
}

export class DecodePool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, { resolve: (r: InferRequest) => void; reject: (e: Error) => void; slot: Slot }>();
  private nextId = 1;

  constructor(private readonly size = Math.min(4, availableParallelism())) {}

  /** JSON bodies (no binary header) above the threshold go to a worker; everything else decodes here. */
  decode(body: Buffer, headerLength: number | undefined): InferRequest | Promise<InferRequest> {
    if (headerLength !== undefined || body.length < OFFLOAD_BYTES || this.size === 0) return decodeBinaryInferRequest(body, headerLength);
    const slot = this.leastBusy();
    const id = this.nextId++;
    // Move the bytes when the body owns its memory; otherwise copy them once.
    const owned = body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    const bytes = owned ? (body.buffer as ArrayBuffer) : new Uint8Array(body).buffer;
    const task: DecodeTask = { id, body: bytes, offset: 0, length: body.byteLength, headerLength };
    return new Promise<InferRequest>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.busy++;
      slot.worker.postMessage(task, [task.body]);
    });
  }

  /** A gRPC ModelInferRequest's bytes: as large as the threshold or more, decoded on a worker; smaller, here. */
  decodeGrpc(message: Buffer): InferRequest | Promise<InferRequest> {
    if (message.length < OFFLOAD_BYTES || this.size === 0) return decodeModelInferBytes(message);
    const slot = this.leastBusy();
    const id = this.nextId++;
    // Move the bytes when the message owns its memory; otherwise copy them once.
    const owned = message.byteOffset === 0 && message.byteLength === message.buffer.byteLength && message.buffer instanceof ArrayBuffer;
    const bytes = owned ? (message.buffer as ArrayBuffer) : new Uint8Array(message).buffer;
    const task: DecodeTask = { id, body: bytes, offset: 0, length: message.byteLength, headerLength: undefined, protocol: 'grpc' };
    return new Promise<InferRequest>((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.busy++;
      slot.worker.postMessage(task, [task.body]);
    });
  }

  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  private leastBusy(): Slot {
    if (this.slots.length < this.size) return this.spawn();
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.busy < best.busy) best = s;
    return best;
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER.url, { execArgv: WORKER.execArgv });
    worker.unref();
    const slot: Slot = { worker, busy: 0 };
    worker.on('message', (reply: DecodeReply) => {
      const p = this.pending.get(reply.id);
      if (!p) return;
      this.pending.delete(reply.id);
      slot.busy--;
      if ('request' in reply) p.resolve(reply.request);
      else p.reject(reply.error.invalid ? new InvalidInputError(reply.error.message) : new InternalError(reply.error.message));
    });
    const fail = (err: Error): void => {
      // A dead decoder fails only its own tasks; the next request spawns a fresh one.
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
      for (const [id, p] of this.pending) {
        if (p.slot !== slot) continue;
        this.pending.delete(id);
        p.reject(new InternalError(`request decoder stopped: ${err.message}`));
      }
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`exit code ${code}`)));
    this.slots.push(slot);
    return slot;
  }
}
