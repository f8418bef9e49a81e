// A warm-up request built from a signature: zeros (or empty strings), dynamic dimensions set to 1.

import { allocate } from '../core/datatype.js';
import type { Signature } from '../core/signature.js';
import { shapeSize } from '../core/tensor.js';
import type { RunRequest } from '../runtime/runner.js';

export function warmupRequest(signature: Signature): RunRequest {
  return {
    inputs: signature.inputs.map((spec) => {
      const shape = spec.shape.map((d) => (d === -1 ? 1 : d));
      return { name: spec.name, datatype: spec.datatype, shape, data: allocate(spec.datatype, shapeSize(shape)) };
    }),
    outputNames: signature.outputs.map((o) => o.name),
  };
}
