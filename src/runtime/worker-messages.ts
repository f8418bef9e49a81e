// Messages between a runner and its worker thread. Tensors travel as plain objects with transferable buffers; every
// message carries the id of the call it belongs to (see core/worker-channel).

import type { Signature } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';
import type { HandlerMicros, ModelSource, RunnerOptions } from './runner.js';

export type ToWorker =
  | { op: 'load'; id: number; source: ModelSource; options: RunnerOptions }
  | { op: 'run'; id: number; inputs: Tensor[]; outputNames: string[] };

/** invalid_model: onnxruntime refused the file; invalid_package: the rest of the package (its handler) is at fault. */
export type ErrorKind = 'invalid_model' | 'invalid_package' | 'internal';

export type FromWorker =
  /** `signature`: what clients send and get (with a handler, the package's declared one, not the model file's). */
  | { op: 'loaded'; id: number; signature: Signature }
  | { op: 'load-failed'; id: number; kind: ErrorKind; message: string }
  /** `spent` hands the input buffers back for reuse: they were moved here and are free once the run is over. */
  | { op: 'result'; id: number; outputs: Tensor[]; spent: ArrayBuffer[]; handler?: HandlerMicros }
  /** `invalid`: the client's input was at fault (a handler refused it), not the model. */
  | { op: 'failed'; id: number; message: string; invalid?: boolean };

/** Buffers that can move to the other thread without a copy: only arrays that own their whole buffer. */
export function transferablesOf(tensors: readonly Tensor[]): ArrayBuffer[] {
  const list: ArrayBuffer[] = [];
  for (const t of tensors) {
    if (Array.isArray(t.data)) continue;
    const buffer = t.data.buffer;
    if (buffer instanceof ArrayBuffer && t.data.byteOffset === 0 && t.data.byteLength === buffer.byteLength && !list.includes(buffer)) {
      list.push(buffer);
    }
  }
  return list;
}
