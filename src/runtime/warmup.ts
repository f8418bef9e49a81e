// A warm-up request built from a signature: zeros (or empty strings), dynamic dimensions set to 1 (the first to
// `rows`, for timing a batch).

import { allocate } from '../core/datatype.js';
import type { Signature } from '../core/signature.js';
import { shapeSize } from '../core/tensor.js';
import type { RunRequest } from './runner.js';

export function warmupRequest(signature: Signature, rows = 1): RunRequest {
  return {
    inputs: signature.inputs.map((spec) => {
      const shape = spec.shape.map((d, i) => (d === -1 ? (i === 0 ? rows : 1) : d));
      return { name: spec.name, datatype: spec.datatype, shape, data: allocate(spec.datatype, shapeSize(shape)) };
    }),
    outputNames: signature.outputs.map((o) => o.name),
  };
}
