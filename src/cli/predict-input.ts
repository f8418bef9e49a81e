// Turns a file given to `slipway predict` into a v2 request body: JSON as it is, CSV rows as one batch by feature name.

import { readFile } from 'node:fs/promises';
import { parseCsv } from '../core/csv.js';
import { tableValues } from '../core/table-tensors.js';
import type { TensorSpec } from '../core/signature.js';
import { CliError } from './client.js';

const NUMERIC = new Set(['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

export async function requestFromFile(path: string, input: TensorSpec | undefined): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new CliError(`cannot read ${path}`);
  }
  if (!path.toLowerCase().endsWith('.csv')) {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new CliError(`${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  if (!input) throw new CliError('the endpoint\'s model has no inputs to fill from CSV');
  if (!NUMERIC.has(input.datatype) && input.datatype !== 'BYTES') {
    throw new CliError(`CSV input needs a numeric or BYTES model input; "${input.name}" is ${input.datatype}`);
  }
  const table = parseCsv(text, path);
  const columns = input.features ?? table.header;
  const width = input.shape[input.shape.length - 1];
  if (!input.features && width !== undefined && width !== -1 && width !== columns.length) {
    throw new CliError(`${path} has ${columns.length} columns, but input "${input.name}" expects ${width} and the package names no features`);
  }
  // A BYTES input (string categories) takes the cells' text; any other takes numbers.
  const values = tableValues(input, table, columns, path);
  const data: (number | string)[] = values instanceof Float32Array ? Array.from(values) : [...values];
  return { inputs: [{ name: input.name, datatype: input.datatype, shape: [table.rows.length, columns.length], data }] };
}
