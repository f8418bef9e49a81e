// Dynamic batching decisions as pure functions: which queued requests may share a batch, and when a batch should run.

import type { Signature } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';

export interface BatchPolicy {
  maxBatchSize: number;
  maxQueueDelayMicros: number;
  preferredBatchSizes: readonly number[];
}

/** What the planner needs to know of one queued request. */
export interface QueuedView {
  /** Requests with equal keys have the same inputs (datatype, shape past dim 0) and outputs: they can be concatenated. */
  key: string;
  rows: number;
  /** When it was queued, in microseconds on a monotonic clock. */
  enqueuedAt: number;
}

export type BatchDecision =
  | { kind: 'run'; indexes: number[] }
  | { kind: 'wait'; micros: number };

/**
 * Why a model cannot be batched, or undefined if it can: every input and output needs a dynamic first dimension,
 * so that requests can be stacked along it and the results split back.
 */
export function batchingBlocker(signature: Signature): string | undefined {
  for (const [kind, list] of [['input', signature.inputs], ['output', signature.outputs]] as const) {
    for (const spec of list) {
      if (spec.shape.length === 0 || spec.shape[0] !== -1) {
        return `${kind} "${spec.name}" has shape [${spec.shape.join(',')}]; dynamic batching needs a dynamic first dimension (-1) on every input and output`;
      }
    }
  }
  return undefined;
}

/** The batching key and row count of a request, or undefined when its inputs disagree on dimension 0 (it runs alone). */
export function batchKeyOf(inputs: readonly Tensor[], outputNames: readonly string[]): { key: string; rows: number } | undefined {
  const rows = inputs[0]?.shape[0];
  if (rows === undefined) return undefined;
  const parts: string[] = [];
  for (const t of [...inputs].sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (t.shape[0] !== rows) return undefined;
    parts.push(`${t.name}:${t.datatype}:${t.shape.slice(1).join('x')}`);
  }
  return { key: `${parts.join('|')}>${outputNames.join(',')}`, rows };
}

/** A batching key and the shapes it was made from (no tensor data), so the next request of the same shapes reuses it. */
export interface MadeKey {
  key: string;
  inputs: readonly Pick<Tensor, 'name' | 'datatype' | 'shape'>[];
  outputNames: readonly string[];
}

/**
 * The key of a request whose inputs (in the same order) and outputs look like `made`'s, with its rows; undefined when
 * they do not (then batchKeyOf decides). Comparing a few names and numbers costs less than building the key string.
 */
export function reuseKey(made: MadeKey, inputs: readonly Tensor[], outputNames: readonly string[]): { key: string; rows: number } | undefined {
  if (inputs.length !== made.inputs.length || outputNames.length !== made.outputNames.length || inputs.length === 0) return undefined;
  const rows = inputs[0]!.shape[0];
  if (rows === undefined) return undefined;
  for (let i = 0; i < inputs.length; i++) {
    const a = inputs[i]!;
    const b = made.inputs[i]!;
    if (a.name !== b.name || a.datatype !== b.datatype || a.shape.length !== b.shape.length || a.shape[0] !== rows) return undefined;
    for (let d = 1; d < a.shape.length; d++) if (a.shape[d] !== b.shape[d]) return undefined;
  }
  for (let i = 0; i < outputNames.length; i++) if (outputNames[i] !== made.outputNames[i]) return undefined;
  return { key: made.key, rows };
}

/**
 * Decides for the queue head's group, given an idle instance: run now (which queued requests, in queue order) or look
 * again next turn of the event loop. A batch runs when it is full, when it reaches a preferred size, when its oldest
 * request has waited the delay — or when the queue stopped growing: the delay is a cap, never a wait for company that
 * is not arriving, so a request that finds an idle instance at low load runs at once. `growing` says whether requests
 * arrived since the last look. Only requests with the head's key join; later requests of other shapes keep their place.
 */
export function planBatch(queue: readonly QueuedView[], now: number, policy: BatchPolicy, growing: boolean): BatchDecision | undefined {
  const head = queue[0];
  if (!head) return undefined;
  const indexes: number[] = [];
  const cumulative: number[] = [];
  let rows = 0;
  for (let i = 0; i < queue.length; i++) {
    const q = queue[i]!;
    if (q.key !== head.key) continue;
    if (indexes.length > 0 && rows + q.rows > policy.maxBatchSize) break;
    indexes.push(i);
    rows += q.rows;
    cumulative.push(rows);
    if (rows >= policy.maxBatchSize) break;
  }
  let preferredCut = -1;
  for (let i = cumulative.length - 1; i >= 0; i--) {
    if (policy.preferredBatchSizes.includes(cumulative[i]!)) {
      preferredCut = i;
      break;
    }
  }
  const waited = now - head.enqueuedAt;
  if (rows >= policy.maxBatchSize || waited >= policy.maxQueueDelayMicros || !growing) {
    // Out of time, full, or nobody else coming: take everything that fits, but stop at a preferred size if the whole
    // group is not one.
    const whole = policy.preferredBatchSizes.length === 0 || policy.preferredBatchSizes.includes(rows) || preferredCut < 0;
    return { kind: 'run', indexes: whole ? indexes : indexes.slice(0, preferredCut + 1) };
  }
  // A preferred size reached by the whole group runs at once; a partial one waits while the group still grows.
  if (preferredCut === cumulative.length - 1) return { kind: 'run', indexes };
  return { kind: 'wait', micros: policy.maxQueueDelayMicros - waited };
}
