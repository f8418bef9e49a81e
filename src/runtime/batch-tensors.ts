// Stacking requests' tensors along dimension 0 into one batch, and splitting a batch's outputs back per request.

import type { DataType, NumericArray, TensorData } from '../core/datatype.js';
import { elementSize } from '../core/datatype.js';
import { InternalError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { shapeSize } from '../core/tensor.js';
import type { BufferPool } from './buffer-pool.js';

type ArrayCtor = { new (buffer: ArrayBuffer, byteOffset?: number, length?: number): NumericArray };

function ctorOf(datatype: DataType): ArrayCtor {
  switch (datatype) {
    case 'BOOL': case 'UINT8': return Uint8Array;
    case 'UINT16': case 'FP16': return Uint16Array;
    case 'UINT32': return Uint32Array;
    case 'UINT64': return BigUint64Array;
    case 'INT8': return Int8Array;
    case 'INT16': return Int16Array;
    case 'INT32': return Int32Array;
    case 'INT64': return BigInt64Array;
    case 'FP32': return Float32Array;
    case 'FP64': return Float64Array;
    case 'BYTES': throw new InternalError('BYTES tensors have no fixed-size array');
  }
}

/** Concatenates each input across requests (all requests share the same input names, datatypes and inner shapes). */
export function stackInputs(requests: readonly (readonly Tensor[])[], pool: BufferPool): Tensor[] {
  const first = requests[0]!;
  return first.map((template) => {
    const parts = requests.map((inputs) => inputs.find((t) => t.name === template.name)!);
    const rows = parts.reduce((n, t) => n + t.shape[0]!, 0);
    const shape = [rows, ...template.shape.slice(1)];
    if (template.datatype === 'BYTES') {
      return { name: template.name, datatype: template.datatype, shape, data: parts.flatMap((t) => t.data as string[]) };
    }
    const count = shapeSize(shape);
    const Ctor = ctorOf(template.datatype);
    const data = new Ctor(pool.take(count * elementSize(template.datatype)), 0, count);
    let offset = 0;
    for (const part of parts) {
      (data as Float32Array).set(part.data as Float32Array, offset);
      offset += part.data.length;
    }
    return { name: template.name, datatype: template.datatype, shape, data };
  });
}

/** Splits batch outputs by the requests' row counts. Each piece owns its buffer, so it can move between threads. */
export function splitOutputs(outputs: readonly Tensor[], rows: readonly number[]): Tensor[][] {
  const total = rows.reduce((a, b) => a + b, 0);
  const result: Tensor[][] = rows.map(() => []);
  for (const out of outputs) {
    if (out.shape[0] !== total) {
      throw new InternalError(
        `output "${out.name}" has ${out.shape[0]} rows for a batch of ${total}; this model's outputs do not follow its batch dimension, so deploy it with maxBatchSize 1`,
      );
    }
    const rowSize = total === 0 ? 0 : out.data.length / total;
    let start = 0;
    rows.forEach((n, i) => {
      const data: TensorData = out.data.slice(start * rowSize, (start + n) * rowSize);
      result[i]!.push({ name: out.name, datatype: out.datatype, shape: [n, ...out.shape.slice(1)], data });
      start += n;
    });
  }
  return result;
}
