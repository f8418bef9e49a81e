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
import { packedContentsBytes } from '../protocols/grpc-packed-contents.js';
import { decodeBinaryInferRequest, decodeBinaryParts } from '../protocols/v2-binary.js';
import type { BodyTask, DecodeReply, DecodeTask } from './decode-messages.js';
import { decodeModelInferBytes } from './grpc-proto.js';
import { planSplit, releaseSplit, SPLIT_BYTES } from './split-decode.js';
import { BufferPool, tensorBuffers } from '../runtime/buffer-pool.js';
import type { BinaryParts } from './request-body.js';

/** Whether a body declares FP32 data in its first 4 KiB (where a tensor's datatype precedes its data). */
function declaresFp32(body: Buffer): boolean {
  return body.subarray(0, 4096).includes('"FP32"', 0, 'latin1');
}

/** Bytes from which a gRPC message's buffer is worth moving to a model's thread rather than copying its views out. */
const MOVE_BYTES = 64 * 1024;

/**
 * The buffer under a gRPC message when it holds nothing else: grpc-js joins each message's frames into a buffer of its
 * own (Buffer.concat) and hands on the message after its 5-byte header, and holds no part of it once it has. Small
 * buffers may be slices of Node's shared pool, never moved.
 */
function ownedMessageBuffer(message: Buffer): ArrayBuffer | undefined {
  const buffer = message.buffer;
  if (!(buffer instanceof ArrayBuffer) || buffer.byteLength < MOVE_BYTES) return undefined;
  return message.byteOffset <= 5 && message.byteOffset + message.byteLength === buffer.byteLength ? buffer : undefined;
}

/** Below this a thread hop (~0.1 ms both ways) costs more than decoding inline. */
const OFFLOAD_BYTES = 128 * 1024;
const WORKER = workerScript(import.meta.url, 'decode-worker');

/** Body buffers bound for a worker are pooled in multiples of this: a body's length varies with its numbers' text. */
const BODY_CLASS_BYTES = 64 * 1024;

export class DecodePool {
  private readonly slots: WorkerChannel<DecodeTask, DecodeReply>[] = [];
  /** JSON bodies handed to two workers at once so far. */
  splitBodies = 0;
  /** Buffers for bodies bound for a worker, and the shared memory of splits. */
  private readonly bodies = tensorBuffers;
  private readonly shares = new BufferPool<SharedArrayBuffer>((n) => new SharedArrayBuffer(n));
  /** Body buffers handed out by bodyBuffer and not yet back: only these are recycled. */
  private readonly lent = new WeakSet<ArrayBuffer>();

  private readonly settleRun: SettleReply<DecodeReply, boolean> = (reply) => {
    if (!('ran' in reply)) return false;
    this.bodies.give([reply.tail]);
    return reply.ran;
  };

  private readonly settleBody: SettleReply<DecodeReply, InferRequest> = (reply) => {
    if ('request' in reply) {
      if (reply.body) this.bodies.give([reply.body]);
      return reply.request;
    }
    if ('ran' in reply) return new InternalError('a request decoder answered a body with a run');
    return reply.error.invalid ? new InvalidInputError(reply.error.message) : new InternalError(reply.error.message);
  };

  /** `limits`: the server's limits on declared shapes (none: only what the bytes themselves bound). */
  constructor(
    private readonly size = Math.min(4, usableCores()),
    private readonly limits?: RequestLimits,
  ) {}

  /**
   * JSON bodies (no binary header) above the threshold go to a worker, large ones read by two workers at once when two
   * are idle (split-decode.ts); everything else decodes here.
   */
  decode(body: Buffer, headerLength: number | undefined): InferRequest | Promise<InferRequest> {
    if (headerLength !== undefined || body.length < OFFLOAD_BYTES || this.size === 0) return decodeBinaryInferRequest(body, headerLength, this.limits);
    const pair = body.length >= SPLIT_BYTES ? this.idlePair() : undefined;
    const plan = pair && planSplit(body, declaresFp32(body), this.shares, this.bodies);
    if (!pair || !plan) return this.offload(pair?.[0] ?? this.leastBusy(), body, { headerLength });
    const [first, second] = pair;
    const { share, tail } = plan;
    this.splitBodies++;
    // The second half's answer only says whether it ran; the first half's reply is the request either way. The shared
    // buffers serve another body once neither worker reads them any more.
    const run = second.call({ id: 0, run: share, tail: tail.buffer as ArrayBuffer, tailLength: tail.length }, this.settleRun, [tail.buffer as ArrayBuffer]);
    const request = this.offload(first, body, { headerLength: undefined, split: share });
    void Promise.allSettled([run, request]).then(() => releaseSplit(share, this.shares));
    return request;
  }

