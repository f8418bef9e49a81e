// The packed capture batch: every field and tensor read back exactly, growth past its first buffer, a record that
// fails to encode leaves the batch as it was, damaged bytes are an error.
import { describe, expect, it } from 'vitest';
import { CaptureBatch, readCaptures, recordsOf, tensorBytes, type FinishedCapture } from './capture-batch.js';
import { decodeTensors, encodeTensors } from './capture-codec.js';
import type { CaptureRecord } from './capture-config.js';
import type { Tensor } from './tensor.js';

const inputs: Tensor[] = [
  { name: 'pixels', datatype: 'FP32', shape: [1, 4], data: Float32Array.of(0.5, -1, 3.25, 1e-7) },
  { name: 'ids', datatype: 'INT64', shape: [1, 2], data: BigInt64Array.of(-(2n ** 62n), 7n) },
  { name: 'text', datatype: 'BYTES', shape: [2], data: ['héllo', ''] },
];
const outputs: Tensor[] = [{ name: 'label', datatype: 'INT64', shape: [1], data: BigInt64Array.of(3n) }];

function finished(i: number, over: Partial<FinishedCapture> = {}): FinishedCapture {
  return {
    endpoint: 'digits', requestId: `req-${i}`, time: 1_764_800_000_000 + i, variant: 'primary', model: 'digits:1', version: 1,
    status: 'ok', latencyMs: 0.125 * i, rows: 1, inputs, outputs, truncated: false, error: null, ...over,
  };
}

describe('capture batch', () => {
  it('reads each record\'s own strings where neighbours repeat or differ by a byte', () => {
    // Reading reuses the previous record's text when the bytes match: a near miss (same length, one byte apart) must not.
    const over: Partial<FinishedCapture>[] = [
      { endpoint: 'ab', variant: 'v1', model: 'm', error: null },
      { endpoint: 'ab', variant: 'v1', model: 'm', error: 'x' },
      { endpoint: 'ac', variant: 'v2', model: 'm', error: 'y' },
      { endpoint: 'ac', variant: 'v2', model: 'n', error: null },
      { endpoint: 'é', variant: 'v2', model: 'n', error: 'y' },
    ];
    const batch = new CaptureBatch();
    over.forEach((o, i) => batch.append(finished(i, { ...o, inputs: null, outputs: null })));
    const read = readCaptures(batch.seal()).map(({ endpoint, variant, model, error, requestId }) => ({ endpoint, variant, model, error, requestId }));
    expect(read).toEqual(over.map((o, i) => ({ ...o, requestId: `req-${i}` })));
  });

  it('reads back every field, with tensors given as tensors or already encoded', () => {
    const batch = new CaptureBatch();
    batch.append(finished(1));
    batch.append(finished(2, { inputs: encodeTensors(inputs), outputs: null, status: 'invalid', error: 'shape [1,3] ≠ [1,4] ✗', truncated: true }));
    batch.append(finished(3, { endpoint: 'ünïcode-名前', requestId: 'client-id-é', inputs: null, outputs: null, status: 'cancelled' }));
    expect(batch.count).toBe(3);
    expect(batch.endpoints).toEqual(new Map([['digits', 2], ['ünïcode-名前', 1]]));
    expect(batch.tensorBytes).toBe(2 * tensorBytes(inputs) + tensorBytes(outputs));
    const [a, b, c] = readCaptures(batch.seal());
    expect({ ...a!, inputs: null, outputs: null }).toEqual({ ...finished(1), inputs: null, outputs: null });
    expect(decodeTensors(a!.inputs!)).toEqual(inputs);
    expect(decodeTensors(a!.outputs!)).toEqual(outputs);
    expect(b!.status).toBe('invalid');
    expect(b!.error).toBe('shape [1,3] ≠ [1,4] ✗');
    expect(b!.truncated).toBe(true);
    expect(b!.outputs).toBeNull();
    expect(decodeTensors(b!.inputs!)).toEqual(inputs);
    expect(c).toMatchObject({ endpoint: 'ünïcode-名前', requestId: 'client-id-é', inputs: null, outputs: null, status: 'cancelled', error: null });
  });

  it('grows past its first buffer and keeps every record in order', () => {
    const big: Tensor[] = [{ name: 'x', datatype: 'FP32', shape: [1, 3000], data: Float32Array.from({ length: 3000 }, (_, i) => i) }];
    const batch = new CaptureBatch();
    for (let i = 0; i < 200; i++) batch.append(finished(i, { inputs: big }));
    const records = batch.toRecords();
    expect(records.map((r) => r.requestId)).toEqual(Array.from({ length: 200 }, (_, i) => `req-${i}`));
    expect(decodeTensors(records[199]!.inputs!)).toEqual(big);
  });

  it('builds the same records from stored-form records (what tools and migration append)', () => {
    const stored: CaptureRecord[] = [1, 2].map((i) => ({ ...finished(i), inputs: encodeTensors(inputs), outputs: null }));
    expect(recordsOf(CaptureBatch.of(stored))).toEqual(stored);
    expect(recordsOf(stored)).toBe(stored);
  });

  it('leaves the batch as it was when a record fails to encode', () => {
    const batch = new CaptureBatch();
    batch.append(finished(1));
    const tooMany: Tensor[] = Array.from({ length: 256 }, (_, i) => ({ name: `t${i}`, datatype: 'FP32', shape: [1], data: Float32Array.of(i) }));
    expect(() => batch.append(finished(2, { inputs: tooMany }))).toThrow(/at most 255 tensors/);
    batch.append(finished(3));
    expect(batch.toRecords().map((r) => r.requestId)).toEqual(['req-1', 'req-3']);
    expect(batch.endpoints.get('digits')).toBe(2);
  });

  it('names where damaged bytes end, rather than reading a wrong record', () => {
    const batch = new CaptureBatch();
    for (let i = 0; i < 3; i++) batch.append(finished(i));
    const { bytes, count } = batch.seal();
    for (const cut of [1, 30, bytes.length - 1]) {
      expect(() => readCaptures({ count, bytes: bytes.subarray(0, cut) })).toThrow(/capture batch is truncated/);
    }
    const badStatus = Uint8Array.from(bytes);
    badStatus[24] = 99;
    expect(() => readCaptures({ count, bytes: badStatus })).toThrow(/unknown status index 99/);
  });
});
