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
}

export interface InferResponse {
  modelName: string;
  modelVersion: string;
  id?: string;
  outputs: Tensor[];
  parameters?: Parameters;
}
