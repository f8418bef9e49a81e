// Per-endpoint capture settings (what of the served traffic is recorded, and for how long) and the captured record.

import { fieldsOf, optBool, optDuration, optEnum, optInteger, optNumber } from './config-fields.js';

export const CAPTURE_KEEP = ['inputs', 'outputs', 'both'] as const;
export type CaptureKeep = (typeof CAPTURE_KEEP)[number];

export interface CaptureConfig {
  enabled: boolean;
  /** Share of requests recorded, 0..1 (sampled independently per request). */
  sampleRate: number;
  keep: CaptureKeep;
  /**
   * Bytes of tensors kept per request: inputs are kept first, then outputs, each only if it still fits; a record
   * that left any out says so (truncated = true), so a large request keeps at least its prediction when that fits.
   */
  maxPayloadBytes: number;
  /** Records older than this are removed (0 = no age limit). */
  retentionMs: number;
  /** At most this many records are kept for the endpoint, the oldest removed first (0 = no count limit). */
  retentionRows: number;
  /** At most this many bytes of tensors are kept for the endpoint, the oldest records removed first (0 = no size limit). */
  retentionBytes: number;
}

export const DEFAULT_CAPTURE: CaptureConfig = {
  enabled: false,
  sampleRate: 1,
  keep: 'both',
  maxPayloadBytes: 64 * 1024,
  retentionMs: 7 * 86_400_000,
  retentionRows: 0,
  retentionBytes: 0,
};

/** Reads a capture settings body; fields left out keep their value in `base`. */
export function parseCaptureConfig(body: unknown, base: CaptureConfig = DEFAULT_CAPTURE): CaptureConfig {
  const obj = fieldsOf(body, '', ['enabled', 'sampleRate', 'keep', 'maxPayloadBytes', 'retention', 'retentionRows', 'retentionBytes']);
  return {
    enabled: optBool(obj, 'enabled', '') ?? base.enabled,
    sampleRate: optNumber(obj, 'sampleRate', '', 0, 1) ?? base.sampleRate,
    keep: optEnum(obj, 'keep', '', CAPTURE_KEEP) ?? base.keep,
    maxPayloadBytes: optInteger(obj, 'maxPayloadBytes', '', 0, 64 * 1024 * 1024) ?? base.maxPayloadBytes,
    retentionMs: optDuration(obj, 'retention', '') ?? base.retentionMs,
    retentionRows: optInteger(obj, 'retentionRows', '', 0, Number.MAX_SAFE_INTEGER) ?? base.retentionRows,
    retentionBytes: optInteger(obj, 'retentionBytes', '', 0, Number.MAX_SAFE_INTEGER) ?? base.retentionBytes,
  };
}

/** How a captured request ended: served, or why not (the same words as the failure metrics). */
export type CaptureStatus = 'ok' | 'invalid' | 'error' | 'overloaded' | 'deadline' | 'cancelled';

/** One recorded request. Tensors are encoded by monitoring/capture-codec.ts. */
export interface CaptureRecord {
  /** Assigned by the store, increasing in insertion order. */
  id?: number;
  endpoint: string;
  requestId: string;
  /** ms since the epoch, when the request arrived. */
  time: number;
  variant: string;
  model: string;
  version: number;
  status: CaptureStatus;
  latencyMs: number;
  /** Rows of the request (its first input's first dimension; 1 for a model without a batch dimension). */
  rows: number;
  inputs: Uint8Array | null;
  outputs: Uint8Array | null;
  /** The tensors were larger than maxPayloadBytes and were not kept. */
  truncated: boolean;
  error: string | null;
}
