// The store's side of the capture-writer thread: hands batches over (tensor bytes transferred, not copied) and
// resolves each once its transaction has committed.

import { Worker } from 'node:worker_threads';
import type { CaptureRecord } from '../core/capture-config.js';
import { InternalError } from '../core/errors.js';
import { workerScript } from '../core/worker-script.js';
import type { PackedCaptures, PackedRow, WriterReply, WriterRequest } from './capture-writer-messages.js';
import type { RetentionLimits } from './loop-store.js';

const WORKER = workerScript(import.meta.url, 'capture-writer');

/** One string of fields and one buffer of tensor bytes for the whole batch (see PackedCaptures). */
export function pack(records: CaptureRecord[]): PackedCaptures {
  let total = 0;
  for (const r of records) total += (r.inputs?.byteLength ?? 0) + (r.outputs?.byteLength ?? 0);
  const bytes = new Uint8Array(total);
  const rows: PackedRow[] = new Array<PackedRow>(records.length);
  let at = 0;
  records.forEach((r, i) => {
    if (r.inputs) bytes.set(r.inputs, at);
    at += r.inputs?.byteLength ?? 0;
    if (r.outputs) bytes.set(r.outputs, at);
    at += r.outputs?.byteLength ?? 0;
    rows[i] = [
      r.endpoint, r.requestId, r.time, r.variant, r.model, r.version, r.status, r.latencyMs, r.rows,
      r.inputs ? r.inputs.byteLength : -1, r.outputs ? r.outputs.byteLength : -1, r.truncated ? 1 : 0, r.error,
    ];
  });
  return { rows: JSON.stringify(rows), bytes };
}

export class CaptureWriterClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (reply: WriterReply) => void; reject: (err: Error) => void }>();

  constructor(private readonly file: string) {}

  append(records: CaptureRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const batch = pack(records);
    return this.send({ type: 'append', id: this.nextId++, batch }, [batch.bytes.buffer as ArrayBuffer]).then(() => undefined);
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
      // Held while a write is on its way, so a process that is shutting down waits for its last captures.
      worker.ref();
      worker.postMessage(message, transfer);
    });
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER.url, { execArgv: WORKER.execArgv, workerData: { file: this.file } });
    worker.on('message', (reply: WriterReply) => {
      const waiter = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      if (this.pending.size === 0) worker.unref();
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
    // An idle writer does not keep the process alive; one with writes in flight does (ref'd in send).
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
