// The Open Inference Protocol v2 gRPC surface (inference.GRPCInferenceService): health, metadata, readiness, inference.

import * as grpc from '@grpc/grpc-js';
import { asSlipwayError, InternalError, InvalidInputError, OverloadedError, RateLimitedError, SlipwayError } from '../core/errors.js';
import { CancelLatch } from '../core/cancel-signal.js';
import type { GrpcModelInferResponse } from '../protocols/v2-grpc.js';
import { encodeModelInferResponse, peekModelInferTarget } from '../protocols/v2-grpc.js';
import { encodeModelMetadata } from '../protocols/v2-json.js';
import type { DataPlane, Transport } from '../serving/data-plane.js';
import type { DecodePool } from './decode-pool.js';
import { loadService, UNDECODABLE_MESSAGE } from './grpc-proto.js';
import type { InferAccess } from './infer-access.js';
import { grpcServerCredentials, type ServerTls } from './server-tls.js';
import { DEFAULT_SESSION_WINDOWS, withSessionWindows } from './http2-window.js';
import { rateKeyOfCall, type PrincipalName } from './rate-keys.js';

export { LOADER_OPTIONS, PROTO_PATH } from './grpc-proto.js';

/** binary_tensor_data is an HTTP extension: gRPC carries raw tensor bytes natively. */
const GRPC_EXTENSIONS: string[] = [];

/** Routing hints come from call metadata; the deadline is the call's own (no timeout header). */
const GRPC_TRANSPORT: Transport<grpc.Metadata> = {
  header: (metadata, key) => {
    const v = metadata.get(key)[0];
    return v === undefined ? undefined : String(v);
  },
  timeoutHeader: false,
};

export interface GrpcServerOptions {
  plane: DataPlane;
  /** Decodes ModelInfer messages (large ones off the event loop). */
  decoder: DecodePool;
  host: string;
  /** 0 picks a free port. */
  port: number;
  maxMessageBytes: number;
  /** Set when inference needs a token (serve --require-infer-token): checked on ModelInfer, ModelMetadata and ModelReady. */
  inferAccess?: InferAccess;
  /** Names the token a call presents (`authorization` metadata), for per-token rate limits; absent: none. */
  principalName?: PrincipalName;
  /** TLS (and client certificates, when it has a client CA); absent: plaintext. */
  tls?: ServerTls | undefined;
  /** Where internal faults are reported (the HTTP server's logger). */
  logError: (details: object, message: string) => void;
}

export interface GrpcServer {
  /** host:port as clients dial it. */
  address: string;
  port: number;
  /** Stops taking calls, lets calls in flight finish (bounded), then closes. */
  close(): Promise<void>;
}

interface NameVersion {
  name?: string;
  version?: string;
}

