// Taking a captured copy of one request on the serving path: the sampling decision, the request's tensors held until
// it finishes (the run borrows them, so they stay as they were), the payload limit. The finished record goes to the
// capture sink, which encodes the tensors straight into its batch: no copy of its own per request.

import type { CaptureConfig, CaptureStatus } from '../core/capture-config.js';
import type { InferRequest } from '../core/infer.js';
import type { Tensor } from '../core/tensor.js';
import { encodedSize } from '../core/capture-codec.js';
import { timeOrderedId } from '../core/request-id.js';
import type { CaptureSink } from './capture-sink.js';

/** What a variant adds to its captured record. */
export interface CapturedVariant {
  variant: string;
  model: string;
  version: number;
}

export class CaptureTap {
  private inputs: readonly Tensor[] | null = null;
  private inputBytes = 0;
  private truncatedInputs = false;
  private readonly time = Date.now();

  private constructor(
    private readonly sink: CaptureSink,
    private readonly config: CaptureConfig,
    private readonly endpoint: string,
    private readonly requestId: string,
  ) {}

  /**
   * With capture on, every request gets an id (the client's, or a new one returned in the response) so feedback can
   * name it; a sampled one gets a tap. When the tap holds the inputs (holdsInputs), the run must borrow them (copy them
   * rather than move their buffers to another thread or reuse them for a later batch), so they read the same at close.
   */
  static open(sink: CaptureSink | undefined, endpoint: string, request: InferRequest): CaptureTap | undefined {
    const config = sink?.active(endpoint);
    if (!config) return undefined;
    request.id ??= timeOrderedId();
    if (config.sampleRate < 1 && Math.random() >= config.sampleRate) return undefined;
    const tap = new CaptureTap(sink!, config, endpoint, request.id);
    if (config.keep !== 'outputs') {
      const size = encodedSize(request.inputs);
      if (size > config.maxPayloadBytes) tap.truncatedInputs = true;
      else {
        tap.inputs = request.inputs;
        tap.inputBytes = size;
      }
    }
    return tap;
  }

  /** Whether the request's input tensors are held for the record: its run must borrow them. */
  get holdsInputs(): boolean {
    return this.inputs !== null;
  }

  /**
   * Hands the finished record to the sink (which drops it, counted, when it has no room); outputs within what is left
   * of the payload limit, else left out and the record says so.
   */
  close(variant: CapturedVariant, status: CaptureStatus, latencyMs: number, rows: number, outputs?: Tensor[], error?: string): void {
    let kept: readonly Tensor[] | null = null;
    let outputBytes = 0;
    let truncated = this.truncatedInputs;
    if (outputs && this.config.keep !== 'inputs') {
      const size = encodedSize(outputs);
      if (this.inputBytes + size > this.config.maxPayloadBytes) truncated = true;
      else {
        kept = outputs;
        outputBytes = size;
      }
    }
    this.sink.offer({
      endpoint: this.endpoint, requestId: this.requestId, time: this.time, variant: variant.variant, model: variant.model,
      version: variant.version, status, latencyMs, rows, inputs: this.inputs, outputs: kept, truncated, error: error ?? null,
    }, this.inputBytes, outputBytes);
  }
}
