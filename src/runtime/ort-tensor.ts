// Conversions between Slipway tensors and onnxruntime's: datatype names, metadata, tensor objects.

import * as ort from 'onnxruntime-node';
import type { DataType, TensorData } from '../core/datatype.js';
import { InvalidInputError } from '../core/errors.js';
import type { Signature, TensorSpec } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';

type OrtType = ort.Tensor.Type;

const TO_ORT: Record<DataType, OrtType> = {
  BOOL: 'bool', UINT8: 'uint8', UINT16: 'uint16', UINT32: 'uint32', UINT64: 'uint64',
  INT8: 'int8', INT16: 'int16', INT32: 'int32', INT64: 'int64',
  FP16: 'float16', FP32: 'float32', FP64: 'float64', BYTES: 'string',
};

const FROM_ORT = new Map<string, DataType>(Object.entries(TO_ORT).map(([dt, o]) => [o, dt as DataType]));

export function fromOrtType(type: string, where: string): DataType {
  const dt = FROM_ORT.get(type);
  if (!dt) throw new InvalidInputError(`${where}: onnxruntime type "${type}" has no Open Inference Protocol datatype`);
  return dt;
}

function specOf(meta: ort.InferenceSession.ValueMetadata, kind: 'input' | 'output'): TensorSpec {
  if (!meta.isTensor) throw new InvalidInputError(`${kind} "${meta.name}" is not a tensor; only tensor inputs and outputs can be served`);
  return {
    name: meta.name,
    datatype: fromOrtType(meta.type, `${kind} "${meta.name}"`),
    // Symbolic dimensions (strings) and unknown ones are dynamic.
    shape: meta.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
  };
}

export function signatureOf(session: { inputMetadata: readonly ort.InferenceSession.ValueMetadata[]; outputMetadata: readonly ort.InferenceSession.ValueMetadata[] }): Signature {
  return {
    inputs: session.inputMetadata.map((m) => specOf(m, 'input')),
    outputs: session.outputMetadata.map((m) => specOf(m, 'output')),
  };
}

export function toOrtTensor(tensor: Tensor): ort.Tensor {
  // onnxruntime's typings pair each type name with its array type; ours uses the same pairs, so the cast is exact.
  return new ort.Tensor(TO_ORT[tensor.datatype], tensor.data as Float32Array, tensor.shape);
}

export function fromOrtTensor(name: string, tensor: ort.Tensor): Tensor {
  return {
    name,
    datatype: fromOrtType(tensor.type, `output "${name}"`),
    shape: [...tensor.dims],
    data: tensor.data as TensorData,
  };
}
