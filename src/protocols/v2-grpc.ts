// Open Inference Protocol v2, gRPC form: ModelInferRequest -> InferRequest, InferResponse -> ModelInferResponse.
//
// The message shapes below are what @grpc/proto-loader produces for proto/grpc_predict_v2.proto with
// { keepCase: true, longs: String, defaults: true, oneofs: true }: int64/uint64 arrive as decimal strings (so
// 64-bit integers stay exact through BigInt) and bytes as Buffers. Every field is optional here so that a message
// decoded with fewer defaults, or built by hand in a test, is read the same way.

import type { DataType, TensorData } from '../core/datatype.js';
import { integerRange } from '../core/datatype.js';
import { InvalidInputError } from '../core/errors.js';
import type { InferRequest, InferResponse, ParameterValue, Parameters, RequestedOutput } from '../core/infer.js';
import type { Tensor } from '../core/tensor.js';
import { formatShape, shapeSize } from '../core/tensor.js';
import type { RequestLimits, ShapeBudget } from '../core/request-limits.js';
import { shapeBudget } from '../core/request-limits.js';
import { bytesElement } from './bytes-element.js';
import { rawToTensor, tensorToRaw } from './raw-tensor.js';
import { describeValue } from '../core/describe-value.js';
import { parseDatatype, parseShape } from './tensor-header.js';

/** A 64-bit integer as proto-loader gives it (a decimal string with longs: String) or a number built by hand. */
export type GrpcLong = string | number;

export interface GrpcInferParameter {
  bool_param?: boolean;
  int64_param?: GrpcLong;
  string_param?: string;
  double_param?: number;
  uint64_param?: GrpcLong;
  parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'double_param' | 'uint64_param';
}

export type GrpcParameters = Record<string, GrpcInferParameter>;

export interface GrpcTensorContents {
  bool_contents?: boolean[];
  int_contents?: number[];
  int64_contents?: GrpcLong[];
  uint_contents?: number[];
  uint64_contents?: GrpcLong[];
  /** Typed arrays when taken from the bytes as they are (grpc-packed-contents.ts), else decoded numbers. */
  fp32_contents?: number[] | Float32Array;
  fp64_contents?: number[] | Float64Array;
  bytes_contents?: Uint8Array[];
}

export interface GrpcInferInputTensor {
  name?: string;
  datatype?: string;
  shape?: GrpcLong[];
  parameters?: GrpcParameters;
  contents?: GrpcTensorContents | null;
}

export interface GrpcRequestedOutput {
  name?: string;
  parameters?: GrpcParameters;
}

export interface GrpcModelInferRequest {
  model_name?: string;
  model_version?: string;
  id?: string;
  parameters?: GrpcParameters;
  inputs?: GrpcInferInputTensor[];
  outputs?: GrpcRequestedOutput[];
  raw_input_contents?: Uint8Array[];
}

export interface GrpcInferOutputTensor {
  name: string;
  datatype: string;
  shape: number[];
  parameters: GrpcParameters;
}

export interface GrpcModelInferResponse {
  model_name: string;
  model_version: string;
  id: string;
  parameters: GrpcParameters;
  outputs: GrpcInferOutputTensor[];
  raw_output_contents: Uint8Array[];
}

type ContentsField = keyof GrpcTensorContents;

const CONTENTS_FIELDS: readonly ContentsField[] = [
  'bool_contents', 'int_contents', 'int64_contents', 'uint_contents', 'uint64_contents', 'fp32_contents', 'fp64_contents', 'bytes_contents',
];

/** The typed field each datatype travels in; FP16 has none (raw contents only). */
const FIELD_OF: Record<Exclude<DataType, 'FP16'>, ContentsField> = {
  BOOL: 'bool_contents',
  INT8: 'int_contents', INT16: 'int_contents', INT32: 'int_contents',
  INT64: 'int64_contents',
  UINT8: 'uint_contents', UINT16: 'uint_contents', UINT32: 'uint_contents',
  UINT64: 'uint64_contents',
  FP32: 'fp32_contents',
  FP64: 'fp64_contents',
  BYTES: 'bytes_contents',
};

function filledFields(contents: GrpcTensorContents | null | undefined): ContentsField[] {
  if (!contents) return [];
  return CONTENTS_FIELDS.filter((f) => (contents[f]?.length ?? 0) > 0);
}

function toLong(value: GrpcLong, where: string): bigint {
  try {
    return BigInt(value);
  } catch {
    throw new InvalidInputError(`${where}: expected a 64-bit integer, got ${describeValue(value)}`);
  }
}

