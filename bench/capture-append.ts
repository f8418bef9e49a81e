// Synthetic captures appended to a store in batches for a bounded time: the write path a replica's capture pipeline
// takes (LoopStore.appendCaptures), without serving. Used by cluster-limits.ts (stores in one process) and by
// capture-writer.ts (one store per process, as replicas have).

import { randomBytes } from 'node:crypto';
import type { CaptureRecord } from '../src/core/capture-config.js';
import type { Store } from '../src/store/store.js';

export interface AppendShape {
  /** Records per appendCaptures call (the pipeline flushes up to 2,000 at once, or what 200 ms gathered). */
  batch: number;
  /** Bytes of the encoded inputs and outputs of each record. */
  inputBytes: number;
  outputBytes: number;
}

export interface AppendCount {
  rows: number;
  /** From the first append to the end of the last (ms); a batch started before the end runs to completion. */
  elapsedMs: number;
}

function records(shape: AppendShape, writer: string, inputs: Uint8Array, outputs: Uint8Array): CaptureRecord[] {
  const now = Date.now();
  return Array.from({ length: shape.batch }, (_, i) => ({
    endpoint: 'e', requestId: `${writer}-${now}-${i}-${Math.random()}`, time: now, variant: 'primary', model: 'm:1', version: 1,
    status: 'ok', latencyMs: 1, rows: 1, inputs, outputs, truncated: false, error: null,
  }));
}

/** Appends batches of `shape` to the store until `untilMs` (a Date.now() time); `writer` keeps request ids apart. */
export async function appendUntil(store: Store, shape: AppendShape, untilMs: number, writer: string): Promise<AppendCount> {
  const inputs = randomBytes(shape.inputBytes);
  const outputs = randomBytes(shape.outputBytes);
  const started = performance.now();
  let rows = 0;
  while (Date.now() < untilMs) {
    await store.loop.appendCaptures(records(shape, writer, inputs, outputs));
    rows += shape.batch;
  }
  return { rows, elapsedMs: performance.now() - started };
}
