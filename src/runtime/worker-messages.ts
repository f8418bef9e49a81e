// Messages between a runner and its worker thread. Tensors travel as plain objects with transferable buffers; every
// message carries the id of the call it belongs to (see core/worker-channel).

import type { Signature } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';
import type { HandlerMicros, ModelSource, RunnerOptions } from './runner.js';

export type ToWorker =
  | { op: 'load'; id: number; source: ModelSource; options: RunnerOptions }
  /** `othersRunning`: see RunRequest.othersRunning. */
  | { op: 'run'; id: number; inputs: Tensor[]; outputNames: string[]; othersRunning: boolean };

/** invalid_model: onnxruntime refused the file; invalid_package: the rest of the package (its handler) is at fault. */
export type ErrorKind = 'invalid_model' | 'invalid_package' | 'internal';

export type FromWorker =
  /** `signature`: what clients send and get (with a handler, the package's declared one, not the model file's). */
  | { op: 'loaded'; id: number; signature: Signature }
  | { op: 'load-failed'; id: number; kind: ErrorKind; message: string }
  /** `spent` hands the input buffers back for reuse: they were moved here and are free once the run is over. */
  | { op: 'result'; id: number; outputs: Tensor[]; spent: ArrayBuffer[]; handler?: HandlerMicros; intraOpThreads: number }
  /** `invalid`: the client's input was at fault (a handler refused it), not the model. */
  | { op: 'failed'; id: number; message: string; invalid?: boolean };

/** The buffer a tensor's data can move to another thread with: strings cannot, a typed array only if it owns it whole. */
function movableBuffer(t: Tensor): ArrayBuffer | undefined {
  if (Array.isArray(t.data)) return undefined;
  const buffer = t.data.buffer;
  return buffer instanceof ArrayBuffer && t.data.byteOffset === 0 && t.data.byteLength === buffer.byteLength ? buffer : undefined;
}

/** Buffers that can move to the other thread without a copy: only arrays that own their whole buffer. */
export function transferablesOf(tensors: readonly Tensor[]): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const t of tensors) {
    const buffer = movableBuffer(t);
    if (buffer && !list.includes(buffer)) list.push(buffer);
  }
  return list;
}

/**
 * Whether some typed array among the tensors is a view on a larger buffer (raw contents in a gRPC message, tensor
 * bytes in an HTTP binary body). Posted as it is, such a view is cloned with the whole buffer under it, on the event
 * loop; copied first to its own buffer, it moves.
 */
export function holdsViews(tensors: readonly Tensor[]): boolean {
  for (const t of tensors) if (!Array.isArray(t.data) && !movableBuffer(t)) return true;
  return false;
}
