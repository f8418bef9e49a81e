import { describe, expect, it } from 'vitest';
import type { Tensor } from '../core/tensor.js';
import { batchingBlocker, batchKeyOf, planBatch, type BatchPolicy, type QueuedView } from './batch-plan.js';

const policy = (p: Partial<BatchPolicy> = {}): BatchPolicy => ({ maxBatchSize: 8, maxQueueDelayMicros: 1000, preferredBatchSizes: [], ...p });
const q = (key: string, rows: number, enqueuedAt = 0): QueuedView => ({ key, rows, enqueuedAt });
const t = (name: string, shape: number[], datatype: Tensor['datatype'] = 'FP32'): Tensor => ({ name, datatype, shape, data: new Float32Array(0) });

describe('batchKeyOf', () => {
  it('equal for requests that only differ in rows, different for any other difference', () => {
    const a = batchKeyOf([t('x', [1, 64])], ['y'])!;
    const b = batchKeyOf([t('x', [5, 64])], ['y'])!;
    expect(a.key).toBe(b.key);
    expect([a.rows, b.rows]).toEqual([1, 5]);
    expect(batchKeyOf([t('x', [1, 63])], ['y'])!.key).not.toBe(a.key);
    expect(batchKeyOf([t('x', [1, 64], 'FP64')], ['y'])!.key).not.toBe(a.key);
    expect(batchKeyOf([t('x', [1, 64])], ['y', 'z'])!.key).not.toBe(a.key);
    expect(batchKeyOf([t('x', [1, 8, 8])], ['y'])!.key).not.toBe(batchKeyOf([t('x', [1, 64])], ['y'])!.key);
  });
  it('does not depend on input order, and refuses inputs that disagree on dimension 0', () => {
    expect(batchKeyOf([t('a', [2, 3]), t('b', [2])], ['o'])!.key).toBe(batchKeyOf([t('b', [2]), t('a', [2, 3])], ['o'])!.key);
    expect(batchKeyOf([t('a', [2, 3]), t('b', [3])], ['o'])).toBeUndefined();
  });
});

describe('batchingBlocker', () => {
  it('allows models whose every input and output starts with a dynamic dimension', () => {
    expect(batchingBlocker({ inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 64] }], outputs: [{ name: 'y', datatype: 'INT64', shape: [-1] }] })).toBeUndefined();
  });
  it('names the tensor that blocks batching', () => {
    expect(batchingBlocker({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3] }], outputs: [] })).toMatch(/^input "x" has shape \[1,3\]/);
    expect(batchingBlocker({ inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 3] }], outputs: [{ name: 's', datatype: 'FP32', shape: [] }] })).toMatch(/^output "s" has shape \[\]/);
  });
});

describe('planBatch', () => {
  it('runs a full batch at once, in queue order, skipping requests of other shapes', () => {
    const queue = [q('a', 3), q('b', 1), q('a', 3), q('a', 2), q('a', 1)];
    expect(planBatch(queue, 0, policy(), true)).toEqual({ kind: 'run', indexes: [0, 2, 3] });
  });
  it('waits for the rest of the delay while the batch is not full and still growing, then runs what it has', () => {
    const queue = [q('a', 2, 100), q('a', 1, 300)];
    expect(planBatch(queue, 400, policy(), true)).toEqual({ kind: 'wait', micros: 700 });
    expect(planBatch(queue, 1100, policy(), true)).toEqual({ kind: 'run', indexes: [0, 1] });
  });
  it('never waits with a zero delay', () => {
    expect(planBatch([q('a', 1, 50)], 50, policy({ maxQueueDelayMicros: 0 }), true)).toEqual({ kind: 'run', indexes: [0] });
  });
  it('never puts more rows together than the maximum, but runs an oversized request alone', () => {
    expect(planBatch([q('a', 5), q('a', 5)], 0, policy(), true)).toEqual({ kind: 'wait', micros: 1000 });
    expect(planBatch([q('a', 5), q('a', 5)], 1000, policy(), true)).toEqual({ kind: 'run', indexes: [0] });
    expect(planBatch([q('a', 20), q('a', 1)], 0, policy(), true)).toEqual({ kind: 'run', indexes: [0] });
  });
  it('runs at once when the group reaches a preferred size', () => {
    expect(planBatch([q('a', 2), q('a', 2)], 0, policy({ preferredBatchSizes: [4] }), true)).toEqual({ kind: 'run', indexes: [0, 1] });
    expect(planBatch([q('a', 2), q('a', 1)], 0, policy({ preferredBatchSizes: [4] }), true)).toEqual({ kind: 'wait', micros: 1000 });
  });
  it('at the deadline, cuts to the largest preferred size the queue can form', () => {
    const queue = [q('a', 2), q('a', 2), q('a', 1)];
    expect(planBatch(queue, 1000, policy({ preferredBatchSizes: [2, 4] }), true)).toEqual({ kind: 'run', indexes: [0, 1] });
    expect(planBatch(queue, 1000, policy({ preferredBatchSizes: [3] }), true)).toEqual({ kind: 'run', indexes: [0, 1, 2] });
  });
  it('has nothing to do for an empty queue', () => {
    expect(planBatch([], 0, policy(), true)).toBeUndefined();
  });
});
