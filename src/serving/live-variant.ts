// One loaded variant: its runner pool and the count of requests in flight, so a swap can drain it before disposal.

import type { VariantSpec } from '../core/endpoint-spec.js';
import type { ModelVersion } from '../core/model-version.js';
import type { Signature } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';
import type { RunRequest, Runner } from '../runtime/runner.js';

export class LiveVariant {
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(
    readonly spec: VariantSpec,
    readonly version: ModelVersion,
    private readonly runner: Runner,
  ) {}

  /** The package's signature: the model's plus feature names and labels. */
  get signature(): Signature {
    return this.version.signature;
  }

  get pending(): number {
    return this.inFlight;
  }

  /** Must be called synchronously after the variant was picked, so a concurrent swap sees the request as in flight. */
  async run(request: RunRequest): Promise<Tensor[]> {
    this.inFlight++;
    try {
      return await this.runner.run(request);
    } finally {
      this.inFlight--;
      if (this.inFlight === 0 && this.drained) this.drained();
    }
  }

  /** Waits for requests in flight to finish, then frees the runner. New requests must no longer be routed here. */
  async retire(): Promise<void> {
    if (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
    await this.runner.dispose();
  }

  /** Frees the runner at once (used when a load fails half-way). */
  dispose(): Promise<void> {
    return this.runner.dispose();
  }
}
