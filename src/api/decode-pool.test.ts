import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { DecodePool } from './decode-pool.js';
import { loadService } from './grpc-proto.js';

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

  it('decodes a large gRPC message inline when raw or packed FP32 contents make it large, on a worker when other typed contents do', async () => {
    const method = loadService()['ModelInfer'] as MethodDefinition<unknown, unknown>;
    const values = Float32Array.from({ length: 50_000 }, (_, i) => i / 4);
    const input = { name: 'x', datatype: 'FP32', shape: [1, 50_000] };
    const raw = method.requestSerialize({ model_name: 'm', id: 'raw', inputs: [input], raw_input_contents: [Buffer.from(values.buffer)] });
    const packed = method.requestSerialize({ model_name: 'm', id: 'typed', inputs: [{ ...input, contents: { fp32_contents: Array.from(values) } }] });
    // INT32 contents are varints, read one number at a time.
    const ints = method.requestSerialize({ model_name: 'm', id: 'ints', inputs: [{ ...input, datatype: 'INT32', contents: { int_contents: Array.from(values, (v) => Math.round(v * 1000)) } }] });
    expect(Math.min(raw.length, packed.length, ints.length)).toBeGreaterThan(128 * 1024);
    const inline = pool.decodeGrpc(raw);
    expect(inline).not.toBeInstanceOf(Promise);
    const packedInline = pool.decodeGrpc(packed);
    expect(packedInline).not.toBeInstanceOf(Promise);
    const offloaded = pool.decodeGrpc(ints);
    expect(offloaded).toBeInstanceOf(Promise);
    expect(Array.from(((await offloaded).inputs[0]!.data as Int32Array).subarray(0, 3))).toEqual([0, 250, 500]);
    for (const request of [inline, packedInline] as Awaited<typeof offloaded>[]) {
      expect(request.inputs[0]!.shape).toEqual([1, 50_000]);
      expect(Array.from((request.inputs[0]!.data as Float32Array).subarray(0, 3))).toEqual([0, 0.25, 0.5]);
    }
  });

  it('rejects a large body the worker cannot decode as the client\'s mistake', async () => {
    const bad = Buffer.concat([largeBody(40_000), Buffer.from('}')]);
    await expect(pool.decode(bad, undefined)).rejects.toBeInstanceOf(InvalidInputError);
  });
});
