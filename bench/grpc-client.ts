// gRPC v2 client for the bench: proto loading, pre-encoded ModelInfer calls (as a load generator sends them) and decoded replies for checks.

import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';

const PROTO_PATH = join(import.meta.dirname, '..', 'proto', 'grpc_predict_v2.proto');
const LOADER_OPTIONS = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };
const MAX_MESSAGE = 64 * 1024 * 1024;

interface MethodDefinition {
  path: string;
  requestSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

export interface InferInput {
  name: string;
  datatype: string;
  shape: number[];
  /** Typed contents, as KServe's Python client sends them (Triton's client uses raw_input_contents). */
  contents?: { fp32_contents: number[] };
}

export interface ModelInferRequest {
  model_name: string;
  inputs: InferInput[];
  raw_input_contents?: Buffer[];
}

export interface ModelInferReply {
  model_name: string;
  model_version: string;
  outputs: { name: string; datatype: string; shape: string[] }[];
  raw_output_contents: Buffer[];
}

let cached: MethodDefinition | undefined;
function modelInfer(): MethodDefinition {
  if (!cached) {
    const service = loadSync(PROTO_PATH, LOADER_OPTIONS)['inference.GRPCInferenceService'] as unknown as Record<string, MethodDefinition> | undefined;
    const method = service?.ModelInfer;
    if (!method) throw new Error(`${PROTO_PATH} has no inference.GRPCInferenceService/ModelInfer`);
    cached = method;
  }
  return cached;
}

export function newGrpcClient(address: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure(), {
    'grpc.max_receive_message_length': MAX_MESSAGE,
    'grpc.max_send_message_length': MAX_MESSAGE,
  });
}

/** Serialises the request once; a load generator then sends these bytes on every call. */
export function encodeInfer(request: ModelInferRequest): Buffer {
  return modelInfer().requestSerialize(request);
}

const identity = (b: Buffer): Buffer => b;

/** One call with pre-encoded bytes; resolves with the reply's size (the reply is not decoded), rejects with the ServiceError. */
export function inferRaw(client: grpc.Client, encoded: Buffer, deadlineMs: number): Promise<number> {
  const path = modelInfer().path;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(path, identity, identity, encoded, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, reply) =>
      err ? reject(err) : resolve(reply?.length ?? 0),
    );
  });
}

/** One call, decoded (for checking answers). */
export function inferDecoded(client: grpc.Client, request: ModelInferRequest, deadlineMs = 30_000): Promise<ModelInferReply> {
  const m = modelInfer();
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, new grpc.Metadata(), { deadline: Date.now() + deadlineMs }, (err, reply) =>
      err ? reject(err) : resolve(reply as ModelInferReply),
    );
  });
}
