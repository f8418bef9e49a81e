// What a model (or its handler) answered, checked against the signature it serves: every message names the output.

import { InternalError } from '../core/errors.js';
import { shapeMatches, type Signature } from '../core/signature.js';
import { formatShape, type Tensor } from '../core/tensor.js';

/**
 * Throws an InternalError naming the output when one of `wanted` is missing, has another datatype than declared, or a
 * shape that does not match (a dynamic first dimension must be the batch's `rows`). `who` says what answered.
 */
export function checkOutputs(signature: Signature, outputs: readonly Tensor[], wanted: readonly string[], rows: number, who: string): void {
  for (const name of wanted) {
    const spec = signature.outputs.find((o) => o.name === name);
    if (!spec) continue; // the request check names unknown outputs before a run
    const got = outputs.find((o) => o.name === name);
    if (!got) throw new InternalError(`${who} returned no output "${name}"`);
    if (got.datatype !== spec.datatype) {
      throw new InternalError(`${who}: output "${name}" has datatype ${got.datatype}, but the signature declares ${spec.datatype}`);
    }
    if (!shapeMatches(spec.shape, got.shape) || (spec.shape[0] === -1 && got.shape[0] !== rows)) {
      throw new InternalError(`${who}: output "${name}" has shape ${formatShape(got.shape)}, but the signature declares ${formatShape(spec.shape)} for ${rows} row${rows === 1 ? '' : 's'}`);
    }
  }
}
