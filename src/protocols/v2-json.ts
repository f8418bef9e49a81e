// Open Inference Protocol v2, JSON form: request bytes -> InferRequest, InferResponse -> JSON text.

import type { DataType, TensorData } from '../core/datatype.js';
import { allocate, integerRange } from '../core/datatype.js';
import { InvalidInputError } from '../core/errors.js';
import { FlatNumbers, MAX_DEPTH, checkDepth, scanJson } from './json-scan.js';
import { fromHalfBits, toHalfBits } from '../core/fp16.js';
import type { InferRequest, InferResponse, Parameters, RequestedOutput } from '../core/infer.js';
import type { Signature, TensorSpec } from '../core/signature.js';
import type { Tensor } from '../core/tensor.js';
import { shapeSize } from '../core/tensor.js';
import type { RequestLimits, ShapeBudget } from '../core/request-limits.js';
import { shapeBudget } from '../core/request-limits.js';
import { rawToTensor } from './raw-tensor.js';
import { describeValue as describe } from '../core/describe-value.js';
import { parseDatatype, parseShape } from './tensor-header.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Where an input whose JSON carries `parameters.binary_data_size` instead of `data` finds its bytes: the binary
 * tensor data extension (v2-binary.ts). Keeping this hook here lets both forms share one input decoder.
 */
export interface BinaryInputSource {
  /** The next `size` bytes of binary data, in input order; throws an InvalidInputError naming `where` if fewer remain. */
  take(where: string, size: number): Uint8Array;
}

/**
 * Below this, V8's native JSON.parse and the walk over its arrays cost about what the scanner does (a [1,64] request:
 * ~3 µs either way); from here up the scanner is cheaper, ~0.75× at 1.3 KB, ~0.4× from 10 KB
 * (bench/results/json-decode.md).
 */
const SCAN_BYTES = 1024;

/** Parses a request body; large bodies' numeric `data` arrays come back flat (see json-scan.ts). */
export function parseJsonBody(body: Uint8Array | string): unknown {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  if (bytes.length >= SCAN_BYTES) return scanJson(bytes);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  } catch {
    // Parse again with the scanner only to say where the body is broken, in the same words as for large bodies
    // (nesting past MAX_DEPTH first, as the scanner would).
    checkDepth(bytes);
    return scanJson(bytes);
  }
  // Walking the parsed value is cheaper than scanning the bytes first; a body nested too deep is then refused by the
  // byte scan, which says where.
  if (nestsDeeperThan(parsed, MAX_DEPTH)) checkDepth(bytes);
  return parsed;
}

/** Whether arrays and objects in a parsed value nest deeper than `max` (the value itself is level 1), without recursion. */
function nestsDeeperThan(root: unknown, max: number): boolean {
  if (typeof root !== 'object' || root === null) return false;
  const stack: object[] = [root];
  const depths: number[] = [1];
  while (stack.length > 0) {
    const value = stack.pop()!;
    const depth = depths.pop()!;
    if (depth > max) return true;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v === 'object' && v !== null) {
          stack.push(v);
          depths.push(depth + 1);
        }
      }
    } else {
      for (const key in value) {
        const v: unknown = (value as Record<string, unknown>)[key];
        if (typeof v === 'object' && v !== null) {
          stack.push(v);
          depths.push(depth + 1);
        }
      }
    }
  }
  return false;
}

function parseParameters(value: unknown, where: string): Parameters | undefined {
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new InvalidInputError(`${where}: expected "parameters" to be an object, got ${describe(value)}`);
  const out: Parameters = {};
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
      throw new InvalidInputError(`${where}: parameter "${k}" must be a string, number or boolean, got ${describe(v)}`);
    }
    out[k] = v;
  }
  return out;
}

/** Converts flat numbers to the datatype's array in one pass, with the same checks (and messages) as decodeData. */
function decodeNumbers(datatype: DataType, flat: FlatNumbers, shape: readonly number[], count: number, where: string): TensorData {
  const values = flat.values;
  if (values.length !== count) throw countMismatch(where, shape, values.length);
  const bad = (n: number, expected: string): never => {
    throw new InvalidInputError(`${where}: element ${n} of "data": expected ${expected} for ${datatype}, got ${describe(values[n])}`);
  };
  switch (datatype) {
    case 'FP32': return Float32Array.from(values);
    case 'FP64': return values.byteOffset === 0 && values.length * 8 === values.buffer.byteLength ? values : values.slice();
    case 'FP16': {
      const out = new Uint16Array(count);
      for (let n = 0; n < count; n++) out[n] = toHalfBits(values[n]!);
      return out;
    }
    case 'BOOL': {
      const out = new Uint8Array(count);
      for (let n = 0; n < count; n++) {
        const v = values[n]!;
        if (v !== 0 && v !== 1) bad(n, 'true or false');
        out[n] = v;
      }
      return out;
    }
    case 'BYTES':
      return count === 0 ? [] : bad(0, 'a string');
    default: {
      const [min, max] = integerRange(datatype)!;
      for (let n = 0; n < count; n++) {
        const v = values[n]!;
        if (!Number.isInteger(v) || v < min || v > max) bad(n, `an integer from ${min} to ${max}`);
      }
      const out = allocate(datatype, count);
      if (datatype === 'INT64' || datatype === 'UINT64') {
        for (let n = 0; n < count; n++) (out as BigInt64Array)[n] = BigInt(values[n]!);
      } else (out as Int32Array).set(values);
      return out;
    }
  }
}

