// Messages between the store and its capture-writer thread (ids assigned by core/worker-channel).

import type { RetentionLimits } from './loop-store.js';

/**
 * A batch of captures travels as one JSON string of their fields and one buffer of all their tensor bytes (moved, not
 * copied): cloning thousands of small records and buffers one by one cost more than inserting them.
 */
export interface PackedCaptures {
  /** JSON of PackedRow[]. */
  rows: string;
  bytes: Uint8Array;
}

/** endpoint, requestId, time, variant, model, version, status, latencyMs, rows, input bytes (-1: none), output bytes (-1: none), truncated, error. */
export type PackedRow = [string, string, number, string, string, number, string, number, number, number, number, 0 | 1, string | null];

export type WriterRequest =
  | { type: 'append'; id: number; batch: PackedCaptures }
  | { type: 'trim'; id: number; endpoint: string; limits: RetentionLimits }
  | { type: 'close'; id: number };
export interface WriterReply {
  id: number;
  error?: string;
  /** Records removed (trim). */
  removed?: number;
}
