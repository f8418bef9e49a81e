// The data plane over fake runners behind the real Scheduler: how many times a request's inputs are copied on the way
// to each runner (live, shadow, capture; batched or not), routing hints and deadlines from any transport, one lookup.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CaptureBatch, type FinishedCapture } from '../core/capture-batch.js';
import { decodeTensors } from '../core/capture-codec.js';
import { DEFAULT_CAPTURE, type CaptureConfig } from '../core/capture-config.js';
import type { VariantSpec } from '../core/endpoint-spec.js';
import { DEFAULT_ROUTING } from '../core/endpoint-spec.js';
import type { InferRequest, InferResponse } from '../core/infer.js';
import type { ModelVersion } from '../core/model-version.js';
import { DEFAULT_RUNTIME, type RuntimeConfig } from '../core/runtime-config.js';
import type { Signature } from '../core/signature.js';
import { ServingMetrics } from '../monitoring/serving-metrics.js';
import type { Registry } from '../registry/registry.js';
import type { RunOutput, RunRequest, Runner } from '../runtime/runner.js';
import { Scheduler } from '../runtime/scheduler.js';
import type { CaptureSink } from './capture-sink.js';
import { DataPlane, type Transport } from './data-plane.js';
import { LiveEndpoints } from './live-endpoints.js';
import { LiveVariant } from './live-variant.js';
import { VariantLoader } from './variant-loader.js';
import { RateLimiter } from './rate-limiter.js';
import { RateLimitedError } from '../core/errors.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';

const COLS = 64;
const SIGNATURE: Signature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, COLS] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, COLS] }],
};

/**
 * Copy lineage: every buffer holding a request's input bytes, with how many copies away from the decoded request it
 * is (0 = the decoded request's own buffer). Filled by spying on the typed-array methods that copy elements
 * (`set`, `slice`): batch stacking, the scheduler's copy of borrowed inputs, capture encoding and any clone.
 */
const depth = new Map<ArrayBufferLike, number>();
let copies = 0;
const typedArrayProto = Object.getPrototypeOf(Int8Array.prototype) as {
  set: (this: Uint8Array, source: ArrayLike<number>, offset?: number) => void;
  slice: (this: Uint8Array, start?: number, end?: number) => Uint8Array;
};
const originalSet = typedArrayProto.set;
const originalSlice = typedArrayProto.slice;

function copied(from: ArrayBufferLike, to: ArrayBufferLike): void {
  const d = depth.get(from);
  if (d === undefined) return;
  copies++;
  depth.set(to, Math.max(depth.get(to) ?? 0, d + 1));
}

beforeEach(() => {
  depth.clear();
  copies = 0;
  typedArrayProto.set = function set(this: Uint8Array, source: ArrayLike<number>, offset?: number): void {
    if (ArrayBuffer.isView(source)) copied(source.buffer, this.buffer);
    originalSet.call(this, source, offset);
  };
  typedArrayProto.slice = function slice(this: Uint8Array, start?: number, end?: number): Uint8Array {
    const out = originalSlice.call(this, start, end);
    copied(this.buffer, out.buffer);
    return out;
  };
});

afterEach(() => {
  typedArrayProto.set = originalSet;
  typedArrayProto.slice = originalSlice;
});