function deadlineMs(deadline: grpc.Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

/**
 * The service with ModelInfer's message kept as bytes: the handler refuses an overloaded call before decoding it, and
 * decodes a large one off the event loop. Every other method decodes as grpc-js does.
 */
function serviceKeepingInferBytes(): grpc.ServiceDefinition {
  const service = loadService();
  const infer = service['ModelInfer']!;
  return { ...service, ModelInfer: { ...infer, requestDeserialize: (bytes: Buffer) => bytes } } as unknown as grpc.ServiceDefinition;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServer> {
  const { plane, decoder } = opts;
  const principalName = opts.principalName ?? ((): undefined => undefined);

  /** The one mapping of errors to gRPC status: the hierarchy's code, internal faults logged and not detailed. */
  const toStatus = (err: unknown, method: string): grpc.ServerErrorResponse => {
    const e = asSlipwayError(err);
    const metadata = new grpc.Metadata();
    if (e instanceof OverloadedError || e instanceof RateLimitedError) metadata.set('retry-after', String(e.retryAfterSeconds));
    let details = e.message;
    // Our own errors say what failed (e.g. a model that failed to run); anything else is a bug whose text stays in the log.
    if (!(err instanceof SlipwayError)) {
      opts.logError({ err, method }, 'gRPC request failed');
      details = 'internal error; see the server log';
    }
    return Object.assign(new Error(details), { code: e.grpcCode, details, metadata });
  };

  const unary = <Req, Res>(method: string, work: (call: grpc.ServerUnaryCall<Req, Res>) => Promise<Res>): grpc.handleUnaryCall<Req, Res> =>
    (call, callback) => {
      work(call).then(
        (response) => callback(null, response),
        (err: unknown) => callback(toStatus(err, method)),
      );
    };

  /** gRPC leaves a string field '' when absent: no version. */
  const version = (text: string | undefined): string | undefined => (text === undefined || text === '' ? undefined : text);

  const modelName = (name: string | undefined): string => {
    if (!name) throw new InvalidInputError('expected "name" of the model (the endpoint to call)');
    return name;
  };

  /** The token check of a model call (nothing without --require-infer-token); the call is the principal's key. */
  const access = opts.inferAccess;
  const authorization = (metadata: grpc.Metadata): string | undefined => {
    const v = metadata.get('authorization')[0];
    return v === undefined ? undefined : String(v);
  };
  const checkAccess = async (call: grpc.ServerUnaryCall<unknown, unknown>, name: string): Promise<void> => {
    if (access) await access(authorization(call.metadata), name, call);
  };

  const infer = async (call: grpc.ServerUnaryCall<Buffer, GrpcModelInferResponse>): Promise<GrpcModelInferResponse> => {
    const bytes = call.request;
    const target = peekModelInferTarget(bytes);
    if (!target) throw new InternalError(UNDECODABLE_MESSAGE);
    const name = target.name;
    if (!name) throw new InvalidInputError('ModelInferRequest: expected "model_name" (the endpoint to call)');
    if (access) await access(authorization(call.metadata), name, call);
    // Overloaded: refuse before decoding, as HTTP refuses before reading the body (only without a version, as there).
    if (target.version === '') {
      const refusal = plane.refusal(name);
      if (refusal) throw refusal;
    }
    plane.admit(name, () => rateKeyOfCall(call.metadata, principalName));
    const endpoint = plane.endpoint(name); // an unknown endpoint is NOT_FOUND before any tensor is looked at, as over HTTP
    const decoded = decoder.decodeGrpc(bytes);
    const request = decoded instanceof Promise ? await decoded : decoded;
    // grpc-js reports the end of every call as 'cancelled', so the latch is cheap to set (see CancelLatch).
    const cancel = new CancelLatch();
    if (call.cancelled) cancel.abort();
    else call.once('cancelled', () => cancel.abort());
    const response = await plane.infer(
      endpoint, version(target.version), request, GRPC_TRANSPORT, call.metadata, cancel, deadlineMs(call.getDeadline()),
    );
    return encodeModelInferResponse(response);
  };

  const implementation: grpc.UntypedServiceImplementation = {
    ServerLive: unary('ServerLive', async () => ({ live: plane.serverLive() })),
    ServerReady: unary('ServerReady', async () => ({ ready: plane.serverReady() })),
    ServerMetadata: unary('ServerMetadata', async () => ({ ...plane.serverMetadata(), extensions: GRPC_EXTENSIONS })),
    ModelMetadata: unary('ModelMetadata', async (call: grpc.ServerUnaryCall<NameVersion, unknown>) => {
      await checkAccess(call, modelName(call.request.name));
      const meta = await plane.modelMetadata(modelName(call.request.name), version(call.request.version));
      return encodeModelMetadata(meta.name, meta.versions, meta.signature);
    }),
    ModelReady: unary('ModelReady', async (call: grpc.ServerUnaryCall<NameVersion, unknown>) => {
      await checkAccess(call, modelName(call.request.name));
      return { ready: await plane.modelReady(modelName(call.request.name), version(call.request.version)) };
    }),
    ModelInfer: unary('ModelInfer', infer),
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageBytes,
    'grpc.max_send_message_length': opts.maxMessageBytes,
  });
  server.addService(serviceKeepingInferBytes(), implementation);
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const port = await withSessionWindows(DEFAULT_SESSION_WINDOWS, () => new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port}`, grpcServerCredentials(opts.tls), (err, bound) =>
      err
        ? reject(new Error(`gRPC cannot listen on ${host}:${opts.port}: ${err.message}; pick another port with --grpc-port / SLIPWAY_GRPC_PORT (0 = any free one)`, { cause: err }))
        : resolve(bound),
    );
  }));
  return {
    address: `${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        // Calls in flight get a grace period, as HTTP requests do; a client holding a stream open does not hold us up.
        const force = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 10_000);
        server.tryShutdown(() => {
          clearTimeout(force);
          resolve();
        });
      }),
  };
}
