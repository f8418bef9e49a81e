// Worker thread that appends captured requests to the SQLite file over its own connection: inserts and fsyncs happen
// here, never on the event loop that answers requests.

import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CaptureRecord } from '../core/capture-config.js';
import type { WriterReply, WriterRequest } from './capture-writer-messages.js';

const { file } = workerData as { file: string };
const db = new Database(file);
db.pragma('journal_mode = WAL');
// FULL as the main connection: a flushed capture survives power loss. The fsync costs this thread only.
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 10000');

const insert = db.prepare(
  `INSERT INTO captures (endpoint, request_id, time, variant, model, version, status, latency_ms, rows, inputs, outputs, truncated, error)
   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const appendAll = db.transaction((records: CaptureRecord[]) => {
  for (const r of records) {
    insert.run(
      r.endpoint, r.requestId, r.time, r.variant, r.model, r.version, r.status, r.latencyMs, r.rows,
      r.inputs && Buffer.from(r.inputs.buffer, r.inputs.byteOffset, r.inputs.byteLength),
      r.outputs && Buffer.from(r.outputs.buffer, r.outputs.byteOffset, r.outputs.byteLength),
      r.truncated ? 1 : 0, r.error,
    );
  }
});

parentPort!.on('message', (message: WriterRequest) => {
  if (message.type === 'close') {
    db.close();
    parentPort!.postMessage({ id: message.id } satisfies WriterReply);
    return;
  }
  let reply: WriterReply = { id: message.id };
  try {
    appendAll(message.records);
  } catch (err) {
    reply = { id: message.id, error: (err as Error).message };
  }
  parentPort!.postMessage(reply);
});
