// A model's contract: its inputs and outputs, and the check of a request against it.

import type { DataType } from './datatype.js';
import { InvalidInputError, NotFoundError } from './errors.js';
import type { InferRequest } from './infer.js';
import { formatShape, shapeSize } from './tensor.js';

export interface TensorSpec {
  name: string;
  datatype: DataType;
  /** -1 marks a dynamic dimension. */
  shape: number[];
  /** Names of the last dimension's columns, for tabular inputs. */
  features?: string[];
  /** Class labels indexed by class id, for classification outputs. */
  labels?: string[];
}

export interface Signature {
  inputs: TensorSpec[];
  outputs: TensorSpec[];
}

export function shapeMatches(spec: readonly number[], actual: readonly number[]): boolean {
  if (spec.length !== actual.length) return false;
  for (let i = 0; i < spec.length; i++) {
    const want = spec[i]!;
    if (want !== -1 && want !== actual[i]) return false;
  }
  return true;
}

/**
 * Checks a decoded request against a signature and returns the names of the outputs to compute.
 * Every message names the tensor and what was expected, so a client can fix its request without reading our code.
 * `elementsChecked`: the protocol decoder already matched each tensor's element count to its shape (every decoder
 * does), so it is not counted a second time.
 */
export function checkRequest(signature: Signature, request: InferRequest, elementsChecked = false): string[] {
  const seen = new Set<string>();
  for (const tensor of request.inputs) {
    if (seen.has(tensor.name)) throw new InvalidInputError(`input "${tensor.name}" appears more than once`);
    seen.add(tensor.name);
    const spec = signature.inputs.find((s) => s.name === tensor.name);
    if (!spec) {
      throw new InvalidInputError(
        `unexpected input "${tensor.name}": the model's inputs are ${signature.inputs.map((s) => `"${s.name}"`).join(', ')}`,
      );
    }
    if (tensor.datatype !== spec.datatype) {
      throw new InvalidInputError(`input "${tensor.name}": expected datatype ${spec.datatype}, got ${tensor.datatype}`);
    }
    if (!shapeMatches(spec.shape, tensor.shape)) {
      throw new InvalidInputError(
        `input "${tensor.name}": expected shape ${formatShape(spec.shape)}, got ${formatShape(tensor.shape)}`,
      );
    }
    if (elementsChecked) continue;
    const expected = shapeSize(tensor.shape);
    if (tensor.data.length !== expected) {
      throw new InvalidInputError(
        `input "${tensor.name}": shape ${formatShape(tensor.shape)} holds ${expected} elements, but ${tensor.data.length} were sent`,
      );
    }
  }
  const missing = signature.inputs.filter((s) => !seen.has(s.name));
  if (missing.length > 0) {
    throw new InvalidInputError(
      `missing input${missing.length > 1 ? 's' : ''} ${missing.map((s) => `"${s.name}" (${s.datatype} ${formatShape(s.shape)})`).join(', ')}`,
    );
  }
  if (!request.outputs || request.outputs.length === 0) return signature.outputs.map((s) => s.name);
  const names: string[] = [];
  for (const out of request.outputs) {
    if (!signature.outputs.some((s) => s.name === out.name)) {
      throw new InvalidInputError(
        `unknown output "${out.name}": the model's outputs are ${signature.outputs.map((s) => `"${s.name}"`).join(', ')}`,
      );
    }
    if (names.includes(out.name)) throw new InvalidInputError(`output "${out.name}" is requested more than once`);
    names.push(out.name);
  }
  return names;
}

export function findOutput(signature: Signature, name: string): TensorSpec {
  const spec = signature.outputs.find((s) => s.name === name);
  if (!spec) throw new NotFoundError(`output "${name}" not found`);
  return spec;
}
