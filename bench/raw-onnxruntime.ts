// Raw onnxruntime-node baseline: closed-loop throughput and per-call latency of one model, in-process and in N worker threads, at a given intra-op thread count.

import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';
import { SampleBuffer, summarize, type LatencySummary } from './stats.js';

export interface RawInput {
  modelPath: string;
  inputName: string;
  /** One request's FP32 input (a batch of 1) and its shape. */
  data: Float32Array;
  shape: number[];
}

export interface RawResult {
  scenario: string;
  sessions: number;
  intraOpThreads: number;
  inferencesPerSec: number;
  latency: LatencySummary;
}

/** The session options Slipway's runner uses, at a given intra-op thread count. */
function sessionOptions(intraOpThreads: number): ort.InferenceSession.SessionOptions {
  return { intraOpNumThreads: intraOpThreads, interOpNumThreads: 1, executionMode: 'sequential', graphOptimizationLevel: 'all' };
}

function feedsFor(input: RawInput): Record<string, ort.Tensor> {
  return { [input.inputName]: new ort.Tensor('float32', input.data, input.shape) };
}

/** Runs the model once in-process and returns its outputs as plain number arrays (for checking served responses). */
export async function referenceOutputs(input: RawInput): Promise<Record<string, number[]>> {
  const session = await ort.InferenceSession.create(input.modelPath, sessionOptions(1));
  try {
    const outputs = await session.run(feedsFor(input));
    const plain: Record<string, number[]> = {};
    for (const [name, tensor] of Object.entries(outputs)) {
      const data = tensor.data;
      plain[name] = data instanceof BigInt64Array || data instanceof BigUint64Array ? Array.from(data, Number) : Array.from(data as ArrayLike<number>);
    }
    return plain;
  } finally {
    await session.release();
  }
}

/** One session on the main thread: warm up, then a closed loop of awaited runs for durationMs. */
export async function measureInProcess(input: RawInput, warmupMs: number, durationMs: number, intraOpThreads = 1): Promise<RawResult> {
  const session = await ort.InferenceSession.create(input.modelPath, sessionOptions(intraOpThreads));
  try {
    const feeds = feedsFor(input);
    const warmEnd = performance.now() + warmupMs;
    while (performance.now() < warmEnd) await session.run(feeds);
    const samples = new SampleBuffer();
    const start = performance.now();
    const end = start + durationMs;
    let now = start;
    while (now < end) {
      const t0 = now;
      await session.run(feeds);
      now = performance.now();
      samples.push(now - t0);
    }
    const latency = summarize(samples.values());
    const scenario = `raw onnxruntime, 1 session in-process, intra-op=${intraOpThreads}`;
    return { scenario, sessions: 1, intraOpThreads, inferencesPerSec: latency.count / ((now - start) / 1000), latency };
  } finally {
    await session.release();
  }
}

// Worker side, CommonJS evaluated from a string: load, warm up, report ready, then loop until the shared wall-clock deadline.
const WORKER_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ortPath);
(async () => {
  const session = await ort.InferenceSession.create(workerData.modelPath, workerData.options);
  const feeds = { [workerData.inputName]: new ort.Tensor('float32', workerData.data, workerData.shape) };
  const warmEnd = performance.now() + workerData.warmupMs;
  while (performance.now() < warmEnd) await session.run(feeds);
  parentPort.once('message', async ({ startAt, endAt }) => {
    while (Date.now() < startAt) await new Promise((r) => setTimeout(r, 1));
    let lat = new Float64Array(1 << 16);
    let n = 0;
    while (Date.now() < endAt) {
      const t0 = performance.now();
      await session.run(feeds);
      if (n === lat.length) { const b = new Float64Array(lat.length * 2); b.set(lat); lat = b; }
      lat[n++] = performance.now() - t0;
    }
    await session.release();
    const out = lat.slice(0, n);
    parentPort.postMessage({ latencies: out }, [out.buffer]);
  });
  parentPort.postMessage({ ready: true });
})();
`;

interface WorkerDone {
  latencies: Float64Array;
}

/** N sessions, one per worker thread, all looping over the same wall-clock window. */
export async function measureWorkers(input: RawInput, workers: number, warmupMs: number, durationMs: number, intraOpThreads = 1): Promise<RawResult> {
  const ortPath = createRequire(import.meta.url).resolve('onnxruntime-node');
  const workerData = { ortPath, modelPath: input.modelPath, inputName: input.inputName, data: input.data, shape: input.shape, options: sessionOptions(intraOpThreads), warmupMs };
  const threads = Array.from({ length: workers }, () => new Worker(WORKER_CODE, { eval: true, workerData }));
  try {
    const ready = threads.map((w) => messageOnce<{ ready: true }>(w));
    await Promise.all(ready);
    const done = threads.map((w) => messageOnce<WorkerDone>(w));
    const startAt = Date.now() + 20;
    const endAt = startAt + durationMs;
    for (const w of threads) w.postMessage({ startAt, endAt });
    const results = await Promise.all(done);
    const all = new Float64Array(results.reduce((n, r) => n + r.latencies.length, 0));
    let offset = 0;
    for (const r of results) {
      all.set(r.latencies, offset);
      offset += r.latencies.length;
    }
    const latency = summarize(all);
    const scenario = `raw onnxruntime, ${workers} sessions in ${workers} worker threads, intra-op=${intraOpThreads}`;
    return { scenario, sessions: workers, intraOpThreads, inferencesPerSec: latency.count / (durationMs / 1000), latency };
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
}

function messageOnce<T>(worker: Worker): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    const onExit = (code: number): void => reject(new Error(`raw benchmark worker exited early with code ${code}`));
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.once('message', (msg: T) => {
      worker.off('error', onError);
      worker.off('exit', onExit);
      resolve(msg);
    });
  });
}
