// The store's side of the capture-writer thread: hands batches over (tensor bytes transferred, not copied) and
// resolves each once its transaction has committed. Calls, crash and shutdown go through core/worker-channel.

import type { CaptureRecord } from '../core/capture-config.js';
import { InternalError } from '../core/errors.js';
import { WorkerChannel, type SettleReply } from '../core/worker-channel.js';
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

const settleDone: SettleReply<WriterReply, undefined> = (reply) =>
  reply.error !== undefined ? new InternalError(`capture writer: ${reply.error}`) : undefined;
const settleRemoved: SettleReply<WriterReply, number> = (reply) =>
  reply.error !== undefined ? new InternalError(`capture writer: ${reply.error}`) : (reply.removed ?? 0);

export class CaptureWriterClient {
  private channel: WorkerChannel<WriterRequest, WriterReply> | undefined;

  constructor(private readonly file: string) {}

  append(records: CaptureRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve();
    const batch = pack(records);
    return this.start().call({ type: 'append', id: 0, batch }, settleDone, [batch.bytes.buffer as ArrayBuffer]);
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
