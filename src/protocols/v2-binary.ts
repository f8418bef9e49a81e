// Triton's binary tensor data extension of the v2 REST protocol: a JSON header followed by raw tensor bytes.
//
// Request: header `Inference-Header-Content-Length: N`; the body's first N bytes are the JSON request, and inputs
// with `parameters.binary_data_size` have their bytes after it, in input order. Response: outputs chosen by
// `binary_data` (per output) or `binary_data_output` (per request) follow the JSON header the same way.

import { InvalidInputError } from '../core/errors.js';
import type { InferRequest, InferResponse, ParameterValue } from '../core/infer.js';
import type { RequestLimits } from '../core/request-limits.js';
import type { Tensor } from '../core/tensor.js';
import { tensorToRaw } from './raw-tensor.js';
import { describeValue } from '../core/describe-value.js';
import type { BinaryInputSource, JsonObject } from './v2-json.js';
import { decodeInferRequest, encodeTensor, parseJsonBody, responseDocument } from './v2-json.js';
import { responseText } from './v2-json-text.js';

/** The HTTP header that announces a binary body and gives the JSON part's byte length (lower case, as Node sees it). */
export const HEADER_CONTENT_LENGTH = 'inference-header-content-length';

/** Parses the header's value: a non-negative integer, or undefined when the header is absent (a plain JSON body). */
export function parseHeaderLength(value: string | string[] | undefined): number | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidInputError(`header Inference-Header-Content-Length: expected the JSON part's length as a non-negative integer, got ${describeValue(text)}`);
  }
  return Number(text);
}

/** Hands out the binary part of a body (the bytes after its JSON header) input by input, and knows whether every byte was claimed. */
class BinarySection implements BinaryInputSource {
  private offset = 0;
  constructor(private readonly body: Uint8Array) {}

  take(where: string, size: number): Uint8Array {
    const remaining = this.body.length - this.offset;
    if (size > remaining) {
      throw new InvalidInputError(
        `${where}: parameter "binary_data_size" is ${size}, but only ${remaining} bytes of binary data remain in the body`,
      );
    }
    const bytes = this.body.subarray(this.offset, this.offset + size);
    this.offset += size;
    return bytes;
  }

  get unclaimed(): number {
    return this.body.length - this.offset;
  }
}

/**
 * Decodes a request body. Without a header length it is plain JSON; with one, the JSON header and the binary
 * inputs after it. Binary inputs are views on `body` where aligned, so `body` must not be reused afterwards.
 * `limits` hold each input's declared shape (decodeInferRequest).
 */
export function decodeBinaryInferRequest(body: Uint8Array, headerLength: number | undefined, limits?: RequestLimits): InferRequest {
  const buffer = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (headerLength === undefined) return decodeInferRequest(parseJsonBody(buffer), undefined, limits);
  if (headerLength > body.length) {
    throw new InvalidInputError(`header Inference-Header-Content-Length is ${headerLength}, but the body has only ${body.length} bytes`);
  }
  return decodeBinaryParts(buffer.subarray(0, headerLength), body.subarray(headerLength), limits);
}

/**
 * The same for a body read in two parts: the JSON header, and the binary data after it. Inputs are views on `data`
 * where aligned (always, when `data` starts a buffer), so `data` must not be reused afterwards.
 */
export function decodeBinaryParts(header: Buffer, data: Uint8Array, limits?: RequestLimits): InferRequest {
  const section = new BinarySection(data);
  const request = decodeInferRequest(parseJsonBody(header), section, limits);
  if (section.unclaimed > 0) {
    throw new InvalidInputError(
      `the body has ${data.length} bytes after the JSON header, but the inputs' "binary_data_size" parameters add up to ` +
        `${data.length - section.unclaimed}: every byte after the header must belong to an input`,
    );
  }
  return request;
}

function asFlag(value: ParameterValue | undefined, where: string): boolean | undefined {
  if (value === undefined || typeof value === 'boolean') return value;
  throw new InvalidInputError(`${where}: expected true or false, got ${describeValue(value)}`);
}

/**
 * Which outputs the client wants as binary: an output's own `binary_data` parameter decides, else the request's
 * `binary_data_output`. Checked before inference so a malformed choice costs no model run.
 */
export function binaryOutputChoice(request: InferRequest): (outputName: string) => boolean {
  const fallback = asFlag(request.parameters?.binary_data_output, 'request parameter "binary_data_output"') ?? false;
  const perOutput = new Map<string, boolean>();
  for (const out of request.outputs ?? []) {
    const flag = asFlag(out.parameters?.binary_data, `output "${out.name}": parameter "binary_data"`);
    if (flag !== undefined) perOutput.set(out.name, flag);
  }
  return (name) => perOutput.get(name) ?? fallback;
}

export interface EncodedResponse {
  body: string | Buffer;
  /** Set when the body is binary: the byte length of its JSON header, for the Inference-Header-Content-Length header. */
  headerLength?: number;
}

/** Encodes a response: plain JSON text when no output is binary, else the JSON header and the outputs' bytes after it. */
export function encodeBinaryInferResponse(response: InferResponse, isBinary: (outputName: string) => boolean): EncodedResponse {
  // The usual answer, all JSON: written as text directly.
  if (!response.outputs.some((o) => isBinary(o.name))) return { body: responseText(response) };
  const raw: Uint8Array[] = [];
  const encodeOutput = (tensor: Tensor): JsonObject => {
    if (!isBinary(tensor.name)) return encodeTensor(tensor);
    const bytes = tensorToRaw(tensor);
    raw.push(bytes);
    return { name: tensor.name, datatype: tensor.datatype, shape: tensor.shape, parameters: { binary_data_size: bytes.length } };
  };
  const header = JSON.stringify(responseDocument(response, encodeOutput));
  if (raw.length === 0) return { body: header };
  const json = Buffer.from(header, 'utf8');
  return { body: Buffer.concat([json, ...raw]), headerLength: json.length };
}
