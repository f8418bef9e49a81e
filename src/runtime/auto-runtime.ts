// The runtime a deploy gets when it names no instances, threads or batching: picked for this host from how long one
// run of the model takes. Pure; the variant loader measures and calls it.

import type { RuntimeConfig } from '../core/runtime-config.js';

/**
 * Below this a run costs about what handing it to a worker thread and back does (~0.05–0.25 ms): the event loop, not
 * the model, bounds throughput, so more instances or threads buy nothing and batching is what pays.
 */
export const FAST_RUN_MICROS = 1000;
/** The longest a full batch may hold the event loop for the model to run there (other requests wait meanwhile). */
export const EVENT_LOOP_STALL_MICROS = 1000;
/** On the event loop a run must cost at most this share of the hop-included time to be worth moving there. */
const EVENT_LOOP_GAIN = 0.5;
/** A second thread must cut a run's time by this much to be worth giving every run all the cores. */
const THREAD_GAIN = 0.8;
/** Rows a batch may grow to: large for fast models (one hop for many requests), small for slow ones (latency). */
export const FAST_BATCH = 32;
export const SLOW_BATCH = 8;
/**
 * A slow model batches only when a batch of SLOW_BATCH rows costs at most this share of as many single runs: on a CPU a
 * model that computes for milliseconds is often no cheaper per row in a batch (ResNet-18 here: 0.93×), and then a batch
 * only makes its first request wait for the last.
 */
const SLOW_BATCH_GAIN = 0.8;
/**
 * Instances of a slow model whose runs threads speed up (each with every core; see pickRuntime). Each server process
 * (`serve --workers`) gets them all: a connection's requests stay with one process (a gRPC channel is one connection),
 * so any one may have the whole load; when several are busy their threads sleep rather than spin (threadsMaySpin
 * counts every process's).
 */
const SLOW_INSTANCES = 2;
/**
 * The second sessions (fewer threads, for runs that start while another instance runs; see busyIntraOpThreads) of every
 * instance in every server process may hold at most this share of the host's memory, counted as one model file each.
 */
const BUSY_SESSIONS_MEMORY_SHARE = 1 / 8;

/**
 * Threads a run of a slow model gets when it starts while another instance runs: the cores shared out among every
 * instance of every process, so runs side by side fit them; 0 (as intraOpThreads) when that is no fewer, when the
 * format cannot, or when the second sessions would not fit in memory.
 */
export function busyThreads(intraOpThreads: number, instances: number, host: HostFit): number {
  const processes = host.processes ?? 1;
  const share = Math.max(1, Math.floor(host.cores / (instances * processes)));
  const memory = host.busySessions;
  if (!memory || share >= intraOpThreads) return 0;
  return processes * instances * memory.modelBytes > memory.hostBytes * BUSY_SESSIONS_MEMORY_SHARE ? 0 : share;
}

export interface ModelTiming {
  /** Fastest of several single-row runs through a runner with one intra-op thread, thread hop included. */
  oneThreadMicros: number;
  /** The same with `cores` intra-op threads; measured only for slow models on a host with more than one core. */
  allThreadsMicros?: number;
  /** For a fast model whose format can run on the event loop: one single-row run there, and one full batch. */
  eventLoop?: { oneRowMicros: number; fullBatchMicros: number };
  /** For a slow model that can batch: one run of SLOW_BATCH rows with the threads it will get (see slowThreads). */
  slowBatchMicros?: number;
}

export interface HostFit {
  cores: number;
  /** Why the model cannot batch, if it cannot (see batchingBlocker). */
  batchingBlocker: string | undefined;
  /** Server processes on the host, each with the instances picked here (`serve --workers`); 1 when absent. */
  processes?: number;
  /**
   * When the model's format can give a run beside another instance's fewer threads (a second session per instance):
   * the host's memory and the model file's size, in bytes, for whether those sessions fit. Absent: it cannot.
   */
  busySessions?: { hostBytes: number; modelBytes: number };
}

export interface RuntimePick {
  runtime: RuntimeConfig;
  /** One sentence for `slipway endpoints show`: what was measured and what follows from it. */
  reason: string;
}

/** Whether the loader should also time the model on the event loop: only a fast one, in a format that can run there. */
export function wantsEventLoopTiming(oneThreadMicros: number, formatCan: boolean): boolean {
  return formatCan && oneThreadMicros < FAST_RUN_MICROS;
}

/** Whether the loader should also time a run with every core: only for a slow model on a multi-core host. */
export function wantsThreadTiming(oneThreadMicros: number, cores: number): boolean {
  return cores > 1 && oneThreadMicros >= FAST_RUN_MICROS;
}

/** Whether a slow model's runs get every core (threads cut a run's time enough) or one thread each. */
export function slowThreads(timing: Pick<ModelTiming, 'oneThreadMicros' | 'allThreadsMicros'>, cores: number): number {
  return timing.allThreadsMicros !== undefined && timing.allThreadsMicros <= timing.oneThreadMicros * THREAD_GAIN ? cores : 1;
}

