// The Runner interface: load a model, run one batch, describe its signature, dispose. Scheduling lives outside it.

import type { ExecutionProvider } from '../core/runtime-config.js';
import type { Signature } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';

export interface ModelSource {
  /** Local file holding the model bytes. */
  path: string;
  /** Expected SHA-256 of those bytes; loading fails if they differ. */
  sha256: string;
  /** The rest of the package, for formats that read more than the model file or whose file declares no signature. */
  package?: PackageSource;
}

export interface PackageSource {
  /** The model file's path inside the package. */
  model: string;
  /** Every file of the package: its path inside the package and where its bytes lie on this host. */
  files: { path: string; local: string }[];
  /** The signature slipway.yaml declares, if it declares one. */
  signature?: Signature;
  /** The package's pre/post-processing handler, by its path inside the package. */
  handler?: string;
}

export interface RunnerOptions {
  intraOpThreads: number;
  /** Intra-op threads of a run handed out while another instance runs (RunRequest.othersRunning); 0 or absent: as intraOpThreads. */
  busyIntraOpThreads?: number;
  interOpThreads: number;
  executionProvider: ExecutionProvider;
  /** Run on the calling thread (see RuntimeConfig.onEventLoop); only formats that offer it accept it. */
  onEventLoop?: boolean;
  /**
   * Whether the runtime's own thread pools may spin-wait between parallel sections (onnxruntime's default) instead of
   * sleeping. Undefined: the runtime's default. The loader decides it from the host (see threadsMaySpin).
   */
  spinning?: boolean;
}

export interface RunRequest {
  inputs: Tensor[];
  outputNames: string[];
  /**
   * When every request of this batch has given up (ms since the epoch), if they all have a deadline: a runner that
   * can stop a run (a process it may kill) stops it then.
   */
  deadline?: number;
  /**
   * Another instance of the same pool was running when this run was handed out: a runner with a count for that
   * (RunnerOptions.busyIntraOpThreads) runs it on fewer threads, so the runs side by side fit the cores.
   */
  othersRunning?: boolean;
  /**
   * Buffers under the inputs' views that nothing else holds: a runner on another thread moves them along with the
   * views (they do not come back as `spent`), where it would otherwise clone them.
   */
  movable?: ArrayBuffer[];
}

/** What a package's pre/post-processing handler took of one batch's run, apart from the model (microseconds). */
export interface HandlerMicros {
  pre: number;
  post: number;
}

export interface RunOutput {
  outputs: Tensor[];
  /** Input buffers handed back after the run, free for reuse (they were moved to the runner's thread). */
  spent: ArrayBuffer[];
  /** Present when the package has a handler: its share of the run, for metrics apart from the model's. */
  handler?: HandlerMicros;
  /** The intra-op threads the run had, from a runner that may run on fewer when others run (busyIntraOpThreads). */
  intraOpThreads?: number;
}

export interface Runner {
  /** The signature as the model file declares it (no feature names or labels: those come from the package). */
  readonly signature: Signature;
  /** Requests sent to this runner and not yet answered. */
  readonly pending: number;
  /** Instances able to run now: how many batches the scheduler may have running at once (0 while none is). */
  readonly size: number;
  /**
   * True when a run reads its inputs where they are and moves none of them (a session on the event loop; a Python
   * process, which gets a copy in shared memory): a request's inputs need no copy of their own to run here, even when
   * others still read them. Otherwise (a worker thread) a run may move its inputs' buffers away.
   */
  readonly readsInPlace?: boolean;
  /**
   * Set by the owner (an instance pool); called once if the runner dies on its own, not through dispose, so the
   * owner can replace it. A runner that cannot die on its own (a pool replaces its own instances) never calls it.
   */
  onCrash?: ((err: Error) => void) | undefined;
  run(request: RunRequest): Promise<RunOutput>;
  dispose(): Promise<void>;
}

/** Loads one runner instance of a model file; one per format, registered in the RunnerFactory. */
export type RunnerMaker = (source: ModelSource, options: RunnerOptions, label: string) => Promise<Runner>;
