// Running a model over the rows of a table in chunks (validation's golden data, a baseline's output distribution).

import type { TensorSpec } from '../core/signature.js';
import { chunkTensor, type TableValues } from '../core/table-tensors.js';
import type { Tensor } from '../core/tensor.js';
import type { Runner } from './runner.js';

/** Rows per inference when the first dimension is dynamic: large enough to be quick, small enough to keep one message modest. */
export const TABLE_CHUNK_ROWS = 256;

/** A row-major feature matrix that fills one input. */
export interface TableInput {
  input: TensorSpec;
  /** Shape of one row of the input (its dimensions after the first), as `rowShape` gives it. */
  row: readonly number[];
  values: TableValues;
  rows: number;
}

/**
 * Runs every row through the runner, one chunk at a time: the model's fixed first dimension if it has one (the last
 * chunk padded with zeros), else TABLE_CHUNK_ROWS. `onChunk` gets each chunk's outputs, its first row and its real
 * row count (outputs of padding rows follow those).
 */
export async function runOverTable(
  runner: Runner, table: TableInput, outputNames: string[], onChunk: (outputs: Tensor[], from: number, count: number) => void,
): Promise<void> {
  const first = table.input.shape[0];
  const fixed = first !== undefined && first !== -1;
  const batch = fixed ? first : TABLE_CHUNK_ROWS;
  for (let from = 0; from < table.rows; from += batch) {
    const count = Math.min(batch, table.rows - from);
    const tensor = chunkTensor(table.input, table.row, table.values, from, count, fixed ? batch : count);
    const { outputs } = await runner.run({ inputs: [tensor], outputNames });
    onChunk(outputs, from, count);
  }
}
