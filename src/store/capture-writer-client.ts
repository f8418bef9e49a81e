// The store's side of the capture-writer thread: hands batches over (their one buffer shared, not copied) and
// resolves each once its transaction has committed. Calls, crash and shutdown go through core/worker-channel.

import type { CaptureBatch } from '../core/capture-batch.js';
import { InternalError } from '../core/errors.js';
import { WorkerChannel, type SettleReply } from '../core/worker-channel.js';
import { workerScript } from '../core/worker-script.js';
import type { WriterReply, WriterRequest } from './capture-writer-messages.js';
import type { RetentionLimits } from './loop-store.js';

const WORKER = workerScript(import.meta.url, 'capture-writer');

const settleDone: SettleReply<WriterReply, undefined> = (reply) =>
  reply.error !== undefined ? new InternalError(`capture writer: ${reply.error}`) : undefined;
const settleRemoved: SettleReply<WriterReply, number> = (reply) =>
  reply.error !== undefined ? new InternalError(`capture writer: ${reply.error}`) : (reply.removed ?? 0);

export class CaptureWriterClient {
  private channel: WorkerChannel<WriterRequest, WriterReply> | undefined;

  constructor(private readonly file: string) {}

  /** Hands the batch's bytes to the writer (shared memory: the batch must not change until this settles). */
  append(batch: CaptureBatch): Promise<void> {
    if (batch.count === 0) return Promise.resolve();
    return this.start().call({ type: 'append', id: 0, batch: batch.seal() }, settleDone);
  }

  trim(endpoint: string, limits: RetentionLimits): Promise<number> {
    return this.start().call({ type: 'trim', id: 0, endpoint, limits }, settleRemoved);
  }

  async close(): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    try {
      await channel.call({ type: 'close', id: 0 }, settleDone);
    } finally {
      this.channel = undefined;
      await channel.dispose();
    }
  }

  private start(): WorkerChannel<WriterRequest, WriterReply> {
    if (this.channel) return this.channel;
    // An idle writer does not keep the process alive; one with writes in flight does, so a process that is shutting
    // down waits for its last captures.
    const channel = new WorkerChannel<WriterRequest, WriterReply>({
      script: WORKER, name: 'capture writer', workerData: { file: this.file }, keepAlive: 'while-busy',
    });
    // A writer that died rejected its calls in flight; the next call starts a fresh one.
    channel.onCrash = () => {
      if (this.channel === channel) this.channel = undefined;
    };
    this.channel = channel;
    return channel;
  }
}
