// A @grpc/grpc-js client of the v2 inference service for integration tests: unary calls by method name.

import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { LOADER_OPTIONS, PROTO_PATH } from '../../src/api/grpc-server.js';

interface MethodDefinition {
  path: string;
  requestSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

const service = loadSync(PROTO_PATH, LOADER_OPTIONS)['inference.GRPCInferenceService'] as unknown as Record<string, MethodDefinition>;

/** One unary call; rejects with the ServiceError (code, details, metadata). Python models on a busy host want more time. */
export function rpc<T>(client: grpc.Client, method: string, message: object, metadata = new grpc.Metadata(), timeoutMs = 10_000): Promise<T> {
  const m = service[method]!;
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, message, metadata, { deadline: Date.now() + timeoutMs }, (err, value) =>
      err ? reject(err) : resolve(value as T),
    );
  });
}

/** The error a call that must fail fails with. */
export async function rpcError(client: grpc.Client, method: string, message: object, metadata?: grpc.Metadata): Promise<grpc.ServiceError> {
  try {
    await rpc(client, method, message, metadata);
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error(`${method} succeeded but should have failed`);
}
