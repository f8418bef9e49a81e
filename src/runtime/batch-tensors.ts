// Stacking requests' tensors along dimension 0 into one batch, and splitting a batch's outputs back per request.

import type { TensorData } from '../core/datatype.js';
import { arrayConstructor, elementSize } from '../core/datatype.js';
import { InternalError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { shapeSize } from '../core/tensor.js';
import type { BufferPool } from './buffer-pool.js';

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
    const Ctor = arrayConstructor(template.datatype);
    const data = new Ctor(pool.take(count * elementSize(template.datatype)), 0, count);
    let offset = 0;
    for (const part of parts) {
      (data as Float32Array).set(part.data as Float32Array, offset);
      offset += part.data.length;
    }
    return { name: template.name, datatype: template.datatype, shape, data };
  });
}

/** A request's own copy of borrowed inputs (into pooled buffers), for a runner that may move what it is given. */
export function copyInputs(inputs: readonly Tensor[], pool: BufferPool): Tensor[] {
  return inputs.map((t) => {
    if (t.datatype === 'BYTES') return t; // strings cannot move between threads: a runner's transport copies them anyway
    const source = t.data as Float32Array;
    const data = new (arrayConstructor(t.datatype))(pool.take(source.byteLength), 0, source.length);
    (data as Float32Array).set(source);
    return { name: t.name, datatype: t.datatype, shape: t.shape, data };
  });
}

/**
 * Splits batch outputs by the requests' row counts: each piece a view into the batch's output (nothing moves a served
 * output's buffer). A copy would cost an allocation per piece, and a small copy lives inside V8's heap, where anything
 * that then reads its bytes (`.buffer`: capture, the binary encoders) first moves it out, ~1 µs each (measured).
 */
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
      const from = start * rowSize;
      const to = (start + n) * rowSize;
      const data: TensorData = Array.isArray(out.data) ? out.data.slice(from, to) : out.data.subarray(from, to);
      result[i]!.push({ name: out.name, datatype: out.datatype, shape: [n, ...out.shape.slice(1)], data });
      start += n;
    });
  }
  return result;
}
