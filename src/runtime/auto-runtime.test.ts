import { describe, expect, it } from 'vitest';
import { DEFAULT_RUNTIME, resolveRuntimeConfig } from '../core/runtime-config.js';
import { busyThreads, fitsEventLoop, pickRuntime, slowThreads, wantsBatchTiming, wantsEventLoopTiming, wantsThreadTiming } from './auto-runtime.js';

const batchable = { cores: 2, batchingBlocker: undefined, busySessions: { hostBytes: 24e9, modelBytes: 45e6 } };
const fixedShape = { cores: 2, batchingBlocker: 'input "x" has shape [1,3]' };

describe('pickRuntime', () => {
  it('gives a fast model one instance, one thread and batching of what queues (no waiting window)', () => {
    const { runtime, reason } = pickRuntime(DEFAULT_RUNTIME, { oneThreadMicros: 60 }, batchable);
    expect(runtime).toMatchObject({ auto: true, instances: 1, intraOpThreads: 1, maxBatchSize: 32, maxQueueDelayMicros: 0 });
    expect(reason).toBe('one run takes 0.060 ms, about what the hop to its worker costs: 1 instance with 1 thread, and requests that queue while it runs share a batch (up to 32 rows)');
    expect(pickRuntime(DEFAULT_RUNTIME, { oneThreadMicros: 60 }, fixedShape).runtime.maxBatchSize).toBe(1);
  });

  it('gives a slow model every core per run when threads speed it up, two instances of them, and batches only when cheaper per row', () => {
    const slow = { oneThreadMicros: 20_000, allThreadsMicros: 11_000 };
    const { runtime, reason } = pickRuntime(DEFAULT_RUNTIME, { ...slow, slowBatchMicros: 82_000 }, batchable);
    expect(runtime).toMatchObject({ instances: 2, intraOpThreads: 2, busyIntraOpThreads: 1, maxBatchSize: 1 });
    expect(reason).toBe(
      'one run takes 20.0 ms on 1 thread and 11.0 ms on 2: 2 instances of 2 threads each, so a lone request uses every core, and a run that starts ' +
      'while another runs gets 1 thread, so runs side by side fit the cores; ' +
      '8 rows take 82.0 ms in one run, 0.93× as many single runs: no batching, a batch would only make its first request wait',
    );
    const cheap = pickRuntime(DEFAULT_RUNTIME, { ...slow, slowBatchMicros: 40_000 }, batchable);
    expect(cheap.runtime).toMatchObject({ instances: 2, intraOpThreads: 2, maxBatchSize: 8 });
    expect(cheap.reason).toContain('8 rows take 40.0 ms in one run, 0.45× as many single runs: requests that queue share a batch (up to 8 rows)');
    expect(pickRuntime(DEFAULT_RUNTIME, slow, batchable).runtime.maxBatchSize).toBe(1);
    // One thread per instance: the batch is judged against the one-thread run.
    expect(pickRuntime(DEFAULT_RUNTIME, { oneThreadMicros: 20_000, allThreadsMicros: 19_000, slowBatchMicros: 120_000 }, batchable).runtime)
      .toMatchObject({ instances: 2, intraOpThreads: 1, maxBatchSize: 8 });
  });

  it('gives a run of a slow model that starts while another runs its share of the cores, if its second session fits in memory', () => {
    const slow = { oneThreadMicros: 20_000, allThreadsMicros: 6_000 };
    const eight = { cores: 8, batchingBlocker: undefined, busySessions: { hostBytes: 16e9, modelBytes: 45e6 } };
    expect(pickRuntime(DEFAULT_RUNTIME, slow, eight).runtime).toMatchObject({ instances: 2, intraOpThreads: 8, busyIntraOpThreads: 4 });
    // Every server process runs its own instances: 4 processes × 2 instances share 8 cores.
    expect(busyThreads(8, 2, { ...eight, processes: 4 })).toBe(1);
    expect(busyThreads(2, 2, { ...eight, cores: 2, processes: 2 })).toBe(1);
    // No fewer than intraOpThreads, or a format without second sessions: none.
    expect(busyThreads(1, 2, eight)).toBe(0);
    expect(busyThreads(8, 2, { cores: 8, batchingBlocker: undefined })).toBe(0);
    // 2 processes × 2 instances × 300 MB fits in 1/8 of 16 GB; × 600 MB does not.
    expect(busyThreads(8, 2, { ...eight, processes: 2, busySessions: { hostBytes: 16e9, modelBytes: 300e6 } })).toBe(2);
    const large = pickRuntime(DEFAULT_RUNTIME, slow, { ...eight, processes: 2, busySessions: { hostBytes: 16e9, modelBytes: 600e6 } });
    expect(large.runtime).toMatchObject({ instances: 2, intraOpThreads: 8, busyIntraOpThreads: 0 });
    expect(large.reason).toContain('so a lone request uses every core and two run side by side');
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

  it('times a batch only for a slow model that can batch, on the threads it will run with', () => {
    expect(wantsBatchTiming(500, true)).toBe(false);
    expect(wantsBatchTiming(5000, true)).toBe(true);
    expect(wantsBatchTiming(5000, false)).toBe(false);
    expect(slowThreads({ oneThreadMicros: 20_000, allThreadsMicros: 11_000 }, 4)).toBe(4);
    expect(slowThreads({ oneThreadMicros: 20_000, allThreadsMicros: 19_000 }, 4)).toBe(1);
    expect(slowThreads({ oneThreadMicros: 20_000 }, 1)).toBe(1);
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

describe('pickRuntime on the event loop', () => {
  const fast = { oneThreadMicros: 200 };
  it('runs a model on the event loop when a run there costs at most half the hop and a full batch holds it briefly', () => {
    const { runtime, reason } = pickRuntime(DEFAULT_RUNTIME, { ...fast, eventLoop: { oneRowMicros: 20, fullBatchMicros: 45 } }, batchable);
    expect(runtime).toMatchObject({ onEventLoop: true, instances: 1, intraOpThreads: 1, maxBatchSize: 32 });
    expect(reason).toBe('one run takes 0.020 ms on the event loop and 0.200 ms through a worker thread: it runs on the event loop, and requests that queue while it runs share a batch (up to 32 rows, 0.045 ms)');
  });

  it('keeps a worker thread when the event loop saves too little, or a full batch would hold it too long', () => {
    expect(pickRuntime(DEFAULT_RUNTIME, { ...fast, eventLoop: { oneRowMicros: 150, fullBatchMicros: 300 } }, batchable).runtime.onEventLoop).toBe(false);
    expect(pickRuntime(DEFAULT_RUNTIME, { ...fast, eventLoop: { oneRowMicros: 20, fullBatchMicros: 5000 } }, batchable).runtime.onEventLoop).toBe(false);
  });

  it('says whether the timings fit the event loop, as the pick judges them (the loader looks twice before saying no)', () => {
    for (const eventLoop of [{ oneRowMicros: 20, fullBatchMicros: 45 }, { oneRowMicros: 150, fullBatchMicros: 300 }, { oneRowMicros: 20, fullBatchMicros: 5000 }]) {
      const timing = { ...fast, eventLoop };
      expect(fitsEventLoop(timing)).toBe(pickRuntime(DEFAULT_RUNTIME, timing, batchable).runtime.onEventLoop);
    }
    expect(fitsEventLoop(fast)).toBe(false);
  });

  it('times the event loop only for a fast model in a format that can run there', () => {
    expect(wantsEventLoopTiming(200, true)).toBe(true);
    expect(wantsEventLoopTiming(200, false)).toBe(false);
    expect(wantsEventLoopTiming(5000, true)).toBe(false);
  });
});

describe('onEventLoop in a written runtime', () => {
  it('is one instance, and fixes the runtime like any tuned setting', () => {
    expect(resolveRuntimeConfig({ onEventLoop: true })).toMatchObject({ onEventLoop: true, auto: false, instances: 1 });
    expect(() => resolveRuntimeConfig({ onEventLoop: true, instances: 2 })).toThrow('runtime.instances: expected 1 with onEventLoop (the event loop is one thread), got 2');
  });
});
