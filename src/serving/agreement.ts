// Whether two variants answered the same input alike: same class per row, or values within a relative tolerance.

import type { Tensor } from '../core/tensor.js';

export interface Agreement {
  rows: number;
  agreed: number;
}

const INTEGER = new Set(['INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64', 'BOOL']);

function argmax(data: ArrayLike<number>, start: number, width: number): number {
  let best = start;
  for (let i = start + 1; i < start + width; i++) if (data[i]! > data[best]!) best = i;
  return best - start;
}

/**
 * Compares row by row (dimension 0). Integer outputs (class ids) must be equal; float outputs with several columns
 * (scores) must have the same top class; single-value float outputs (regression) must agree within `tolerance`
 * relative error. A shape or type mismatch is total disagreement.
 */
export function compareTensors(a: Tensor, b: Tensor, tolerance = 1e-3): Agreement {
  const rows = a.shape.length === 0 ? 1 : a.shape[0]!;
  if (a.datatype !== b.datatype || a.shape.join() !== b.shape.join()) return { rows, agreed: 0 };
  if (rows === 0) return { rows: 0, agreed: 0 };
  const width = a.data.length / rows;
  let agreed = 0;
  if (Array.isArray(a.data) || Array.isArray(b.data)) {
    for (let r = 0; r < rows; r++) {
      let same = true;
      for (let i = r * width; i < (r + 1) * width; i++) if (a.data[i] !== b.data[i]) same = false;
      if (same) agreed++;
    }
    return { rows, agreed };
  }
  const x = a.data as ArrayLike<number | bigint>;
  const y = b.data as ArrayLike<number | bigint>;
  if (INTEGER.has(a.datatype)) {
    for (let r = 0; r < rows; r++) {
      let same = true;
      for (let i = r * width; i < (r + 1) * width; i++) if (x[i] !== y[i]) same = false;
      if (same) agreed++;
    }
  } else if (width > 1) {
    const xf = x as ArrayLike<number>;
    const yf = y as ArrayLike<number>;
    for (let r = 0; r < rows; r++) if (argmax(xf, r * width, width) === argmax(yf, r * width, width)) agreed++;
  } else {
    for (let r = 0; r < rows; r++) {
      const p = Number(x[r]);
      const q = Number(y[r]);
      if (Math.abs(p - q) <= tolerance * Math.max(Math.abs(p), Math.abs(q), 1e-12)) agreed++;
    }
  }
  return { rows, agreed };
}

/** True when any float output holds NaN: gates count such answers as errors even though they were returned. */
export function hasNaN(outputs: readonly Tensor[]): boolean {
  for (const t of outputs) {
    if (t.datatype !== 'FP32' && t.datatype !== 'FP64') continue;
    const d = t.data as Float32Array;
    for (let i = 0; i < d.length; i++) if (d[i] !== d[i]) return true;
  }
  return false;
}
