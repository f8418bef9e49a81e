// The v2 gRPC service definition as the server and the decode workers load it, and ModelInferRequest bytes decoded
// the way grpc-js decoded them before (same loader, same options), so inline and off-loop decoding agree.

import { fileURLToPath } from 'node:url';
import type { MethodDefinition, Options as LoaderOptions, ServiceDefinition } from '@grpc/proto-loader';
import { loadSync } from '@grpc/proto-loader';
import { InternalError } from '../core/errors.js';
import type { InferRequest } from '../core/infer.js';
import type { RequestLimits } from '../core/request-limits.js';
import type { GrpcModelInferRequest } from '../protocols/v2-grpc.js';
import { decodeModelInferRequest } from '../protocols/v2-grpc.js';
import { splitPackedContents } from '../protocols/grpc-packed-contents.js';

/** The service definition; two levels up from both src/api/ and dist/api/, so it resolves from either. */
export const PROTO_PATH = fileURLToPath(new URL('../../proto/grpc_predict_v2.proto', import.meta.url));

/** How the proto is read: field names as written, 64-bit integers as decimal strings (exact), defaults filled in. */
export const LOADER_OPTIONS: LoaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

const SERVICE = 'inference.GRPCInferenceService';

/** What grpc-js answers (INTERNAL) when a request message is not valid protobuf; we answer the same. */
export const UNDECODABLE_MESSAGE = 'Error deserializing request';

export function loadService(): ServiceDefinition {
  const definition = loadSync(PROTO_PATH, LOADER_OPTIONS)[SERVICE];
  if (!definition || !('ModelInfer' in definition)) throw new Error(`${PROTO_PATH} does not define ${SERVICE}`);
  return definition as ServiceDefinition;
}

type ModelInferMethod = MethodDefinition<GrpcModelInferRequest, unknown>;
let modelInfer: ModelInferMethod | undefined;

/** A ModelInferRequest's bytes -> the request, checked as every protocol checks it; bad protobuf is INTERNAL, as before. */
export function decodeModelInferBytes(bytes: Buffer, limits?: RequestLimits): InferRequest {
  modelInfer ??= loadService()['ModelInfer'] as ModelInferMethod;
  // Packed FP32/FP64 contents come out as typed arrays; the rest decodes as it always did.
  const split = splitPackedContents(bytes);
  let message: GrpcModelInferRequest;
  try {
    message = modelInfer.requestDeserialize(split ? Buffer.from(split.rest.buffer, split.rest.byteOffset, split.rest.byteLength) : bytes);
  } catch {
    throw new InternalError(UNDECODABLE_MESSAGE);
  }
  for (const packed of split?.packed ?? []) {
    const tensor = message.inputs?.[packed.input];
    if (!tensor) continue;
    const contents = (tensor.contents ??= {});
    if (packed.field === 'fp32_contents') contents.fp32_contents = packed.values;
    else contents.fp64_contents = packed.values;
  }
  return decodeModelInferRequest(message, limits);
}
