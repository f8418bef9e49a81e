// The store's side of the capture-writer thread: hands batches over (tensor bytes transferred, not copied) and
// resolves each once its transaction has committed.

import { Worker } from 'node:worker_threads';
import type { CaptureRecord } from '../core/capture-config.js';
import { InternalError } from '../core/errors.js';
import { workerScript } from '../core/worker-script.js';
import type { WriterReply, WriterRequest } from './capture-writer-messages.js';
import type { RetentionLimits } from './loop-store.js';

const WORKER = workerScript(import.meta.url, 'capture-writer');

export class CaptureWriterClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: WriterReply) => void; reject: (err: Error) => void }>();

  constructor(private readonly file: string) {}

  append(records: CaptureRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const transfer: ArrayBuffer[] = [];
    for (const r of records) {
      for (const bytes of [r.inputs, r.outputs]) {
        // Only a buffer the record owns whole can move; a view into a shared one is copied by the clone.
        if (bytes && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) transfer.push(bytes.buffer);
      }
    }
    return this.send({ type: 'append', id: this.nextId++, records }, transfer).then(() => undefined);
  }

  async trim(endpoint: string, limits: RetentionLimits): Promise<number> {
    const reply = await this.send({ type: 'trim', id: this.nextId++, endpoint, limits }, []);
    return reply.removed ?? 0;
  }

  async close(): Promise<void> {
    if (!this.worker) return;
    await this.send({ type: 'close', id: this.nextId++ }, []);
    await this.worker.terminate();
    this.worker = undefined;
  }

  private send(message: WriterRequest, transfer: ArrayBuffer[]): Promise<WriterReply> {
    const worker = this.start();
    return new Promise<WriterReply>((resolve, reject) => {
      this.pending.set(message.id, { resolve, reject });
      worker.postMessage(message, transfer);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER.url, { execArgv: WORKER.execArgv, workerData: { file: this.file } });
    worker.on('message', (reply: WriterReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (reply.error !== undefined) waiter?.reject(new InternalError(`capture writer: ${reply.error}`));
      else waiter?.resolve(reply);
    });
    const failAll = (err: Error): void => {
      for (const waiter of this.pending.values()) waiter.reject(new InternalError(`capture writer stopped: ${err.message}`));
      this.pending.clear();
      this.worker = undefined;
    };
    worker.on('error', failAll);
    worker.on('exit', (code) => {
      if (this.pending.size > 0) failAll(new Error(`exit code ${code}`));
    });
    // The writer never keeps the process alive on its own: the pipeline flushes before closing it.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
