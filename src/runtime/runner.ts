// The Runner interface: load a model, run one batch, describe its signature, dispose. Scheduling lives outside it.

import type { ExecutionProvider } from '../core/runtime-config.js';
import type { Signature } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';

export interface ModelSource {
  /** Local file holding the model bytes. */
  path: string;
  /** Expected SHA-256 of those bytes; loading fails if they differ. */
  sha256: string;
}

export interface RunnerOptions {
  intraOpThreads: number;
  interOpThreads: number;
  executionProvider: ExecutionProvider;
}

export interface RunRequest {
  inputs: Tensor[];
  outputNames: string[];
}

export interface RunOutput {
  outputs: Tensor[];
  /** Input buffers handed back after the run, free for reuse (they were moved to the runner's thread). */
  spent: ArrayBuffer[];
}

export interface Runner {
  /** The signature as the model file declares it (no feature names or labels: those come from the package). */
  readonly signature: Signature;
  /** Requests sent to this runner and not yet answered. */
  readonly pending: number;
  run(request: RunRequest): Promise<RunOutput>;
  dispose(): Promise<void>;
}
