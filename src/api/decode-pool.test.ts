import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { DecodePool } from './decode-pool.js';

const pool = new DecodePool(2);
afterAll(() => pool.close());

/** A v2 JSON body over the off-load threshold: one FP32 input of `n` values. */
function largeBody(n: number): Buffer {
  const data = Array.from({ length: n }, (_, i) => i / 8);
  return Buffer.from(JSON.stringify({ id: `r${n}`, inputs: [{ name: 'x', datatype: 'FP32', shape: [1, n], data }] }));
}

describe('DecodePool', () => {
  it('decodes small bodies inline and large JSON bodies on a worker, each answer to its own request', async () => {
    const small = pool.decode(largeBody(4), undefined);
    expect(small).not.toBeInstanceOf(Promise);
    const bodies = [40_000, 50_000, 60_000].map(largeBody);
    expect(bodies.every((b) => b.length > 128 * 1024)).toBe(true);
    const decoded = await Promise.all(bodies.map((b) => pool.decode(b, undefined)));
    expect(decoded.map((r) => r.id)).toEqual(['r40000', 'r50000', 'r60000']);
    expect(decoded.map((r) => r.inputs[0]!.shape)).toEqual([[1, 40_000], [1, 50_000], [1, 60_000]]);
    expect((decoded[1]!.inputs[0]!.data as Float32Array)[8]).toBe(1);
  });

  it('rejects a large body the worker cannot decode as the client\'s mistake', async () => {
    const bad = Buffer.concat([largeBody(40_000), Buffer.from('}')]);
    await expect(pool.decode(bad, undefined)).rejects.toBeInstanceOf(InvalidInputError);
  });
});