/** A runner whose runs finish when the test says; it records how far from the request each input it got is. */
class FakeRunner implements Runner {
  readonly signature = SIGNATURE;
  readonly size = 1;
  /** In place: like a session on the event loop, it reads the inputs where they are and hands their buffers back. */
  constructor(readonly readsInPlace = false) {}
  /** Per run: the copy depth of its input buffer (undefined: not the request's bytes at all). */
  readonly received: (number | undefined)[] = [];
  private gates: (() => void)[] = [];
  get pending(): number {
    return this.gates.length;
  }
  /** Per run: whether its input owns its whole buffer (so it could move to another thread). */
  readonly owned: boolean[] = [];
  run(request: RunRequest): Promise<RunOutput> {
    const x = request.inputs[0]!;
    const data = x.data as Float32Array;
    this.received.push(depth.get(data.buffer));
    this.owned.push(data.byteOffset === 0 && data.byteLength === data.buffer.byteLength);
    const rows = x.shape[0]!;
    // Outputs are made, not copied from the inputs (a copy here would count).
    const y = new Float32Array(rows * COLS);
    for (let i = 0; i < y.length; i++) y[i] = i % COLS;
    const spent = this.readsInPlace ? [data.buffer as ArrayBuffer] : [];
    return new Promise((resolve) => this.gates.push(() => resolve({ outputs: [{ name: 'y', datatype: 'FP32', shape: [rows, COLS], data: y }], spent })));
  }
  async release(): Promise<void> {
    this.gates.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  async dispose(): Promise<void> {}
}

/** A capture sink that packs what it is offered into a batch, as the capture pipeline does. */
class KeptCapture implements CaptureSink {
  readonly batch = new CaptureBatch();
  constructor(private readonly config: CaptureConfig | undefined) {}
  active(): CaptureConfig | undefined {
    return this.config;
  }
  offer(record: FinishedCapture, inputBytes?: number, outputBytes?: number): void {
    this.batch.append(record, inputBytes, outputBytes);
  }
}

const runtime = (c: Partial<RuntimeConfig> = {}): RuntimeConfig => ({ ...DEFAULT_RUNTIME, maxQueueDelayMicros: 0, ...c });

function variant(name: string, version: number, spec: Partial<VariantSpec>, config: RuntimeConfig, inPlace = false): { live: LiveVariant; runner: FakeRunner } {
  const runner = new FakeRunner(inPlace);
  const model = { name: 'm', version };
  const full: VariantSpec = { name, model, ref: `m:${version}`, weight: 100, shadow: false, runtime: config, ...spec };
  const scheduler = new Scheduler(runner, config, config.maxBatchSize > 1, `m:${version}`);
  const modelVersion = { name: 'm', version, signature: SIGNATURE } as ModelVersion;
  return { live: new LiveVariant(full, modelVersion, scheduler, runner), runner };
}

function plane(variants: LiveVariant[], capture?: CaptureSink): { plane: DataPlane; table: LiveEndpoints } {
  const registry = {} as Registry;
  const metrics = new ServingMetrics();
  const table = new LiveEndpoints(registry, new VariantLoader(registry, {} as RunnerLoader), DEFAULT_RUNTIME, metrics, capture);
  metrics.observe(table);
  table.add({
    record: { spec: { name: 'e', variants: variants.map((v) => v.spec), routing: DEFAULT_ROUTING }, revision: 1, createdAt: '', updatedAt: '' },
    state: 'ready',
    variants,
    removed: false,
  });
  return { plane: new DataPlane({ endpoints: table, registry, serverVersion: '0', isReady: () => true, maxTimeoutMs: 60_000 }), table };
}

/** A decoded request whose input buffer is the lineage's root. */
function request(rows: number): InferRequest {
  const data = new Float32Array(rows * COLS).fill(rows);
  depth.set(data.buffer, 0);
  return { inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, COLS], data }] };
}

type Headers = Record<string, string>;
const TRANSPORT: Transport<Headers> = { header: (h, name) => h[name], timeoutHeader: true };
const NO_HEADERS: Headers = {};
const signal = new AbortController().signal;

const captureOn: CaptureConfig = { ...DEFAULT_CAPTURE, enabled: true, keep: 'both', maxPayloadBytes: 1 << 20 };

/** How many records capture holds, and the copy depth of the batch they were encoded into. */
const captured = (sink: KeptCapture): { records: number; depth: number | undefined } =>
  ({ records: sink.batch.count, depth: depth.get(sink.batch.seal().bytes.buffer) });

/**
 * One request of `alone` rows, then requests of `queued` rows sent while it runs (they queue and run as one batch);
 * each runner's two runs are let finish in turn. Resolves with every answer, in the order sent.
 */
async function aloneThenBatch(p: DataPlane, runners: FakeRunner[], alone: number, queued: number[]): Promise<InferResponse[]> {
  const sent = [alone, ...queued].map((rows) => p.infer(p.endpoint('e'), undefined, request(rows), TRANSPORT, NO_HEADERS, signal));
  for (let run = 0; run < 2; run++) for (const runner of runners) await runner.release();
  return Promise.all(sent);
}