function parseParameter(key: string, p: GrpcInferParameter, where: string): ParameterValue | undefined {
  const choice = p.parameter_choice ?? (['bool_param', 'int64_param', 'string_param', 'double_param', 'uint64_param'] as const).find((k) => p[k] !== undefined);
  switch (choice) {
    case 'bool_param': return p.bool_param ?? false;
    case 'string_param': return p.string_param ?? '';
    case 'double_param': return p.double_param ?? 0;
    case 'int64_param': case 'uint64_param': {
      const n = Number(p[choice] ?? 0);
      if (!Number.isSafeInteger(n)) {
        throw new InvalidInputError(`${where}: parameter "${key}" is ${String(p[choice])}, beyond the integers Slipway keeps exactly (±9007199254740991)`);
      }
      return n;
    }
    default: return undefined;
  }
}

/** Parameters of a message; a parameter with no value set is left out. */
export function parseGrpcParameters(map: GrpcParameters | undefined, where: string): Parameters | undefined {
  if (!map) return undefined;
  const out: Parameters = {};
  let found = false;
  for (const [key, p] of Object.entries(map)) {
    const v = parseParameter(key, p, where);
    if (v === undefined) continue;
    out[key] = v;
    found = true;
  }
  return found ? out : undefined;
}

export function toGrpcParameters(parameters: Parameters | undefined): GrpcParameters {
  const out: GrpcParameters = {};
  for (const [key, v] of Object.entries(parameters ?? {})) {
    if (typeof v === 'boolean') out[key] = { bool_param: v };
    else if (typeof v === 'string') out[key] = { string_param: v };
    else if (Number.isSafeInteger(v)) out[key] = { int64_param: v };
    else out[key] = { double_param: v };
  }
  return out;
}

/** Typed contents -> tensor data, with the same element checks as the JSON form. */
function decodeContents(datatype: DataType, shape: number[], contents: GrpcTensorContents | null | undefined, where: string): TensorData {
  const filled = filledFields(contents);
  const count = shapeSize(shape);
  if (datatype === 'FP16') {
    if (filled.length > 0 || count > 0) {
      throw new InvalidInputError(`${where}: FP16 has no typed contents field; send its half-precision bits in raw_input_contents`);
    }
    return new Uint16Array(0);
  }
  const field = FIELD_OF[datatype];
  const stray = filled.find((f) => f !== field);
  if (stray) throw new InvalidInputError(`${where}: ${datatype} data belongs in contents.${field} (or raw_input_contents), got contents.${stray}`);
  const values = contents?.[field] ?? [];
  if (values.length !== count) {
    if (values.length === 0) throw new InvalidInputError(`${where}: no data: expected contents.${field} or raw_input_contents`);
    throw new InvalidInputError(`${where}: shape ${formatShape(shape)} holds ${count} elements, but contents.${field} has ${values.length}`);
  }
  const bad = (i: number, v: unknown, expected: string): never => {
    throw new InvalidInputError(`${where}: element ${i} of contents.${field}: expected ${expected} for ${datatype}, got ${describeValue(v)}`);
  };
  switch (datatype) {
    case 'BOOL': return Uint8Array.from(values as boolean[], (v) => (v ? 1 : 0));
    // Typed arrays taken from the message are the request's own already: no copy.
    case 'FP32': return values instanceof Float32Array ? values : Float32Array.from(values as number[]);
    case 'FP64': return values instanceof Float64Array ? values : Float64Array.from(values as number[]);
    case 'INT64': return BigInt64Array.from(values as GrpcLong[], (v) => toLong(v, where));
    case 'UINT64': return BigUint64Array.from(values as GrpcLong[], (v) => toLong(v, where));
    case 'BYTES': return (values as Uint8Array[]).map(bytesElement);
    default: {
      // INT8/16/32 share int_contents and UINT8/16/32 uint_contents: the narrower types need a range check.
      const [min, max] = integerRange(datatype)!;
      const numbers = values as number[];
      for (let i = 0; i < numbers.length; i++) {
        const v = numbers[i]!;
        if (!Number.isInteger(v) || v < min || v > max) bad(i, v, `an integer from ${min} to ${max}`);
      }
      switch (datatype) {
        case 'INT8': return Int8Array.from(numbers);
        case 'INT16': return Int16Array.from(numbers);
        case 'INT32': return Int32Array.from(numbers);
        case 'UINT8': return Uint8Array.from(numbers);
        case 'UINT16': return Uint16Array.from(numbers);
        default: return Uint32Array.from(numbers);
      }
    }
  }
}

