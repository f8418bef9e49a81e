// Messages between the decode pool and its worker threads (ids assigned by core/worker-channel).

import type { InferRequest } from '../core/infer.js';
import type { RequestLimits } from '../core/request-limits.js';

export interface DecodeTask {
  id: number;
  body: ArrayBuffer;
  offset: number;
  length: number;
  headerLength: number | undefined;
  /** Set for a gRPC ModelInferRequest message; absent for an HTTP body. */
  protocol?: 'grpc';
  /** The server's limits on declared shapes, held before anything is allocated. */
  limits?: RequestLimits;
}

export type DecodeReply =
  | { id: number; request: InferRequest }
  | { id: number; error: { message: string; invalid: boolean } };
