// runOverTable: every row runs once, in chunks of the model's fixed first dimension (padded) or TABLE_CHUNK_ROWS.
import { describe, expect, it } from 'vitest';
import type { TensorSpec } from '../core/signature.js';
import type { RunOutput, RunRequest, Runner } from './runner.js';
import { runOverTable, TABLE_CHUNK_ROWS } from './table-run.js';

/** Answers each run with its input (as output "y") and keeps the requests. */
class EchoRunner implements Runner {
  readonly signature = { inputs: [], outputs: [] };
  readonly pending = 0;
  readonly size = 1;
  readonly requests: RunRequest[] = [];
  async run(request: RunRequest): Promise<RunOutput> {
    this.requests.push(request);
    return { outputs: [{ ...request.inputs[0]!, name: 'y' }], spent: [] };
  }
  async dispose(): Promise<void> {}
}

/** `rows` rows of two features, row r holding (r, -r). */
function matrix(rows: number): Float32Array {
  return Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2 === 0 ? i / 2 : -(i - 1) / 2));
}

describe('runOverTable', () => {
  it('runs a dynamic first dimension in chunks of TABLE_CHUNK_ROWS, the last one short', async () => {
    const input: TensorSpec = { name: 'x', datatype: 'FP32', shape: [-1, 2] };
    const runner = new EchoRunner();
    const chunks: [number, number, number][] = [];
    const rows = TABLE_CHUNK_ROWS * 2 + 3;
    await runOverTable(runner, { input, row: [2], values: matrix(rows), rows }, ['y'], (outputs, from, count) => {
      chunks.push([from, count, (outputs[0]!.data as Float32Array)[0]!]);
    });
    expect(chunks).toEqual([[0, TABLE_CHUNK_ROWS, 0], [TABLE_CHUNK_ROWS, TABLE_CHUNK_ROWS, TABLE_CHUNK_ROWS], [TABLE_CHUNK_ROWS * 2, 3, TABLE_CHUNK_ROWS * 2]]);
    expect(runner.requests.map((r) => r.inputs[0]!.shape)).toEqual([[TABLE_CHUNK_ROWS, 2], [TABLE_CHUNK_ROWS, 2], [3, 2]]);
    expect(runner.requests.every((r) => r.outputNames.join() === 'y')).toBe(true);
  });

  it('runs a fixed first dimension in chunks of that size, padding the last with zero rows, in the input datatype', async () => {
    const input: TensorSpec = { name: 'x', datatype: 'FP64', shape: [4, 2] };
    const runner = new EchoRunner();
    const counts: number[] = [];
    await runOverTable(runner, { input, row: [2], values: matrix(6), rows: 6 }, ['y'], (_outputs, _from, count) => counts.push(count));
    expect(counts).toEqual([4, 2]);
    expect(runner.requests.map((r) => r.inputs[0]!.shape)).toEqual([[4, 2], [4, 2]]);
    expect(Array.from(runner.requests[1]!.inputs[0]!.data as Float64Array)).toEqual([4, -4, 5, -5, 0, 0, 0, 0]);
  });
});