function decodeInput(input: GrpcInferInputTensor, i: number, raw: Uint8Array | undefined, budget: ShapeBudget | undefined): Tensor {
  const name = input.name ?? '';
  if (name === '') throw new InvalidInputError(`inputs[${i}]: expected "name" to be a non-empty string, got ""`);
  const where = `input "${name}"`;
  const datatype = parseDatatype(input.datatype ?? '', where);
  const shape = parseShape((input.shape ?? []).map((d) => Number(d)), where);
  budget?.admit(where, shape);
  parseGrpcParameters(input.parameters, where);
  if (raw === undefined) return { name, datatype, shape, data: decodeContents(datatype, shape, input.contents, where) };
  const stray = filledFields(input.contents)[0];
  if (stray) throw new InvalidInputError(`${where}: has both contents.${stray} and raw_input_contents; send its data one way only`);
  return rawToTensor(name, datatype, shape, raw, where);
}

/**
 * Decodes a ModelInferRequest. Structural checks only: the signature check happens in serving, as for HTTP. With
 * `limits`, each input's declared shape is held to them before its contents are read.
 */
export function decodeModelInferRequest(message: GrpcModelInferRequest, limits?: RequestLimits): InferRequest {
  const inputs = message.inputs ?? [];
  if (inputs.length === 0) throw new InvalidInputError('ModelInferRequest: expected at least one input in "inputs"');
  const raw = message.raw_input_contents ?? [];
  // Triton's rule: raw contents for every input (in input order) or for none, never a mix.
  if (raw.length > 0 && raw.length !== inputs.length) {
    throw new InvalidInputError(
      `ModelInferRequest: raw_input_contents has ${raw.length} entries for ${inputs.length} inputs; send raw contents for every input, in input order, or for none`,
    );
  }
  const budget = shapeBudget(limits);
  const request: InferRequest = { inputs: inputs.map((input, i) => decodeInput(input, i, raw.length > 0 ? raw[i] : undefined, budget)) };
  if (message.id) request.id = message.id;
  const parameters = parseGrpcParameters(message.parameters, 'request');
  if (parameters) request.parameters = parameters;
  if (message.outputs && message.outputs.length > 0) {
    request.outputs = message.outputs.map((o, i): RequestedOutput => {
      const name = o.name ?? '';
      if (name === '') throw new InvalidInputError(`outputs[${i}]: expected "name" to be a non-empty string, got ""`);
      const requested: RequestedOutput = { name };
      const p = parseGrpcParameters(o.parameters, `output "${name}"`);
      if (p) requested.parameters = p;
      return requested;
    });
  }
  return request;
}

/** Encodes a response; outputs always travel in raw_output_contents (the compact form every client reads). */
export function encodeModelInferResponse(response: InferResponse): GrpcModelInferResponse {
  return {
    model_name: response.modelName,
    model_version: response.modelVersion,
    id: response.id ?? '',
    parameters: toGrpcParameters(response.parameters),
    outputs: response.outputs.map((t) => ({ name: t.name, datatype: t.datatype, shape: t.shape, parameters: {} })),
    raw_output_contents: response.outputs.map(tensorToRaw),
  };
}

/** The endpoint a ModelInferRequest names, read from its bytes without decoding its tensors. */
export interface ModelInferTarget {
  /** model_name ('' when absent). */
  name: string;
  /** model_version ('' when absent). */
  version: string;
}

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;
const targetText = new TextDecoder();
/** The peek's read position: module state, not a closure per call (the peek runs synchronously, once per call). */
let peekAt = 0;

/** The varint at `peekAt` in `bytes`; -1 when truncated or over ten bytes. Values past 2^53 are only ever skipped. */
function varint(bytes: Uint8Array): number {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (peekAt >= bytes.length) return -1;
    const b = bytes[peekAt++]!;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 128;
  }
  return -1;
}

/**
 * Reads model_name (field 1) and model_version (field 2) of an encoded ModelInferRequest, stepping over every other
 * field (inputs and raw contents are skipped by their length, not read), so a server can refuse a call before it
 * decodes the message. The last occurrence of a field wins, as in protobuf decoding. Undefined when the top-level
 * framing is malformed.
 */
export function peekModelInferTarget(bytes: Uint8Array): ModelInferTarget | undefined {
  let name = '';
  let version = '';
  const end = bytes.length;
  peekAt = 0;
  while (peekAt < end) {
    const key = varint(bytes);
    if (key < 0) return undefined;
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) return undefined;
    if (wire === WIRE_VARINT) {
      if (varint(bytes) < 0) return undefined;
    } else if (wire === WIRE_FIXED64) {
      peekAt += 8;
    } else if (wire === WIRE_FIXED32) {
      peekAt += 4;
    } else if (wire === WIRE_BYTES) {
      const length = varint(bytes);
      if (length < 0 || peekAt + length > end) return undefined;
      if (field === 1) name = targetText.decode(bytes.subarray(peekAt, peekAt + length));
      else if (field === 2) version = targetText.decode(bytes.subarray(peekAt, peekAt + length));
      peekAt += length;
    } else {
      return undefined;
    }
    if (peekAt > end) return undefined;
  }
  return { name, version };
}