function countMismatch(where: string, shape: readonly number[], got: number): InvalidInputError {
  return new InvalidInputError(`${where}: shape holds ${shapeSize(shape)} elements, but "data" has ${got}`);
}

/** The elements (non-array values) of nested arrays, counted without recursion. */
function countElements(data: unknown[]): number {
  let n = 0;
  const stack: unknown[][] = [data];
  while (stack.length > 0) {
    for (const v of stack.pop()!) {
      if (Array.isArray(v)) stack.push(v);
      else n++;
    }
  }
  return n;
}

/** Writes the elements of (possibly nested) `data` into a typed array, checking each against the datatype. */
function decodeData(datatype: DataType, data: unknown, shape: readonly number[], where: string): TensorData {
  const count = shapeSize(shape);
  if (data instanceof FlatNumbers) return decodeNumbers(datatype, data, shape, count, where);
  if (!Array.isArray(data)) throw new InvalidInputError(`${where}: expected "data" to be an array, got ${describe(data)}`);
  // Count first, allocate after: the shape is the client's claim, and a claim of 64 billion elements next to two
  // values must be refused as the client's mistake, not tried as an allocation (a RangeError, or gigabytes).
  const elements = countElements(data);
  if (elements !== count) throw countMismatch(where, shape, elements);
  const out = allocate(datatype, count);
  let n = 0;
  const range = integerRange(datatype);
  const put = (v: unknown): void => {
    const bad = (expected: string): never => {
      throw new InvalidInputError(`${where}: element ${n} of "data": expected ${expected} for ${datatype}, got ${describe(v)}`);
    };
    switch (datatype) {
      case 'BOOL':
        if (typeof v === 'boolean') (out as Uint8Array)[n] = v ? 1 : 0;
        else if (v === 0 || v === 1) (out as Uint8Array)[n] = v;
        else bad('true or false');
        break;
      case 'BYTES':
        if (typeof v !== 'string') bad('a string');
        (out as string[])[n] = v as string;
        break;
      case 'FP16':
        if (typeof v !== 'number') bad('a number');
        (out as Uint16Array)[n] = toHalfBits(v as number);
        break;
      case 'FP32': case 'FP64':
        if (typeof v !== 'number') bad('a number');
        (out as Float32Array)[n] = v as number;
        break;
      case 'INT64': case 'UINT64':
        if (typeof v !== 'number' || !Number.isInteger(v) || v < range![0] || v > range![1]) bad(`an integer from ${range![0]} to ${range![1]}`);
        (out as BigInt64Array)[n] = BigInt(v as number);
        break;
      default:
        if (typeof v !== 'number' || !Number.isInteger(v) || v < range![0] || v > range![1]) bad(`an integer from ${range![0]} to ${range![1]}`);
        (out as Int32Array)[n] = v as number;
    }
    n++;
  };
  // Iterative flatten: nested data of any depth without recursion limits.
  const stack: { arr: unknown[]; i: number }[] = [{ arr: data, i: 0 }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.i >= top.arr.length) {
      stack.pop();
      continue;
    }
    const v = top.arr[top.i++];
    if (Array.isArray(v)) stack.push({ arr: v, i: 0 });
    else put(v);
  }
  return out;
}

function binaryDataSize(parameters: Parameters | undefined, where: string): number | undefined {
  const size = parameters?.binary_data_size;
  if (size === undefined) return undefined;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) {
    throw new InvalidInputError(`${where}: expected parameter "binary_data_size" to be a non-negative integer byte count, got ${describe(size)}`);
  }
  return size;
}