describe('copies of a request\'s inputs on the way to each runner', () => {
  it('capture on, a shadow, batching on: each runner and the capture get the inputs at most one copy away', async () => {
    const config = runtime({ maxBatchSize: 8 });
    const live = variant('primary', 1, {}, config);
    const shadow = variant('shadow', 2, { weight: 0, shadow: true }, config);
    const sink = new KeptCapture(captureOn);
    const { plane: p } = plane([live.live, shadow.live], sink);
    // The first request runs alone on both variants; the next two queue meanwhile and run as one batch on each.
    const answers = await aloneThenBatch(p, [live.runner, shadow.runner], 1, [2, 3]);
    expect(answers.map((a) => a.outputs[0]!.shape[0])).toEqual([1, 2, 3]);
    // Live path: the alone run gets the scheduler's one copy of the borrowed inputs; the batch gets the stacking.
    expect(live.runner.received).toEqual([1, 1]);
    // Shadow path: the same, from the same decoded inputs (no clone taken first, so no copy of a copy).
    expect(shadow.runner.received).toEqual([1, 1]);
    // Capture path: each request's inputs encoded into the batch straight from the decoded inputs (the runs borrowed
    // them, so they were still as sent when the request ended): its one copy.
    expect(captured(sink)).toEqual({ records: 3, depth: 1 });
    // Every copy, counted: per request one for capture, one for the live run, one for the shadow (a batch's stacking
    // copies each of its requests once).
    expect(copies).toBe(3 * 3);
  });

  it('without shadows, capture on: the live run borrows the held inputs (one pooled copy) and capture encodes them (one copy)', async () => {
    const live = variant('primary', 1, {}, runtime({ maxBatchSize: 1 }));
    const sink = new KeptCapture(captureOn);
    const { plane: p } = plane([live.live], sink);
    const answer = p.infer(p.endpoint('e'), undefined, request(4), TRANSPORT, NO_HEADERS, signal);
    await live.runner.release();
    await answer;
    // The run may move what it gets, so it gets the scheduler's copy (into a pooled buffer: no allocation) ...
    expect(live.runner.received).toEqual([1]);
    // ... and capture reads the decoded inputs, untouched, when the request ends.
    expect(captured(sink)).toEqual({ records: 1, depth: 1 });
    expect(copies).toBe(2);
  });

  it('capture on, a runner that reads in place: the run takes the held inputs as they are, and never recycles them', async () => {
    const live = variant('primary', 1, {}, runtime({ maxBatchSize: 8 }), true);
    const sink = new KeptCapture(captureOn);
    const { plane: p } = plane([live.live], sink);
    // A runs alone on its own buffer (2 rows); B and C (1 row each) queue meanwhile and are stacked into a pooled
    // buffer of A's size the moment A's run ends — before A's capture reads A's inputs. Were A's buffer handed to the
    // pool, the stacking would overwrite it and capture would record B's and C's numbers as A's.
    await aloneThenBatch(p, [live.runner], 2, [1, 1]);
    expect(live.runner.received).toEqual([0, 1]);
    // Copies: the stacking of B and C, and capture's encoding of each of the three.
    expect(copies).toBe(2 + 3);
    const [recordA] = sink.batch.toRecords();
    expect(Array.from(decodeTensors(recordA!.inputs!)[0]!.data as Float32Array)).toEqual(new Array<number>(2 * COLS).fill(2));
  });

  it('without capture or shadows the live run takes the decoded inputs as they are', async () => {
    const live = variant('primary', 1, {}, runtime({ maxBatchSize: 1 }));
    const { plane: p } = plane([live.live]);
    const answer = p.infer(p.endpoint('e'), undefined, request(4), TRANSPORT, NO_HEADERS, signal);
    await live.runner.release();
    await answer;
    expect(live.runner.received).toEqual([0]);
    expect(copies).toBe(0);
  });

  it('inputs that are views on the request\'s bytes (binary, gRPC raw contents) get one copy, into a buffer that can move', async () => {
    const live = variant('primary', 1, {}, runtime({ maxBatchSize: 1 }));
    const { plane: p } = plane([live.live]);
    // The tensor's bytes after a 20-byte header in one body buffer, as a binary request decodes to.
    const body = new ArrayBuffer(20 + 4 * COLS);
    depth.set(body, 0);
    const data = new Float32Array(body, 20, COLS).fill(1);
    const answer = p.infer(p.endpoint('e'), undefined, { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, COLS], data }] }, TRANSPORT, NO_HEADERS, signal);
    await live.runner.release();
    await answer;
    expect(live.runner.received).toEqual([1]);
    expect(copies).toBe(1);
    expect(live.runner.owned).toEqual([true]);
  });

  it('batching alone: stacking is the one copy; a request run alone is not copied', async () => {
    const live = variant('primary', 1, {}, runtime({ maxBatchSize: 8 }));
    const { plane: p } = plane([live.live]);
    await aloneThenBatch(p, [live.runner], 1, [2, 3]);
    expect(live.runner.received).toEqual([0, 1]);
    expect(copies).toBe(2);
  });
});

