// Messages between the decode pool and its worker threads (ids assigned by core/worker-channel).

import type { InferRequest } from '../core/infer.js';
import type { RequestLimits } from '../core/request-limits.js';
import type { RunShare } from './split-decode.js';

export type DecodeTask = BodyTask | RunTask;

export interface BodyTask {
  id: number;
  body: ArrayBuffer;
  offset: number;
  length: number;
  headerLength: number | undefined;
  /** Set for a gRPC ModelInferRequest message; absent for an HTTP body. */
  protocol?: 'grpc';
  /** The server's limits on declared shapes, held before anything is allocated. */
  limits?: RequestLimits;
  /** The body is a pooled buffer: hand it back with the answer. */
  giveBack?: boolean;
  /** A JSON body whose numbers after its middle another worker reads meanwhile (split-decode.ts). */
  split?: RunShare;
}

/** The other half of a split: read the run of numbers in `tail` (the body from the share's comma on, moved here). */
export interface RunTask {
  id: number;
  run: RunShare;
  tail: ArrayBuffer;
  tailLength: number;
}

export type DecodeReply =
  /** `body`: the task's buffer, given back (BodyTask.giveBack). */
  | { id: number; request: InferRequest; body?: ArrayBuffer }
  /** A RunTask's answer: whether it read the run (false: the body's reader had already gone on alone), and its buffer back. */
  | { id: number; ran: boolean; tail: ArrayBuffer }
  | { id: number; error: { message: string; invalid: boolean } };
