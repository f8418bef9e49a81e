// The capture buffer: nothing lost while there is room, every drop counted when full or when a write fails.
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { recordsOf, type CaptureAppend } from '../core/capture-batch.js';
import { decodeTensors } from '../core/capture-codec.js';
import type { CaptureRecord } from '../core/capture-config.js';
import type { Tensor } from '../core/tensor.js';
import { DEFAULT_CAPTURE } from '../core/capture-config.js';
import { CapturePipeline, DEFAULT_PIPELINE } from './capture-pipeline.js';
import { LoopMetrics } from './loop-metrics.js';

function record(i: number, bytes = 8): CaptureRecord {
  return {
    endpoint: 'e', requestId: `r${i}`, time: i, variant: 'primary', model: 'm', version: 1, status: 'ok', latencyMs: 1, rows: 1,
    inputs: new Uint8Array(bytes), outputs: null, truncated: false, error: null,
  };
}

async function counter(registry: Registry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const value = metric?.values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return value?.value ?? 0;
}

/** The store's capture table as far as the pipeline sees it: an append that can be slowed down or made to fail. */
class Table {
  rows: CaptureRecord[] = [];
  release: (() => void) | undefined;
  fail = false;
  block = false;
  async appendCaptures(batch: CaptureAppend): Promise<void> {
    if (this.block) await new Promise<void>((resolve) => (this.release = resolve));
    if (this.fail) throw new Error('disk full');
    // Copies: the pipeline reuses a batch's memory once its append settles, as a store may expect.
    this.rows.push(...recordsOf(batch).map((r) => ({ ...r, inputs: r.inputs?.slice() ?? null, outputs: r.outputs?.slice() ?? null })));
  }
  async trimCaptures(): Promise<number> {
    return 0;
  }
}

let pipeline: CapturePipeline | undefined;
afterEach(async () => {
  await pipeline?.close();
});

describe('capture pipeline', () => {
  it('writes every record when the buffer has room, in batches', async () => {
    const table = new Table();
    const registry = new Registry();
    pipeline = new CapturePipeline(table, new LoopMetrics(registry), { ...DEFAULT_PIPELINE, batchRecords: 100, flushIntervalMs: 60_000 });
    for (let i = 0; i < 1000; i++) pipeline.offer(record(i));
    await pipeline.flush();
    expect(table.rows.map((r) => r.requestId)).toEqual(Array.from({ length: 1000 }, (_, i) => `r${i}`));
    expect(await counter(registry, 'slipway_capture_records_total', { endpoint: 'e' })).toBe(1000);
    expect(await counter(registry, 'slipway_capture_dropped_total', { endpoint: 'e', reason: 'buffer_full' })).toBe(0);
  });

  it('drops and counts every record past the bound while a write is stuck, never waiting', async () => {
    const table = new Table();
    table.block = true;
    const registry = new Registry();
    pipeline = new CapturePipeline(table, new LoopMetrics(registry), { ...DEFAULT_PIPELINE, bufferRecords: 10, batchRecords: 5, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) pipeline.offer(record(i)); // starts a flush, which blocks
    for (let i = 5; i < 100; i++) pipeline.offer(record(i)); // 10 fit in the buffer, 85 are dropped
    expect(pipeline.buffered).toBe(10);
    expect(await counter(registry, 'slipway_capture_dropped_total', { endpoint: 'e', reason: 'buffer_full' })).toBe(85);
    table.block = false;
    table.release!();
    await pipeline.flush();
    expect(table.rows).toHaveLength(15);
  });

  it('bounds the bytes held, not only the records', () => {
    const registry = new Registry();
    pipeline = new CapturePipeline(new Table(), new LoopMetrics(registry), { ...DEFAULT_PIPELINE, bufferBytes: 1000, batchRecords: 1000, flushIntervalMs: 60_000 });
    for (let i = 0; i < 5; i++) pipeline.offer(record(i, 300));
    expect(pipeline.buffered).toBe(3);
  });

  it('counts records lost to a failing write as dropped', async () => {
    const table = new Table();
    table.fail = true;
    const registry = new Registry();
    pipeline = new CapturePipeline(table, new LoopMetrics(registry), { ...DEFAULT_PIPELINE, flushIntervalMs: 60_000 });
    for (let i = 0; i < 7; i++) pipeline.offer(record(i));
    await pipeline.flush();
    expect(await counter(registry, 'slipway_capture_dropped_total', { endpoint: 'e', reason: 'write_error' })).toBe(7);
  });

  it('encodes tensors handed over as tensors, and drops (counted) a record that cannot be encoded without failing the caller', async () => {
    const table = new Table();
    const registry = new Registry();
    pipeline = new CapturePipeline(table, new LoopMetrics(registry), { ...DEFAULT_PIPELINE, flushIntervalMs: 60_000 });
    const tensors: Tensor[] = [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: Float32Array.of(1.5, -2) }];
    pipeline.offer({ ...record(1), inputs: tensors, outputs: tensors });
    const tooMany: Tensor[] = Array.from({ length: 256 }, () => tensors[0]!);
    expect(() => pipeline!.offer({ ...record(2), inputs: tooMany })).not.toThrow();
    pipeline.offer(record(3));
    await pipeline.flush();
    expect(table.rows.map((r) => r.requestId)).toEqual(['r1', 'r3']);
    expect(decodeTensors(table.rows[0]!.inputs!)).toEqual(tensors);
    expect(decodeTensors(table.rows[0]!.outputs!)).toEqual(tensors);
    expect(await counter(registry, 'slipway_capture_dropped_total', { endpoint: 'e', reason: 'write_error' })).toBe(1);
  });

  it('knows which endpoints capture', () => {
    pipeline = new CapturePipeline(new Table(), new LoopMetrics(new Registry()));
    pipeline.configure('a', { ...DEFAULT_CAPTURE, enabled: true });
    pipeline.configure('b', DEFAULT_CAPTURE);
    expect(pipeline.active('a')?.enabled).toBe(true);
    expect(pipeline.active('b')).toBeUndefined();
    pipeline.configure('a', undefined);
    expect(pipeline.active('a')).toBeUndefined();
  });
});
