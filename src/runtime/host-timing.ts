// Timing a model on this host to pick its runtime (`auto`): one thread through a worker, every core and a batch if it
// is slow, the event loop if it is fast and its format can run there. Used by variant loading and by the profiler's start.

import { totalmem } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import { performance } from 'node:perf_hooks';
import type { ModelVersion } from '../core/model-version.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import {
  FAST_BATCH, FAST_RUN_MICROS, fitsEventLoop, pickRuntime, SLOW_BATCH, slowThreads, wantsBatchTiming, wantsEventLoopTiming, wantsThreadTiming, type ModelTiming,
  type RuntimePick,
} from './auto-runtime.js';
import type { Runner } from './runner.js';
import type { RunnerLoader } from './runner-loader.js';
import { warmupRequest } from './warmup.js';

/** Untimed runs first, then timed ones until either bound is reached. */
const UNTIMED_RUNS = 3;
const TIMED_RUNS = 15;
const TIMING_BUDGET_MS = 300;
/** Pause before a model that timed slow, or too slow for the event loop, is timed again (see pickForHost). */
const RELOOK_AFTER_MS = 250;
/**
 * Looks at a fast model on the event loop before keeping it off: each a pause apart, keeping each figure's fastest
 * reading. A server process starting restores every endpoint while Python workers start beside it; one or two
 * unlucky looks there put a 0.03 ms model behind a thread hop for the life of the process.
 */
const EVENT_LOOP_LOOKS = 4;

/** The timing now under way in this process: two models timed at once (endpoints restored together) slow each other. */
let timingTurn: Promise<unknown> = Promise.resolve();

function oneAtATime<T>(work: () => Promise<T>): Promise<T> {
  const mine = timingTurn.then(work, work);
  timingTurn = mine.catch(() => undefined);
  return mine;
}

/**
 * The fastest of several runs of `rows` rows (the first dimension) on one runner, in microseconds: what the model
 * costs here. Noise — other work on the host, other models loading on the same event loop — only ever adds to a run.
 */
export async function timeRuns(runner: Runner, rows = 1): Promise<number> {
  for (let i = 0; i < UNTIMED_RUNS; i++) await runner.run(warmupRequest(runner.signature, rows));
  const times: number[] = [];
  const started = performance.now();
  while (times.length < TIMED_RUNS && (times.length < 3 || performance.now() - started < TIMING_BUDGET_MS)) {
    const request = warmupRequest(runner.signature, rows);
    const t = performance.now();
    await runner.run(request);
    times.push((performance.now() - t) * 1000);
  }
  return Math.min(...times);
}

const sameShape = (a: RuntimeConfig, b: RuntimeConfig): boolean =>
  a.instances === b.instances && a.intraOpThreads === b.intraOpThreads && a.busyIntraOpThreads === b.busyIntraOpThreads &&
  a.interOpThreads === b.interOpThreads && a.onEventLoop === b.onEventLoop;

/**
 * Times the model and picks its runtime for this host. The timed runner that matches the pick is returned (`kept`) for
 * the caller to serve with or dispose; the others are disposed. A runner that fails here rejects.
 */
export function pickForHost(
  runners: RunnerLoader, version: ModelVersion, base: RuntimeConfig, batchingBlocker: string | undefined, label: string,
): Promise<{ pick: RuntimePick; kept: Runner | undefined }> {
  return oneAtATime(() => timeAndPick(runners, version, base, batchingBlocker, label));
}

async function timeAndPick(
  runners: RunnerLoader, version: ModelVersion, base: RuntimeConfig, batchingBlocker: string | undefined, label: string,
): Promise<{ pick: RuntimePick; kept: Runner | undefined }> {
  const { cores } = runners.host;
  const probes: { runtime: RuntimeConfig; runner: Runner }[] = [];
  const probe = async (intraOpThreads: number, onEventLoop = false): Promise<Runner> => {
    const runtime = { ...base, instances: 1, intraOpThreads, busyIntraOpThreads: 0, interOpThreads: 1, onEventLoop };
    const runner = await runners.loadRunner(version, runtime, label);
    probes.push({ runtime, runner });
    return runner;
  };
  let pick: RuntimePick;
  try {
    const worker = await probe(1);
    let oneThreadMicros = await timeRuns(worker);
    if (oneThreadMicros >= FAST_RUN_MICROS) {
      // A busy moment (another model loading, a sibling server process starting) can make a fast model look slow, and
      // that mistake costs the most (a thread hop per request, threads it cannot use): look again a moment later.
      await delay(RELOOK_AFTER_MS);
      oneThreadMicros = Math.min(oneThreadMicros, await timeRuns(worker));
    }
    const timing: ModelTiming = { oneThreadMicros };
    const allThreads = wantsThreadTiming(oneThreadMicros, cores) ? await probe(cores) : undefined;
    if (allThreads) timing.allThreadsMicros = await timeRuns(allThreads);
    if (wantsBatchTiming(oneThreadMicros, batchingBlocker === undefined)) {
      // A batch on the threads the model will run with: whether it is cheaper per row than single runs there.
      timing.slowBatchMicros = await timeRuns(slowThreads(timing, cores) > 1 ? allThreads! : worker, SLOW_BATCH);
    }
    // A package with a handler never runs on the event loop (onnx-event-loop-runner refuses it).
    const onLoopPossible = runners.factory.runsOnEventLoop(version.format) && version.manifest.handler === undefined;
    if (wantsEventLoopTiming(oneThreadMicros, onLoopPossible)) {
      const onLoop = await probe(1, true);
      const timeLoop = async (): Promise<{ oneRowMicros: number; fullBatchMicros: number }> => {
        const oneRowMicros = await timeRuns(onLoop);
        return { oneRowMicros, fullBatchMicros: batchingBlocker ? oneRowMicros : await timeRuns(onLoop, FAST_BATCH) };
      };
      timing.eventLoop = await timeLoop();
      for (let look = 1; look < EVENT_LOOP_LOOKS && !fitsEventLoop(timing); look++) {
        // Noise only ever adds to a run, and a busy host (a load test, other models loading) can push a fast model off
        // the event loop by an unlucky round: look again later and keep each figure's faster reading before deciding.
        await delay(RELOOK_AFTER_MS);
        const again = await timeLoop();
        timing.oneThreadMicros = Math.min(timing.oneThreadMicros, await timeRuns(worker));
        timing.eventLoop = {
          oneRowMicros: Math.min(timing.eventLoop.oneRowMicros, again.oneRowMicros),
          fullBatchMicros: Math.min(timing.eventLoop.fullBatchMicros, again.fullBatchMicros),
        };
      }
    }
    const busySessions = runners.factory.takesBusyThreads(version.format) ? { hostBytes: totalmem(), modelBytes: version.size } : undefined;
    pick = pickRuntime(base, timing, { cores, batchingBlocker, processes: runners.host.processes, ...(busySessions ? { busySessions } : {}) });
  } catch (err) {
    await Promise.all(probes.map((p) => p.runner.dispose()));
    throw err;
  }
  const kept = probes.find((p) => sameShape(p.runtime, pick.runtime));
  await Promise.all(probes.filter((p) => p !== kept).map((p) => p.runner.dispose()));
  return { pick, kept: kept?.runner };
}
