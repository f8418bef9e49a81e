// Golden data handling without a model: feature tensors, argmax, class ids through labels, targets with their lines.

import { describe, expect, it } from 'vitest';
import { parseCsv } from './csv.js';
import type { TensorSpec } from './signature.js';
import type { Tensor } from './tensor.js';
import {
  castValues, chunkTensor, classIdResolver, featureColumns, predictedClasses, predictedValues, rowShape, tableValues, targetClasses,
  targetValues,
} from './table-tensors.js';

const input: TensorSpec = { name: 'input', datatype: 'FP32', shape: [-1, 3], features: ['a', 'b', 'c'] };

describe('feature tensors', () => {
  it('takes the feature columns, or every column but the target', () => {
    const table = parseCsv('c,b,a,y\n1,2,3,0');
    expect(featureColumns(input, table, 'y')).toEqual(['a', 'b', 'c']);
    expect(featureColumns({ ...input, features: undefined }, table, 'y')).toEqual(['c', 'b', 'a']);
  });

  it('shapes a row from the dimensions after the first', () => {
    expect(rowShape(input, 3)).toEqual([3]);
    expect(rowShape({ ...input, shape: [-1, -1] }, 5)).toEqual([5]);
    expect(rowShape({ ...input, shape: [1, 2, -1] }, 6)).toEqual([2, 3]);
    expect(rowShape({ ...input, shape: [-1] }, 1)).toEqual([]);
    expect(() => rowShape(input, 4)).toThrow('input "input" has shape [-1,3], which cannot hold 4 feature columns per row');
    expect(() => rowShape({ ...input, shape: [] }, 1)).toThrow('is a scalar');
  });

  it('cuts chunks, padding a fixed first dimension with zeros', () => {
    const values = Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const chunk = chunkTensor(input, [3], values, 1, 2, 2);
    expect(chunk).toMatchObject({ name: 'input', datatype: 'FP32', shape: [2, 3] });
    expect(Array.from(chunk.data as Float32Array)).toEqual([4, 5, 6, 7, 8, 9]);
    const padded = chunkTensor(input, [3], values, 2, 1, 4);
    expect(padded.shape).toEqual([4, 3]);
    expect(Array.from(padded.data as Float32Array)).toEqual([7, 8, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // the data owns its whole buffer: it can be transferred to a worker thread
    expect((padded.data as Float32Array).byteLength).toBe((padded.data as Float32Array).buffer.byteLength);
  });

  it('casts to the input datatype', () => {
    const v = Float32Array.from([1.4, -2.6, 0]);
    expect(Array.from(castValues('INT64', v) as BigInt64Array)).toEqual([1n, -3n, 0n]);
    expect(Array.from(castValues('INT32', v) as Int32Array)).toEqual([1, -3, 0]);
    expect(Array.from(castValues('BOOL', v) as Uint8Array)).toEqual([1, 1, 0]);
    expect(castValues('FP64', v)).toBeInstanceOf(Float64Array);
    expect(Array.from(castValues('FP16', Float32Array.from([1, -2])) as Uint16Array)).toEqual([0x3c00, 0xc000]);
    expect(() => castValues('BYTES', v)).toThrow('an input of datatype BYTES cannot be filled');
  });
});

const tensor = (name: string, datatype: Tensor['datatype'], shape: number[], data: Tensor['data']): Tensor => ({ name, datatype, shape, data });

describe('predicted classes', () => {
  const ids = classIdResolver(['cat', 'dog', 'eel']);

  it('takes integer class ids of [N] and [N,1] outputs as they are', () => {
    expect(Array.from(predictedClasses(tensor('label', 'INT64', [3], BigInt64Array.from([2n, 0n, 1n])), 3, ids))).toEqual([2, 0, 1]);
    expect(Array.from(predictedClasses(tensor('label', 'INT32', [2, 1], Int32Array.from([1, 1])), 2, ids))).toEqual([1, 1]);
  });

  it('takes the argmax of scores [N,C]; the first of equal scores wins; a NaN score predicts NaN', () => {
    const scores = Float32Array.from([0.1, 0.7, 0.2, /**/ 0.5, 0.5, 0, /**/ 0.2, Number.NaN, 0.9, /**/ -3, -1, -2]);
    expect(Array.from(predictedClasses(tensor('probabilities', 'FP32', [4, 3], scores), 4, ids))).toEqual([1, 0, Number.NaN, 1]);
  });

  it('drops padding rows past the count', () => {
    expect(Array.from(predictedClasses(tensor('y', 'FP32', [4, 2], Float32Array.from([0, 1, 1, 0, 0, 0, 0, 0])), 2, ids))).toEqual([1, 0]);
  });

  it('maps string classes through the labels', () => {
    expect(Array.from(predictedClasses(tensor('label', 'BYTES', [3], ['eel', 'cat', 'dog']), 3, ids))).toEqual([2, 0, 1]);
  });

  it('refuses an output with too few rows', () => {
    expect(() => predictedClasses(tensor('label', 'INT64', [1], BigInt64Array.from([1n])), 2, ids)).toThrow(
      'output "label" has shape [1], expected at least 2 rows along its first dimension',
    );
  });
});

describe('class ids and targets', () => {
  it('maps labels to their index, integers to themselves, other text to ids of their own', () => {
    const withLabels = classIdResolver(['b', 'a']);
    expect([withLabels('a'), withLabels('b'), withLabels('1')]).toEqual([1, 0, 1]);
    const bare = classIdResolver();
    const yes = bare('yes');
    expect(bare('yes')).toBe(yes);
    expect(bare('no')).not.toBe(yes);
    expect(bare('-1')).toBe(-1);
    expect(yes).toBeLessThan(-1e15);
  });

  it('reads label targets, or class indexes, and reports a cell that is neither with its line', () => {
    const table = parseCsv('x,label\n1,dog\n2,0\n3,eel\n');
    expect(Array.from(targetClasses(table, 'label', ['cat', 'dog', 'eel'], 'golden.csv'))).toEqual([1, 0, 2]);
    const typo = parseCsv('x,label\n1,dog\n2,dgo\n');
    expect(() => targetClasses(typo, 'label', ['cat', 'dog', 'eel'], 'golden.csv')).toThrow(
      'golden.csv: line 3, column "label": expected one of the 3 labels or a class index from 0 to 2, got "dgo"',
    );
    expect(() => targetClasses(parseCsv('x,label\n1,7\n'), 'label', ['cat', 'dog'], 'g.csv')).toThrow('got "7"');
    expect(Array.from(targetClasses(parseCsv('label\n7\n3\n'), 'label', undefined, 'g.csv'))).toEqual([7, 3]);
  });

  it('reads regression targets as doubles and names a bad cell', () => {
    const table = parseCsv('x,y\n1,0.1\n2,-3e2\n');
    expect(Array.from(targetValues(table, 'y', 'golden.csv'))).toEqual([0.1, -300]);
    expect(() => targetValues(parseCsv('x,y\n1,\n'), 'y', 'golden.csv')).toThrow('golden.csv: line 2, column "y": expected a number, got ""');
    expect(() => targetValues(table, 'z', 'golden.csv')).toThrow('expected a target column "z"');
  });
});

describe('predicted values', () => {
  it('takes one value per row from [N] or [N,1], FP16 and integers included', () => {
    expect(Array.from(predictedValues(tensor('value', 'FP32', [2, 1], Float32Array.from([1.5, -2])), 2))).toEqual([1.5, -2]);
    expect(Array.from(predictedValues(tensor('value', 'FP16', [2], Uint16Array.from([0x3c00, 0xc000])), 2))).toEqual([1, -2]);
    expect(Array.from(predictedValues(tensor('value', 'INT64', [1], BigInt64Array.from([7n])), 1))).toEqual([7]);
  });

  it('refuses more than one value per row', () => {
    expect(() => predictedValues(tensor('y', 'FP32', [1, 3], new Float32Array(3)), 1)).toThrow(
      'output "y" has shape [1,3]: a regression test needs one value per row ([N] or [N,1])',
    );
  });
});

describe('a BYTES input from a table', () => {
  it('takes the cells as text, row-major, and pads a fixed batch with empty strings', () => {
    const input: TensorSpec = { name: 'input', datatype: 'BYTES', shape: [-1, 2] };
    const table = parseCsv('plan,tenure,y\nbasic, 3,1\npremium,40,0\n');
    const values = tableValues(input, table, ['plan', 'tenure'], 'golden.csv');
    expect(values).toEqual(['basic', '3', 'premium', '40']);
    expect(chunkTensor(input, [2], values, 1, 1, 2)).toEqual({ name: 'input', datatype: 'BYTES', shape: [2, 2], data: ['premium', '40', '', ''] });
    expect(() => tableValues(input, table, ['region'], 'golden.csv')).toThrow('golden.csv: expected a column "region"');
  });
});
