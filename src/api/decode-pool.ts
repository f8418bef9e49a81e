// Decodes inference bodies: small ones inline, large JSON ones and gRPC messages with large typed contents on worker
// threads (JSON is the costly format: a 600 KB image is ~3 MB of text), so decoding overlaps with the event loop and
// inference on other cores.

import { usableCores } from '../core/usable-cores.js';
import { InternalError, InvalidInputError } from '../core/errors.js';
import type { InferRequest } from '../core/infer.js';
import type { RequestLimits } from '../core/request-limits.js';
import { WorkerChannel, type SettleReply } from '../core/worker-channel.js';
import { workerScript } from '../core/worker-script.js';
import { bytesBesideRawContents } from '../protocols/grpc-raw-share.js';
import { decodeBinaryInferRequest, decodeBinaryParts } from '../protocols/v2-binary.js';
import type { DecodeReply, DecodeTask } from './decode-messages.js';
import { decodeModelInferBytes } from './grpc-proto.js';
import type { BinaryParts } from './request-body.js';

/** Below this a thread hop (~0.1 ms both ways) costs more than decoding inline. */
const OFFLOAD_BYTES = 128 * 1024;
const WORKER = workerScript(import.meta.url, 'decode-worker');

const settleDecode: SettleReply<DecodeReply, InferRequest> = (reply) => {
  if ('request' in reply) return reply.request;
  return reply.error.invalid ? new InvalidInputError(reply.error.message) : new InternalError(reply.error.message);
};

export class DecodePool {
  private readonly slots: WorkerChannel<DecodeTask, DecodeReply>[] = [];

  /** `limits`: the server's limits on declared shapes (none: only what the bytes themselves bound). */
  constructor(
    private readonly size = Math.min(4, usableCores()),
    private readonly limits?: RequestLimits,
  ) {}

  /** JSON bodies (no binary header) above the threshold go to a worker; everything else decodes here. */
  decode(body: Buffer, headerLength: number | undefined): InferRequest | Promise<InferRequest> {
    if (headerLength !== undefined || body.length < OFFLOAD_BYTES || this.size === 0) return decodeBinaryInferRequest(body, headerLength, this.limits);
    return this.offload(body, { headerLength });
  }

  /** A binary-extension body read in two parts: its tensor bytes are views, so it decodes here whatever its size. */
  decodeParts(body: BinaryParts): InferRequest {
    return decodeBinaryParts(body.header, body.data, this.limits);
  }

  /**
   * A gRPC ModelInferRequest's bytes: decoded on a worker when what is not raw contents (typed contents, decoded per
   * element) reaches the threshold; otherwise here, since raw contents decode as views. Sending a 600 KB image's raw
   * contents to a worker cost a copy, a hop and their garbage for nothing.
   */
  decodeGrpc(message: Buffer): InferRequest | Promise<InferRequest> {
    if (message.length < OFFLOAD_BYTES || this.size === 0 || bytesBesideRawContents(message) < OFFLOAD_BYTES) return decodeModelInferBytes(message, this.limits);
    return this.offload(message, { headerLength: undefined, protocol: 'grpc' });
  }

  private offload(bytesIn: Buffer, how: Pick<DecodeTask, 'headerLength' | 'protocol'>): Promise<InferRequest> {
    const slot = this.leastBusy();
    // Move the bytes when the buffer owns its memory; otherwise copy them once.
    const owned = bytesIn.byteOffset === 0 && bytesIn.byteLength === bytesIn.buffer.byteLength && bytesIn.buffer instanceof ArrayBuffer;
    const bytes = owned ? (bytesIn.buffer as ArrayBuffer) : new Uint8Array(bytesIn).buffer;
    const task: DecodeTask = { id: 0, body: bytes, offset: 0, length: bytesIn.byteLength, ...how, ...(this.limits ? { limits: this.limits } : {}) };
    return slot.call(task, settleDecode, [bytes]);
  }

  async close(): Promise<void> {
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.dispose()));
  }

  private leastBusy(): WorkerChannel<DecodeTask, DecodeReply> {
    if (this.slots.length < this.size) return this.spawn();
    let best = this.slots[0]!;
    for (const s of this.slots) if (s.pending < best.pending) best = s;
    return best;
  }

  private spawn(): WorkerChannel<DecodeTask, DecodeReply> {
    const slot = new WorkerChannel<DecodeTask, DecodeReply>({ script: WORKER, name: 'request decoder', keepAlive: 'never' });
    // A dead decoder fails only its own tasks (the channel rejects them); the next request spawns a fresh one.
    slot.onCrash = () => {
      const at = this.slots.indexOf(slot);
      if (at >= 0) this.slots.splice(at, 1);
    };
    this.slots.push(slot);
    return slot;
  }
}
