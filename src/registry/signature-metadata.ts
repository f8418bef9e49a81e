// Adds a package's feature names and class labels to the signature read from the model, checking they fit it.

import { InvalidInputError } from '../core/errors.js';
import type { PackageManifest } from '../core/model-version.js';
import type { Signature, TensorSpec } from '../core/signature.js';

const INTEGER_TYPES = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

/** Labels describe an output holding class ids (integers) or one score per class (last dimension = label count). */
function takesLabels(spec: TensorSpec, count: number): boolean {
  const last = spec.shape[spec.shape.length - 1];
  return last === count || (INTEGER_TYPES.has(spec.datatype) && (spec.shape.length === 1 || last === 1));
}

export function withPackageMetadata(signature: Signature, manifest: PackageManifest): Signature {
  const inputs = signature.inputs.map((s) => ({ ...s }));
  const outputs = signature.outputs.map((s) => ({ ...s }));
  if (manifest.features) {
    const first = inputs[0];
    if (!first) throw new InvalidInputError('slipway.yaml: field "features": the model has no inputs to name');
    const columns = first.shape[first.shape.length - 1];
    if (first.shape.length < 2 || (columns !== -1 && columns !== manifest.features.length)) {
      throw new InvalidInputError(
        `slipway.yaml: field "features": ${manifest.features.length} names given, but input "${first.name}" has shape [${first.shape.join(',')}] (expected its last dimension to have one column per feature)`,
      );
    }
    if (new Set(manifest.features).size !== manifest.features.length) {
      throw new InvalidInputError('slipway.yaml: field "features": names must be unique');
    }
    first.features = manifest.features;
  }
  if (manifest.labels) {
    const labels = manifest.labels;
    const targets = outputs.filter((o) => takesLabels(o, labels.length));
    if (targets.length === 0) {
      throw new InvalidInputError(
        `slipway.yaml: field "labels": ${labels.length} labels given, but no output has ${labels.length} columns or holds class ids`,
      );
    }
    for (const t of targets) t.labels = labels;
  }
  return { inputs, outputs };
}
