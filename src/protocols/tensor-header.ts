// The checks every wire format makes on a tensor's header (datatype, shape), so JSON, binary and gRPC say the same.

import type { DataType } from '../core/datatype.js';
import { DATATYPES, isDataType } from '../core/datatype.js';
import { describeValue } from '../core/describe-value.js';
import { InvalidInputError } from '../core/errors.js';

export function parseDatatype(value: unknown, where: string): DataType {
  if (!isDataType(value)) {
    throw new InvalidInputError(`${where}: expected "datatype" to be one of ${DATATYPES.join(', ')}, got ${describeValue(value)}`);
  }
  return value;
}

export function parseShape(value: unknown, where: string): number[] {
  if (!Array.isArray(value)) {
    throw new InvalidInputError(`${where}: expected "shape" to be an array of integers, got ${describeValue(value)}`);
  }
  return value.map((d) => {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new InvalidInputError(`${where}: expected "shape" to hold non-negative integers, got ${describeValue(value)}`);
    }
    return d;
  });
}
