// Tabular data <-> tensors: feature columns into the model's first input, outputs and targets into comparable numbers.

import type { CsvTable } from './csv.js';
import { numericColumns } from './csv.js';
import type { DataType, TensorData } from './datatype.js';
import { allocate } from './datatype.js';
import { InvalidInputError } from './errors.js';
import { fromHalfBits, toHalfBits } from './fp16.js';
import type { TensorSpec } from './signature.js';
import type { Tensor } from './tensor.js';
import { formatShape, shapeSize } from './tensor.js';

/** The columns that feed the input: its feature names, or (a package without them) every column but the target. */
export function featureColumns(input: TensorSpec, table: CsvTable, target: string | undefined): string[] {
  return input.features ?? table.header.filter((h) => h !== target);
}

/**
 * The shape of one row of the input (its dimensions after the first), holding `columns` values.
 * A dynamic inner dimension takes whatever is left; a row that cannot hold the columns is an error naming both.
 */
export function rowShape(input: TensorSpec, columns: number): number[] {
  if (input.shape.length === 0) {
    throw new InvalidInputError(`input "${input.name}" is a scalar; golden data needs a first (row) dimension`);
  }
  const inner = input.shape.slice(1);
  const known = inner.filter((d) => d !== -1).reduce((a, b) => a * b, 1);
  const lastDynamic = inner.lastIndexOf(-1);
  // Dynamic dimensions before the last one are set to 1: the columns fill the last.
  const shape = inner.map((d, i) => (d !== -1 ? d : i === lastDynamic ? columns / known : 1));
  if (!shape.every((d) => Number.isInteger(d)) || shapeSize(shape) !== columns) {
    throw new InvalidInputError(
      `input "${input.name}" has shape ${formatShape(input.shape)}, which cannot hold ${columns} feature column${columns === 1 ? '' : 's'} per row`,
    );
  }
  return shape;
}

/** Converts feature values (read as float32) to the input's datatype: integers rounded, BOOL as value != 0. */
export function castValues(datatype: DataType, values: Float32Array): TensorData {
  if (datatype === 'FP32') return values;
  if (datatype === 'BYTES') throw new InvalidInputError('golden data holds numbers; an input of datatype BYTES cannot be filled from it');
  const out = allocate(datatype, values.length);
  if (out instanceof BigInt64Array || out instanceof BigUint64Array) {
    for (let i = 0; i < values.length; i++) out[i] = BigInt(Math.round(values[i]!));
  } else if (datatype === 'FP16') {
    const bits = out as Uint16Array;
    for (let i = 0; i < values.length; i++) bits[i] = toHalfBits(values[i]!);
  } else if (datatype === 'BOOL') {
    const flags = out as Uint8Array;
    for (let i = 0; i < values.length; i++) flags[i] = values[i] !== 0 ? 1 : 0;
  } else if (out instanceof Float64Array) {
    out.set(values);
  } else {
    const ints = out as Exclude<typeof out, string[] | BigInt64Array | BigUint64Array>;
    for (let i = 0; i < values.length; i++) ints[i] = Math.round(values[i]!);
  }
  return out;
}

/** A row-major feature matrix read from a table: numbers (as float32), or the cells' text for a BYTES input. */
export type TableValues = Float32Array | readonly string[];

/** The named columns of every row, row-major: as text for a BYTES input (a model taking string categories), else numbers. */
export function tableValues(input: TensorSpec, table: CsvTable, columns: readonly string[], source: string): TableValues {
  if (input.datatype !== 'BYTES') return numericColumns(table, columns, source);
  const at = columns.map((name) => {
    const i = table.header.indexOf(name);
    if (i < 0) throw new InvalidInputError(`${source}: expected a column "${name}", the header has ${table.header.length} other columns`);
    return i;
  });
  return table.rows.flatMap((row) => at.map((i) => row[i]!.trim()));
}

/**
 * Rows [from, from + count) of a row-major feature matrix as one input tensor of `batch` rows (batch >= count):
 * rows past `count` are zeros (empty strings for BYTES), for models whose first dimension is fixed. The data owns its
 * buffer (it is transferred).
 */
export function chunkTensor(input: TensorSpec, row: readonly number[], values: TableValues, from: number, count: number, batch: number): Tensor {
  const size = shapeSize(row);
  if (!(values instanceof Float32Array)) {
    const text = values.slice(from * size, (from + count) * size);
    while (text.length < batch * size) text.push('');
    return { name: input.name, datatype: input.datatype, shape: [batch, ...row], data: text };
  }
  const chunk = new Float32Array(batch * size);
  chunk.set(values.subarray(from * size, (from + count) * size));
  return { name: input.name, datatype: input.datatype, shape: [batch, ...row], data: castValues(input.datatype, chunk) };
}

