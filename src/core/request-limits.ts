// Limits on what one inference request may declare (elements per tensor and per request, rows), checked from the
// declared shapes before anything is allocated for them: a finite answer to shapes that would exhaust memory.

import { InvalidInputError } from './errors.js';
import { formatShape } from './tensor.js';

export interface RequestLimits {
  /** Most elements one input tensor may hold. */
  maxTensorElements: number;
  /** Most elements all input tensors of one request may hold together. */
  maxRequestElements: number;
  /** Most rows (the first dimension, the batch) an input tensor may have. */
  maxRequestRows: number;
}

export const DEFAULT_REQUEST_LIMITS: RequestLimits = {
  maxTensorElements: 64 * 1024 * 1024,
  maxRequestElements: 128 * 1024 * 1024,
  maxRequestRows: 1024 * 1024,
};

/**
 * Admits one request's inputs one at a time, in the order they are decoded: `admit` is called with a tensor's declared
 * shape before its data is read or allocated, and throws an InvalidInputError naming the input and the limit.
 */
export class ShapeBudget {
  private total = 0;

  constructor(private readonly limits: RequestLimits) {}

  /** Returns the shape's element count once admitted. */
  admit(where: string, shape: readonly number[]): number {
    const { maxTensorElements, maxRequestElements, maxRequestRows } = this.limits;
    const rows = shape.length > 0 ? shape[0]! : 1;
    if (rows > maxRequestRows) {
      throw new InvalidInputError(`${where}: shape ${formatShape(shape)} has ${rows} rows; this server takes at most ${maxRequestRows} rows per request (maxRequestRows): send fewer rows per request`);
    }
    // Multiplied with a stop as soon as the limit is passed: a shape of huge dimensions never becomes an unsafe number.
    // A zero dimension holds nothing, however large the others.
    let count = shape.includes(0) ? 0 : 1;
    for (let i = 0; count > 0 && i < shape.length; i++) {
      count *= shape[i]!;
      if (count > maxTensorElements) {
        throw new InvalidInputError(`${where}: shape ${formatShape(shape)} holds more than ${maxTensorElements} elements, the most one tensor may hold on this server (maxTensorElements)`);
      }
    }
    if (this.total + count > maxRequestElements) {
      throw new InvalidInputError(
        `${where}: shape ${formatShape(shape)} brings the request to ${this.total + count} elements; this server takes at most ${maxRequestElements} elements per request (maxRequestElements)`,
      );
    }
    this.total += count;
    return count;
  }
}

/** A budget for one request, or none when no limits are given (decoders called without a server's limits). */
export function shapeBudget(limits: RequestLimits | undefined): ShapeBudget | undefined {
  return limits === undefined ? undefined : new ShapeBudget(limits);
}