  /**
   * Where the body reader puts a body of `length` bytes. One bound for a worker comes from a pool and comes back with
   * the worker's answer (a fresh 3 MB buffer cost 2-6 ms of page faults here, more than a decode worker saves),
   * rounded up so bodies of about one size share buffers.
   */
  bodyBuffer(length: number): Buffer {
    if (length < OFFLOAD_BYTES || this.size === 0) return Buffer.allocUnsafe(length);
    const buffer = this.bodies.take(Math.ceil(length / BODY_CLASS_BYTES) * BODY_CLASS_BYTES);
    this.lent.add(buffer);
    return Buffer.from(buffer, 0, length);
  }

  /** A binary-extension body read in two parts: its tensor bytes are views, so it decodes here whatever its size. */
  decodeParts(body: BinaryParts): InferRequest {
    return decodeBinaryParts(body.header, body.data, this.limits);
  }

  /**
   * A gRPC ModelInferRequest's bytes: decoded on a worker when what is decoded per element (typed contents other than
   * packed FP32/FP64, which are copied as bytes) reaches the threshold; otherwise here, since raw contents decode as
   * views and packed floats as one copy. Sending a 600 KB image's raw contents to a worker cost a copy, a hop and their
   * garbage for nothing.
   */
  decodeGrpc(message: Buffer): InferRequest | Promise<InferRequest> {
    const perElement = (): number => bytesBesideRawContents(message) - packedContentsBytes(message);
    if (message.length < OFFLOAD_BYTES || this.size === 0 || perElement() < OFFLOAD_BYTES) {
      const request = decodeModelInferBytes(message, this.limits);
      const own = ownedMessageBuffer(message);
      if (own) request.ownBytes = own;
      return request;
    }
    return this.offload(this.leastBusy(), message, { headerLength: undefined, protocol: 'grpc' });
  }

  private offload(
    slot: WorkerChannel<DecodeTask, DecodeReply>,
    bytesIn: Buffer,
    how: Pick<BodyTask, 'headerLength' | 'protocol' | 'split'>,
  ): Promise<InferRequest> {
    // Move the bytes when the buffer is a body buffer of ours (it comes back with the answer) or owns its memory;
    // otherwise copy them once.
    const buffer = bytesIn.buffer as ArrayBuffer;
    const ours = bytesIn.byteOffset === 0 && this.lent.delete(buffer);
    const owned = ours || (bytesIn.byteOffset === 0 && bytesIn.byteLength === buffer.byteLength);
    const bytes = owned ? buffer : new Uint8Array(bytesIn).buffer;
    const task: DecodeTask = { id: 0, body: bytes, offset: 0, length: bytesIn.byteLength, ...how, ...this.limitsField(), ...(ours ? { giveBack: true } : {}) };
    return slot.call(task, this.settleBody, [bytes]);
  }

  private limitsField(): { limits?: RequestLimits } {
    return this.limits ? { limits: this.limits } : {};
  }

  /** Two distinct idle workers (starting them as needed), or undefined when fewer than two are idle. */
  private idlePair(): [WorkerChannel<DecodeTask, DecodeReply>, WorkerChannel<DecodeTask, DecodeReply>] | undefined {
    if (this.size < 2) return undefined;
    while (this.slots.length < 2) this.spawn();
    const idle = this.slots.filter((s) => s.pending === 0);
    if (idle.length < 2 && this.slots.length < this.size) idle.push(this.spawn());
    return idle.length >= 2 ? [idle[0]!, idle[1]!] : undefined;
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