/** A numeric tensor's elements as numbers (FP16 bits expanded, 64-bit integers converted). */
export function numbersOf(tensor: Tensor): Float64Array {
  const data = tensor.data;
  if (Array.isArray(data)) throw new InvalidInputError(`output "${tensor.name}" holds strings (BYTES), expected numbers`);
  if (tensor.datatype === 'FP16') return Float64Array.from(data as Uint16Array, fromHalfBits);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) return Float64Array.from(data, (v) => Number(v));
  return Float64Array.from(data as ArrayLike<number>);
}

/** Values per row of an output that must hold at least `count` rows. */
function widthOf(output: Tensor, count: number): number {
  const rows = output.shape[0];
  if (rows === undefined || rows < count || rows === 0) {
    throw new InvalidInputError(`output "${output.name}" has shape ${formatShape(output.shape)}, expected at least ${count} rows along its first dimension`);
  }
  return shapeSize(output.shape) / rows;
}

/**
 * Class ids from names: a package label maps to its index, an integer is an id itself, and any other text (a model
 * with string classes and no labels) gets an id of its own, far below every index so it never collides with one.
 */
export function classIdResolver(labels?: readonly string[]): (text: string) => number {
  const index = new Map((labels ?? []).map((l, i) => [l, i]));
  const others = new Map<string, number>();
  return (text) => {
    const label = index.get(text) ?? index.get(text.trim());
    if (label !== undefined) return label;
    const n = Number(text);
    if (text.trim() !== '' && Number.isInteger(n)) return n;
    let id = others.get(text);
    if (id === undefined) others.set(text, (id = Number.MIN_SAFE_INTEGER + others.size));
    return id;
  };
}

/**
 * The class each of the first `count` rows predicts: integer (or float) ids of an [N] or [N,1] output as they are,
 * the argmax of scores [N,C] (a row with a NaN score predicts NaN, which is wrong), strings through `classId`.
 */
export function predictedClasses(output: Tensor, count: number, classId: (text: string) => number): Float64Array {
  const width = widthOf(output, count);
  if (Array.isArray(output.data)) {
    if (width !== 1) throw new InvalidInputError(`output "${output.name}" has shape ${formatShape(output.shape)}: string classes must be one per row ([N] or [N,1])`);
    return Float64Array.from(output.data.slice(0, count), classId);
  }
  const values = numbersOf(output);
  if (width === 1) return values.subarray(0, count);
  const classes = new Float64Array(count);
  for (let r = 0; r < count; r++) {
    let best = 0;
    let bestScore = -Infinity;
    for (let c = 0; c < width; c++) {
      const score = values[r * width + c]!;
      if (Number.isNaN(score)) {
        best = Number.NaN;
        break;
      }
      // Strictly greater: the first of equal scores wins, as numpy's argmax.
      if (score > bestScore) {
        bestScore = score;
        best = c;
      }
    }
    classes[r] = best;
  }
  return classes;
}

/** The value each of the first `count` rows predicts: a regression output holds one per row ([N] or [N,1]). */
export function predictedValues(output: Tensor, count: number): Float64Array {
  const width = widthOf(output, count);
  if (width !== 1) {
    throw new InvalidInputError(`output "${output.name}" has shape ${formatShape(output.shape)}: a regression test needs one value per row ([N] or [N,1])`);
  }
  return numbersOf(output).subarray(0, count);
}

function columnOf(table: CsvTable, column: string, source: string): number {
  const at = table.header.indexOf(column);
  if (at < 0) throw new InvalidInputError(`${source}: expected a target column "${column}", the header has ${table.header.join(', ')}`);
  return at;
}

function lineOf(table: CsvTable, row: number): number {
  return table.rowLines?.[row] ?? row + 2;
}

/**
 * The target class of every row. With labels, a cell must be one of them or a class index into them: anything else
 * is a typo in the data, reported with its line, rather than a class no model can predict.
 */
export function targetClasses(table: CsvTable, column: string, labels: readonly string[] | undefined, source: string): Float64Array {
  const at = columnOf(table, column, source);
  const classId = classIdResolver(labels);
  return Float64Array.from(table.rows, (row, r) => {
    const cell = row[at]!.trim();
    const id = classId(cell);
    if (labels && !(Number.isInteger(id) && id >= 0 && id < labels.length)) {
      throw new InvalidInputError(
        `${source}: line ${lineOf(table, r)}, column "${column}": expected one of the ${labels.length} labels or a class index from 0 to ${labels.length - 1}, got ${JSON.stringify(cell)}`,
      );
    }
    return id;
  });
}

/** The target value of every row, as doubles (not float32: the error is measured against exactly what the file says). */
export function targetValues(table: CsvTable, column: string, source: string): Float64Array {
  const at = columnOf(table, column, source);
  return Float64Array.from(table.rows, (row, r) => {
    const cell = row[at]!.trim();
    const value = Number(cell);
    if (cell === '' || Number.isNaN(value)) {
      throw new InvalidInputError(`${source}: line ${lineOf(table, r)}, column "${column}": expected a number, got ${JSON.stringify(cell)}`);
    }
    return value;
  });
}
