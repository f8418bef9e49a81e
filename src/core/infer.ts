// Protocol-neutral inference request and response: what `protocols/` decodes into and encodes from.

import type { Tensor } from './tensor.js';

export type ParameterValue = string | number | boolean;
export type Parameters = Record<string, ParameterValue>;

export interface RequestedOutput {
  name: string;
  parameters?: Parameters;
}

export interface InferRequest {
  id?: string;
  inputs: Tensor[];
  /** When absent every output of the model is returned. */
  outputs?: RequestedOutput[];
  parameters?: Parameters;
  /**
   * The buffer the inputs' views lie in, when nothing but this request holds it (a gRPC message, which grpc-js frames
   * into a buffer of its own): a run on another thread may take it along with them instead of copying them out.
   */
  ownBytes?: ArrayBuffer;
}

export interface InferResponse {
  modelName: string;
  modelVersion: string;
  id?: string;
  outputs: Tensor[];
  parameters?: Parameters;
}
