// onnxruntime's native session, run where it is called: the public InferenceSession defers every run to a setImmediate
// and checks and rewraps its feeds and results each time, about 8 µs of a digits-sized run's 18 µs here.

import { createRequire } from 'node:module';
import type * as ort from 'onnxruntime-node';

/** The parts of onnxruntime-node's binding module (dist/binding.js of the pinned 1.30.0) that sessions use. */
interface RawMetadata {
  name: string;
  isTensor: boolean;
  symbolicDimensions: string[];
  shape: number[];
  type: number;
}
interface RawSession {
  loadModel(buffer: ArrayBufferLike, byteOffset: number, byteLength: number, options: ort.InferenceSession.SessionOptions): void;
  readonly inputMetadata: RawMetadata[];
  readonly outputMetadata: RawMetadata[];
  run(feeds: Record<string, ort.Tensor>, fetches: Record<string, null>, options: ort.InferenceSession.RunOptions): Record<string, ort.Tensor>;
  dispose(): void;
}
interface BindingModule {
  binding: { InferenceSession: new () => RawSession };
  initOrt(): void;
}

/** onnxruntime's element type codes (ONNX TensorProto.DataType) as onnxruntime-node names them; gaps are types it does not map. */
const TYPE_NAMES: readonly (ort.Tensor.Type | undefined)[] = [
  undefined, 'float32', 'uint8', 'int8', 'uint16', 'int16', 'int32', 'int64', 'string', 'bool', 'float16', 'float64',
  'uint32', 'uint64', undefined, undefined, undefined, undefined, undefined, undefined, undefined, 'uint4', 'int4',
];

let loaded: BindingModule | undefined;

function bindingModule(): BindingModule {
  if (!loaded) {
    const module = createRequire(import.meta.url)('onnxruntime-node/dist/binding.js') as Partial<BindingModule>;
    if (typeof module.initOrt !== 'function' || typeof module.binding?.InferenceSession !== 'function') {
      throw new Error('onnxruntime-node/dist/binding.js is not the binding of onnxruntime-node 1.30.0 that Slipway was built with; run npm ci');
    }
    // Once per thread: tells the native side onnxruntime-common's Tensor class, which results are made of.
    module.initOrt();
    loaded = module as BindingModule;
  }
  return loaded;
}

function metadataOf(raw: RawMetadata): ort.InferenceSession.ValueMetadata {
  if (!raw.isTensor) return { name: raw.name, isTensor: false };
  const type = TYPE_NAMES[raw.type];
  if (type === undefined) throw new Error(`${raw.name}: onnxruntime element type ${raw.type} has no onnxruntime-node name`);
  // -1: a symbolic dimension, named in symbolicDimensions.
  const shape = raw.shape.map((d, i) => (d === -1 ? raw.symbolicDimensions[i] ?? 'unknown' : d));
  return { name: raw.name, isTensor: true, type, shape };
}

/** One native session; `run` blocks the calling thread for the whole inference and returns its outputs. */
export class BoundSession {
  readonly inputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  readonly outputMetadata: readonly ort.InferenceSession.ValueMetadata[];
  private readonly fetches = new Map<string, Record<string, null>>();

  private constructor(private readonly raw: RawSession) {
    this.inputMetadata = raw.inputMetadata.map(metadataOf);
    this.outputMetadata = raw.outputMetadata.map(metadataOf);
  }

  /** Loads a model from its bytes; throws onnxruntime's error for one it refuses. */
  static load(bytes: Uint8Array, options: ort.InferenceSession.SessionOptions): BoundSession {
    const raw = new (bindingModule().binding.InferenceSession)();
    raw.loadModel(bytes.buffer, bytes.byteOffset, bytes.byteLength, options);
    return new BoundSession(raw);
  }

  run(feeds: Record<string, ort.Tensor>, outputNames: readonly string[]): Record<string, ort.Tensor> {
    return this.raw.run(feeds, this.fetchesOf(outputNames), {});
  }

  release(): void {
    this.raw.dispose();
  }

  /** The outputs to compute, as the binding takes them; callers ask for the same few lists, so each is made once. */
  private fetchesOf(outputNames: readonly string[]): Record<string, null> {
    const key = outputNames.join('\u0000');
    let fetches = this.fetches.get(key);
    if (!fetches) {
      fetches = Object.fromEntries(outputNames.map((n) => [n, null])) as Record<string, null>;
      if (this.fetches.size < 64) this.fetches.set(key, fetches);
    }
    return fetches;
  }
}