describe('DataPlane', () => {
  it('reads the sticky key and pin through the transport, and the deadline from its header', async () => {
    const a = variant('a', 1, { weight: 50 }, runtime());
    const b = variant('b', 2, { weight: 50 }, runtime());
    const { plane: p } = plane([a.live, b.live]);
    const pinned = p.infer(p.endpoint('e'), undefined, request(1), TRANSPORT, { 'x-slipway-variant': 'b' }, signal);
    await b.runner.release();
    expect((await pinned).parameters?.variant).toBe('b');
    // Bad hints throw at once (an adapter's async handler turns that into its error reply).
    expect(() => p.infer(p.endpoint('e'), undefined, request(1), TRANSPORT, { 'x-slipway-timeout-ms': 'soon' }, signal))
      .toThrow('header x-slipway-timeout-ms: expected a positive integer number of milliseconds, got "soon"');
    // A transport without the timeout header ignores it (gRPC has its own deadline).
    const grpcLike: Transport<Headers> = { header: TRANSPORT.header, timeoutHeader: false };
    const late = p.infer(p.endpoint('e'), undefined, request(1), grpcLike, { 'x-slipway-timeout-ms': 'soon', 'x-slipway-variant': 'a' }, signal, Date.now() - 1);
    await expect(late).rejects.toThrow(/deadline passed before model m:1 could run it/);
  });

  it('an endpoint looked up before it was removed answers as an unknown one', async () => {
    const a = variant('a', 1, {}, runtime());
    const { plane: p, table } = plane([a.live]);
    const endpoint = p.endpoint('e');
    table.remove('e');
    expect(() => p.endpoint('e')).toThrow('endpoint "e" not found');
    await expect(p.infer(endpoint, undefined, request(1), TRANSPORT, NO_HEADERS, signal)).rejects.toThrow('endpoint "e" not found');
  });

  it('admits without asking who calls when no token is limited, and refuses past an endpoint\'s own limit', () => {
    const a = variant('a', 1, {}, runtime());
    const { table } = plane([a.live]);
    const entry = table.lookup('e');
    entry.record = { ...entry.record, spec: { ...entry.record.spec, rateLimit: { requestsPerSecond: 1, burst: 1 } } };
    const limited: string[] = [];
    const rateLimiter = new RateLimiter({ tokens: {}, onLimited: (endpoint, reason) => limited.push(`${endpoint}:${reason}`), clock: () => 0 });
    const p = new DataPlane({ endpoints: table, registry: {} as Registry, serverVersion: '0', isReady: () => true, maxTimeoutMs: 60_000, rateLimiter });
    const nobody = (): string => {
      throw new Error('asked who calls');
    };
    p.admit('e', nobody);
    expect(() => p.admit('e', nobody)).toThrow(RateLimitedError);
    p.admit('unknown', nobody); // the lookup after it answers NotFound
    expect(limited).toEqual(['e:endpoint']);
  });
});