function decodeInput(value: unknown, i: number, binary: BinaryInputSource | undefined, budget: ShapeBudget | undefined): Tensor {
  if (!isObject(value)) throw new InvalidInputError(`inputs[${i}]: expected an object, got ${describe(value)}`);
  const name = value.name;
  if (typeof name !== 'string' || name === '') throw new InvalidInputError(`inputs[${i}]: expected "name" to be a non-empty string, got ${describe(name)}`);
  const where = `input "${name}"`;
  const datatype = parseDatatype(value.datatype, where);
  const shape = parseShape(value.shape, where);
  budget?.admit(where, shape);
  const size = binaryDataSize(parseParameters(value.parameters, where), where);
  if (size !== undefined) {
    if (value.data !== undefined) {
      throw new InvalidInputError(`${where}: has both "data" and parameter "binary_data_size"; send its elements one way only`);
    }
    if (!binary) {
      throw new InvalidInputError(
        `${where}: parameter "binary_data_size" is set, but the request has no binary data ` +
          '(send the header "Inference-Header-Content-Length" with the byte length of the JSON part)',
      );
    }
    return rawToTensor(name, datatype, shape, binary.take(where, size), where);
  }
  if (value.data === undefined) throw new InvalidInputError(`${where}: expected "data"`);
  return { name, datatype, shape, data: decodeData(datatype, value.data, shape, where) };
}

/**
 * Decodes a v2 JSON inference request (or the JSON header of a binary one, with `binary` supplying the bytes).
 * Structural checks only: the signature check happens in serving. With `limits`, each input's declared shape is held
 * to them before its data is read.
 */
export function decodeInferRequest(body: unknown, binary?: BinaryInputSource, limits?: RequestLimits): InferRequest {
  if (!isObject(body)) throw new InvalidInputError(`request body: expected a JSON object, got ${describe(body)}`);
  const inputs = body.inputs;
  if (!Array.isArray(inputs) || inputs.length === 0) {
    throw new InvalidInputError(`request body: expected "inputs" to be a non-empty array, got ${describe(inputs)}`);
  }
  const budget = shapeBudget(limits);
  const request: InferRequest = { inputs: inputs.map((input, i) => decodeInput(input, i, binary, budget)) };
  if (body.id !== undefined) {
    if (typeof body.id !== 'string') throw new InvalidInputError(`request body: expected "id" to be a string, got ${describe(body.id)}`);
    request.id = body.id;
  }
  const parameters = parseParameters(body.parameters, 'request');
  if (parameters) request.parameters = parameters;
  if (body.outputs !== undefined) {
    if (!Array.isArray(body.outputs)) throw new InvalidInputError(`request body: expected "outputs" to be an array, got ${describe(body.outputs)}`);
    request.outputs = body.outputs.map((o, i): RequestedOutput => {
      if (!isObject(o) || typeof o.name !== 'string') {
        throw new InvalidInputError(`outputs[${i}]: expected an object with a "name" string, got ${describe(o)}`);
      }
      const requested: RequestedOutput = { name: o.name };
      const p = parseParameters(o.parameters, `output "${o.name}"`);
      if (p) requested.parameters = p;
      return requested;
    });
  }
  return request;
}

/** Plain JSON values of a tensor's elements: booleans for BOOL, numbers for the rest (64-bit integers as numbers). */
export function tensorValues(tensor: Tensor): (number | boolean | string)[] {
  const d = tensor.data;
  if (Array.isArray(d)) return d;
  switch (tensor.datatype) {
    case 'BOOL': return Array.from(d as Uint8Array, (v) => v !== 0);
    case 'FP16': return Array.from(d as Uint16Array, fromHalfBits);
    case 'INT64': case 'UINT64': return Array.from(d as BigInt64Array, Number);
    default: return Array.from(d as Float32Array);
  }
}

export function encodeTensor(tensor: Tensor): JsonObject {
  return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, data: tensorValues(tensor) };
}

/** The response document with each output encoded by `encodeOutput` (JSON data here, binary sizes in v2-binary). */
export function responseDocument(response: InferResponse, encodeOutput: (tensor: Tensor) => JsonObject): JsonObject {
  const body: JsonObject = { model_name: response.modelName, model_version: response.modelVersion };
  if (response.id !== undefined) body.id = response.id;
  if (response.parameters) body.parameters = response.parameters;
  body.outputs = response.outputs.map(encodeOutput);
  return body;
}

export function encodeInferResponse(response: InferResponse): string {
  return JSON.stringify(responseDocument(response, encodeTensor));
}

function encodeSpec(spec: TensorSpec): JsonObject {
  return { name: spec.name, datatype: spec.datatype, shape: spec.shape };
}

/** The v2 model metadata document. */
export function encodeModelMetadata(name: string, versions: string[], signature: Signature): JsonObject {
  return {
    name,
    versions,
    platform: 'onnxruntime_onnx',
    inputs: signature.inputs.map(encodeSpec),
    outputs: signature.outputs.map(encodeSpec),
  };
}
