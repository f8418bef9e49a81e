// Taking a captured copy of one request on the serving path: the sampling decision, the inputs encoded before they
// move to a worker thread, the outputs after, the payload limit. The record goes to the capture sink.

import type { CaptureConfig, CaptureStatus } from '../core/capture-config.js';
import type { InferRequest } from '../core/infer.js';
import type { Tensor } from '../core/tensor.js';
import { encodedSize, encodeTensors } from '../core/capture-codec.js';
import { timeOrderedId } from '../core/request-id.js';
import type { CaptureSink } from './capture-sink.js';

/** What a variant adds to its captured record. */
export interface CapturedVariant {
  variant: string;
  model: string;
  version: number;
}

export class CaptureTap {
  private inputs: Uint8Array | null = null;
  private used = 0;
  private truncated = false;
  private readonly time = Date.now();

  private constructor(
    private readonly sink: CaptureSink,
    private readonly config: CaptureConfig,
    private readonly endpoint: string,
    private readonly requestId: string,
  ) {}

  /**
   * With capture on, every request gets an id (the client's, or a new one returned in the response) so feedback can
   * name it; a sampled one gets a tap. Must run before the inputs are handed to the runner (that moves their buffers).
   */
  static open(sink: CaptureSink | undefined, endpoint: string, request: InferRequest): CaptureTap | undefined {
    const config = sink?.active(endpoint);
    if (!config) return undefined;
    request.id ??= timeOrderedId();
    if (config.sampleRate < 1 && Math.random() >= config.sampleRate) return undefined;
    const tap = new CaptureTap(sink!, config, endpoint, request.id);
    if (config.keep !== 'outputs') tap.inputs = tap.encode(request.inputs);
    return tap;
  }

  /** Hands the finished record to the sink (which drops it, counted, when it has no room). */
  close(variant: CapturedVariant, status: CaptureStatus, latencyMs: number, rows: number, outputs?: Tensor[], error?: string): void {
    const encodedOutputs = outputs && this.config.keep !== 'inputs' ? this.encode(outputs) : null;
    this.sink.offer({
      endpoint: this.endpoint, requestId: this.requestId, time: this.time, variant: variant.variant, model: variant.model,
      version: variant.version, status, latencyMs, rows, inputs: this.inputs, outputs: encodedOutputs, truncated: this.truncated,
      error: error ?? null,
    });
  }

  /** Encodes within what is left of the payload limit; past it the tensors are left out and the record says so. */
  private encode(tensors: Tensor[]): Uint8Array | null {
    const size = encodedSize(tensors);
    if (this.used + size > this.config.maxPayloadBytes) {
      this.truncated = true;
      return null;
    }
    this.used += size;
    return encodeTensors(tensors, size);
  }
}