/** Whether the loader should time a batch of a slow model: only one that can batch. */
export function wantsBatchTiming(oneThreadMicros: number, batchable: boolean): boolean {
  return batchable && oneThreadMicros >= FAST_RUN_MICROS;
}

/** Whether the timings say the event loop: a fast model whose run there costs well under the hop, a batch under 1 ms. */
export function fitsEventLoop(timing: ModelTiming): boolean {
  const loop = timing.eventLoop;
  return timing.oneThreadMicros < FAST_RUN_MICROS && loop !== undefined &&
    loop.oneRowMicros <= timing.oneThreadMicros * EVENT_LOOP_GAIN && loop.fullBatchMicros <= EVENT_LOOP_STALL_MICROS;
}

const ms = (micros: number): string => `${(micros / 1000).toFixed(micros < 1000 ? 3 : 1)} ms`;

/** Instances, threads and batching for this host; the other settings (queue size, provider) stay as `base` has them. */
export function pickRuntime(base: RuntimeConfig, timing: ModelTiming, host: HostFit): RuntimePick {
  const { oneThreadMicros: one, allThreadsMicros: all } = timing;
  const batchable = host.batchingBlocker === undefined;
  const unbatched = batchable ? '' : `; no batching (${host.batchingBlocker})`;
  const fixed = { ...base, auto: true, busyIntraOpThreads: 0, interOpThreads: 1, onEventLoop: false, preferredBatchSizes: [], maxQueueDelayMicros: 0 };
  const loop = timing.eventLoop;
  if (loop && fitsEventLoop(timing)) {
    return {
      runtime: { ...fixed, instances: 1, intraOpThreads: 1, onEventLoop: true, maxBatchSize: batchable ? FAST_BATCH : 1 },
      reason: `one run takes ${ms(loop.oneRowMicros)} on the event loop and ${ms(one)} through a worker thread: it runs on the event loop` +
        (batchable ? `, and requests that queue while it runs share a batch (up to ${FAST_BATCH} rows, ${ms(loop.fullBatchMicros)})` : unbatched),
    };
  }
  if (one < FAST_RUN_MICROS) {
    return {
      runtime: { ...fixed, instances: 1, intraOpThreads: 1, maxBatchSize: batchable ? FAST_BATCH : 1 },
      reason: `one run takes ${ms(one)}, about what the hop to its worker costs: 1 instance with 1 thread` +
        (batchable ? `, and requests that queue while it runs share a batch (up to ${FAST_BATCH} rows)` : unbatched),
    };
  }
  const threads = slowThreads(timing, host.cores);
  const single = threads > 1 && all !== undefined ? all : one;
  const batched = timing.slowBatchMicros;
  const batch = batchable && batched !== undefined && batched <= single * SLOW_BATCH * SLOW_BATCH_GAIN ? SLOW_BATCH : 1;
  const batching = !batchable
    ? unbatched
    : batched === undefined
      ? '; no batching (a batch was not timed)'
      : `; ${SLOW_BATCH} rows take ${ms(batched)} in one run, ${(batched / (single * SLOW_BATCH)).toFixed(2)}× as many single runs: ` +
        (batch > 1 ? `requests that queue share a batch (up to ${SLOW_BATCH} rows)` : 'no batching, a batch would only make its first request wait');
  if (threads > 1 && all !== undefined) {
    // Two instances of all the cores each: a lone request gets every core, two at once share them — each on fewer
    // threads when it starts while the other runs (busyThreads), else their threads sleep rather than spin when they
    // outnumber the cores (see threadsMaySpin). One instance left half the machine idle between a batch's end and the
    // next; one per core made a lone request use one core.
    const busy = busyThreads(host.cores, SLOW_INSTANCES, host);
    const sideBySide = busy > 0
      ? `, and a run that starts while another runs gets ${busy} thread${busy === 1 ? '' : 's'}, so runs side by side fit the cores`
      : ' and two run side by side';
    return {
      runtime: { ...fixed, instances: SLOW_INSTANCES, intraOpThreads: host.cores, busyIntraOpThreads: busy, maxBatchSize: batch },
      reason: `one run takes ${ms(one)} on 1 thread and ${ms(all)} on ${host.cores}: ${SLOW_INSTANCES} instances of ${host.cores} threads each, ` +
        `so a lone request uses every core${sideBySide}${batching}`,
    };
  }
  const instances = Math.max(1, host.cores);
  return {
    runtime: { ...fixed, instances, intraOpThreads: 1, maxBatchSize: batch },
    reason: all === undefined
      ? `one run takes ${ms(one)} and this host has 1 core: 1 instance with 1 thread${batching}`
      : `one run takes ${ms(one)} on 1 thread and ${ms(all)} on ${host.cores}, too little gain: ${instances} instances with 1 thread each${batching}`,
  };
}
