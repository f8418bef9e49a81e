// The protocol-neutral tensor: a name, a v2 datatype, a shape and a flat typed array.

import type { DataType, TensorData } from './datatype.js';

export interface Tensor {
  name: string;
  datatype: DataType;
  /** Concrete dimensions, row-major. */
  shape: number[];
  data: TensorData;
}

/** Number of elements a shape holds (1 for a scalar). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
