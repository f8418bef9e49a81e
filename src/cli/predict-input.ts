// Turns a file given to `slipway predict` into a v2 request body: JSON as it is, CSV rows as one batch by feature name.

import { readFile } from 'node:fs/promises';
import { parseCsv, numericColumns } from '../core/csv.js';
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
  if (!NUMERIC.has(input.datatype)) throw new CliError(`CSV input needs a numeric model input; "${input.name}" is ${input.datatype}`);
  const table = parseCsv(text, path);
  const columns = input.features ?? table.header;
  const width = input.shape[input.shape.length - 1];
  if (!input.features && width !== undefined && width !== -1 && width !== columns.length) {
    throw new CliError(`${path} has ${columns.length} columns, but input "${input.name}" expects ${width} and the package names no features`);
  }
  const data = numericColumns(table, columns, path);
  return { inputs: [{ name: input.name, datatype: input.datatype, shape: [table.rows.length, columns.length], data: Array.from(data) }] };
}
