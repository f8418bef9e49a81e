import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNTIME, resolveRuntimeConfig } from '../core/runtime-config.js';
import { pickRuntime, wantsThreadTiming } from './auto-runtime.js';

const batchable = { cores: 2, batchingBlocker: undefined };
const fixedShape = { cores: 2, batchingBlocker: 'input "x" has shape [1,3]' };

describe('pickRuntime', () => {
  it('gives a fast model one instance, one thread and batching of what queues (no waiting window)', () => {
    const { runtime, reason } = pickRuntime(DEFAULT_RUNTIME, { oneThreadMicros: 60 }, batchable);
    expect(runtime).toMatchObject({ auto: true, instances: 1, intraOpThreads: 1, maxBatchSize: 32, maxQueueDelayMicros: 0 });
    expect(reason).toBe('one run takes 0.060 ms, about what a thread hop costs: 1 instance with 1 thread, and requests that queue while it runs share a batch (up to 32 rows)');
    expect(pickRuntime(DEFAULT_RUNTIME, { oneThreadMicros: 60 }, fixedShape).runtime.maxBatchSize).toBe(1);
  });

  it('gives a slow model every core per run when threads speed it up, and batches of up to 8', () => {
    const { runtime, reason } = pickRuntime(DEFAULT_RUNTIME, { oneThreadMicros: 20_000, allThreadsMicros: 11_000 }, batchable);
    expect(runtime).toMatchObject({ instances: 1, intraOpThreads: 2, maxBatchSize: 8 });
    expect(reason).toContain('20.0 ms on 1 thread and 11.0 ms on 2: 1 instance using all 2 cores per run');
  });

  it('gives a slow model that threads do not speed up one instance per core', () => {
    const { runtime, reason } = pickRuntime(DEFAULT_RUNTIME, { oneThreadMicros: 20_000, allThreadsMicros: 19_000 }, fixedShape);
    expect(runtime).toMatchObject({ instances: 2, intraOpThreads: 1, maxBatchSize: 1 });
    expect(reason).toContain('too little gain: 2 instances with 1 thread each; no batching (input "x" has shape [1,3])');
  });

  it('keeps the queue size the deploy set', () => {
    expect(pickRuntime({ ...DEFAULT_RUNTIME, maxQueueSize: 7 }, { oneThreadMicros: 10 }, batchable).runtime.maxQueueSize).toBe(7);
  });

  it('times every core only for a slow model on a multi-core host', () => {
    expect(wantsThreadTiming(500, 4)).toBe(false);
    expect(wantsThreadTiming(5000, 4)).toBe(true);
    expect(wantsThreadTiming(5000, 1)).toBe(false);
  });
});

describe('auto in a written runtime', () => {
  it('is on when no tuned setting is written, off when one is, and as written when written', () => {
    expect(resolveRuntimeConfig({}).auto).toBe(true);
    expect(resolveRuntimeConfig({ maxQueueSize: 10 }).auto).toBe(true);
    expect(resolveRuntimeConfig({ instances: 2 }).auto).toBe(false);
    expect(resolveRuntimeConfig({ instances: 2, auto: true }).auto).toBe(true);
    // A spec stored before `auto` existed names every setting: it keeps running as it was written.
    const { auto: _auto, ...stored } = DEFAULT_RUNTIME;
    expect(resolveRuntimeConfig(stored).auto).toBe(false);
    expect(() => resolveRuntimeConfig({ auto: 'yes' as unknown as boolean })).toThrow('runtime.auto: expected true or false, got "yes"');
  });
});
