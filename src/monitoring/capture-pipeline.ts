// The capture pipeline: per-endpoint capture settings, a bounded in-memory buffer that the serving path only appends
// to (dropping and counting when full, never waiting), batched flushes to the store, and retention.

import { CaptureBatch, tensorBytes, type FinishedCapture } from '../core/capture-batch.js';
import type { CaptureConfig } from '../core/capture-config.js';
import type { CaptureSink } from '../serving/capture-sink.js';
import type { LoopStore } from '../store/loop-store.js';
import type { LoopMetrics } from './loop-metrics.js';

export interface CapturePipelineOptions {
  /** Records held in memory at most; past it new records are dropped (and counted). */
  bufferRecords: number;
  /** Bytes of tensors held in memory at most. */
  bufferBytes: number;
  /** A flush starts as soon as this many records wait, else every flushIntervalMs. */
  batchRecords: number;
  flushIntervalMs: number;
  /** How often retention removes old records. */
  retentionIntervalMs: number;
}

export const DEFAULT_PIPELINE: CapturePipelineOptions = {
  bufferRecords: 20_000,
  bufferBytes: 64 * 1024 * 1024,
  batchRecords: 2_000,
  flushIntervalMs: 200,
  retentionIntervalMs: 60_000,
};

/** A written batch is kept for the next flush only up to this size (a steady digits load fills ~1 MB per flush). */
const SPARE_MAX_BYTES = 8 * 1024 * 1024;

export class CapturePipeline implements CaptureSink {
  private readonly configs = new Map<string, CaptureConfig>();
  /** Records since the last flush, packed as they arrive (see CaptureBatch). */
  private batch = new CaptureBatch();
  /** The batch last written, emptied for the next flush: its memory is warm (see CaptureBatch). */
  private spare: CaptureBatch | undefined;
  private flushing: Promise<void> | undefined;
  private readonly flushTimer: NodeJS.Timeout;
  private readonly retentionTimer: NodeJS.Timeout;
  private closed = false;
  private flushed: (endpoints: Set<string>) => void = () => undefined;

  constructor(
    private readonly store: Pick<LoopStore, 'appendCaptures' | 'trimCaptures'>,
    private readonly metrics: LoopMetrics,
    private readonly options: CapturePipelineOptions = DEFAULT_PIPELINE,
    private readonly log: (details: object, message: string) => void = () => undefined,
    /** Whether this replica holds the retention duty: old captures are removed by one replica only. */
    private readonly holdsRetention: () => boolean = () => true,
  ) {
    this.flushTimer = setInterval(() => void this.flush(), options.flushIntervalMs);
    this.retentionTimer = setInterval(() => {
      if (this.holdsRetention()) void this.applyRetention();
    }, options.retentionIntervalMs);
    this.flushTimer.unref();
    this.retentionTimer.unref();
  }

  /**
   * Registers the one listener told after each successful flush which endpoints got records (monitors look at new data
   * then). A method, not a constructor argument: the monitors are built after the endpoints, which capture into this.
   */
  onFlushed(listener: (endpoints: Set<string>) => void): void {
    this.flushed = listener;
  }

  /** Sets (or, with undefined, forgets) an endpoint's capture settings. */
  configure(endpoint: string, config: CaptureConfig | undefined): void {
    if (config) this.configs.set(endpoint, config);
    else this.configs.delete(endpoint);
  }

  /** The endpoint's settings while capture is on; undefined (one map lookup) when it is off. */
  active(endpoint: string): CaptureConfig | undefined {
    const config = this.configs.get(endpoint);
    return config?.enabled ? config : undefined;
  }

  get buffered(): number {
    return this.batch.count;
  }

  /** Takes a record if there is room (packing it into the batch now); otherwise drops it and counts the drop. Never waits. */
  offer(record: FinishedCapture, inputBytes = tensorBytes(record.inputs), outputBytes = tensorBytes(record.outputs)): void {
    const batch = this.batch;
    if (this.closed || batch.count >= this.options.bufferRecords || batch.tensorBytes + inputBytes + outputBytes > this.options.bufferBytes) {
      this.metrics.droppedRecords(record.endpoint, 'buffer_full');
      return;
    }
    try {
      batch.append(record, inputBytes, outputBytes);
    } catch (err) {
      // A record that cannot be encoded is left out of the batch whole (append writes nothing then), never the request.
      this.metrics.droppedRecords(record.endpoint, 'write_error');
      this.log({ endpoint: record.endpoint, err: (err as Error).message }, 'capture record could not be encoded; dropped');
      return;
    }
    if (batch.count >= this.options.batchRecords && !this.flushing) void this.flush();
  }

  /** Writes everything buffered now (one flush at a time; a call during a flush waits for it and then writes the rest). */
  async flush(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (this.batch.count === 0) return;
    const batch = this.batch;
    this.batch = this.spare ?? new CaptureBatch();
    this.spare = undefined;
    this.flushing = this.write(batch).finally(() => {
      // Stored or failed, the store is done with the batch's memory; one that a burst grew large is let go.
      batch.reset();
      if (batch.capacity <= SPARE_MAX_BYTES) this.spare = batch;
      this.flushing = undefined;
    });
    await this.flushing;
  }

  /** Flushes what is buffered and stops taking records. */
  async close(): Promise<void> {
    clearInterval(this.flushTimer);
    clearInterval(this.retentionTimer);
    await this.flush();
    this.closed = true;
  }

  /** Removes records past each endpoint's retention (age, count, size). */
  async applyRetention(now = Date.now()): Promise<number> {
    let removed = 0;
    for (const [endpoint, config] of this.configs) {
      if (config.retentionMs === 0 && config.retentionRows === 0 && config.retentionBytes === 0) continue;
      try {
        removed += await this.store.trimCaptures(endpoint, {
          before: config.retentionMs > 0 ? now - config.retentionMs : null,
          keepRows: config.retentionRows > 0 ? config.retentionRows : null,
          keepBytes: config.retentionBytes > 0 ? config.retentionBytes : null,
        });
      } catch (err) {
        this.log({ endpoint, err: (err as Error).message }, 'capture retention failed');
      }
    }
    return removed;
  }

  private async write(batch: CaptureBatch): Promise<void> {
    const perEndpoint = batch.endpoints;
    try {
      await this.store.appendCaptures(batch);
      for (const [endpoint, n] of perEndpoint) this.metrics.capturedRecords(endpoint, n);
      this.flushed(new Set(perEndpoint.keys()));
    } catch (err) {
      // Lost, not retried: a store that cannot write would otherwise grow the buffer without bound. Counted and logged.
      for (const [endpoint, n] of perEndpoint) this.metrics.droppedRecords(endpoint, 'write_error', n);
      this.log({ records: batch.count, err: (err as Error).message }, 'capture write failed; records dropped');
    }
  }
}
