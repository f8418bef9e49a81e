// The Open Inference Protocol v2 gRPC surface (inference.GRPCInferenceService): health, metadata, readiness, inference.

import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import type { Options as LoaderOptions } from '@grpc/proto-loader';
import { loadSync } from '@grpc/proto-loader';
import { asSlipwayError, InvalidInputError, OverloadedError, SlipwayError } from '../core/errors.js';
import { parseVersion } from '../core/model-ref.js';
import type { GrpcModelInferRequest, GrpcModelInferResponse } from '../protocols/v2-grpc.js';
import { decodeModelInferRequest, encodeModelInferResponse } from '../protocols/v2-grpc.js';
import { encodeModelMetadata } from '../protocols/v2-json.js';
import type { Registry } from '../registry/registry.js';
import type { EndpointService, InferOptions } from '../serving/endpoint-service.js';
import { requestDeadline } from './request-deadline.js';
import { routingOptions } from './routing-options.js';

/** The service definition; two levels up from both src/api/ and dist/api/, so it resolves from either. */
export const PROTO_PATH = fileURLToPath(new URL('../../proto/grpc_predict_v2.proto', import.meta.url));

/** How the proto is read: field names as written, 64-bit integers as decimal strings (exact), defaults filled in. */
export const LOADER_OPTIONS: LoaderOptions = { keepCase: true, longs: String, enums: String, defaults: true, oneofs: true };

const SERVICE = 'inference.GRPCInferenceService';

/** binary_tensor_data is an HTTP extension: gRPC carries raw tensor bytes natively. */
const GRPC_EXTENSIONS: string[] = [];

export interface GrpcServerOptions {
  endpoints: EndpointService;
  registry: Registry;
  serverVersion: string;
  /** False until start-up has restored the endpoints. */
  isReady: () => boolean;
  host: string;
  /** 0 picks a free port. */
  port: number;
  maxMessageBytes: number;
  maxTimeoutMs: number;
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

function loadService(): grpc.ServiceDefinition {
  const definition = loadSync(PROTO_PATH, LOADER_OPTIONS)[SERVICE];
  if (!definition || !('ModelInfer' in definition)) throw new Error(`${PROTO_PATH} does not define ${SERVICE}`);
  return definition as grpc.ServiceDefinition;
}

function deadlineMs(deadline: grpc.Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

export async function startGrpcServer(opts: GrpcServerOptions): Promise<GrpcServer> {
  const { endpoints, registry } = opts;

  /** The one mapping of errors to gRPC status: the hierarchy's code, internal faults logged and not detailed. */
  const toStatus = (err: unknown, method: string): grpc.ServerErrorResponse => {
    const e = asSlipwayError(err);
    const metadata = new grpc.Metadata();
    if (e instanceof OverloadedError) metadata.set('retry-after', String(e.retryAfterSeconds));
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

  const version = (text: string | undefined): number | undefined =>
    text === undefined || text === '' ? undefined : parseVersion(text, `version "${text}"`);

  const modelName = (name: string | undefined): string => {
    if (!name) throw new InvalidInputError('expected "name" of the model (the endpoint to call)');
    return name;
  };

  const implementation: grpc.UntypedServiceImplementation = {
    ServerLive: unary('ServerLive', async () => ({ live: true })),
    ServerReady: unary('ServerReady', async () => ({ ready: opts.isReady() && endpoints.settled })),
    ServerMetadata: unary('ServerMetadata', async () => ({ name: 'slipway', version: opts.serverVersion, extensions: GRPC_EXTENSIONS })),
    ModelMetadata: unary('ModelMetadata', async (call: grpc.ServerUnaryCall<NameVersion, unknown>) => {
      const name = modelName(call.request.name);
      const v = version(call.request.version);
      const described = await endpoints.describe(name, v);
      const versions = (await registry.list(described.name)).map((m) => String(m.version));
      return encodeModelMetadata(name, v === undefined ? versions : [String(v)], described.signature);
    }),
    ModelReady: unary('ModelReady', async (call: grpc.ServerUnaryCall<NameVersion, unknown>) => {
      const name = modelName(call.request.name);
      const v = version(call.request.version);
      if (v !== undefined) await endpoints.describe(name, v);
      return { ready: endpoints.isReady(name, v) };
    }),
    ModelInfer: unary('ModelInfer', async (call: grpc.ServerUnaryCall<GrpcModelInferRequest, GrpcModelInferResponse>) => {
      const message = call.request;
      const name = message.model_name;
      if (!name) throw new InvalidInputError('ModelInferRequest: expected "model_name" (the endpoint to call)');
      const status = endpoints.status(name); // an unknown endpoint is NOT_FOUND before any tensor is looked at, as over HTTP
      const request = decodeModelInferRequest(message);
      const controller = new AbortController();
      if (call.cancelled) controller.abort();
      else call.once('cancelled', () => controller.abort());
      const metadataValue = (key: string): string | undefined => {
        const v = call.metadata.get(key)[0];
        return v === undefined ? undefined : String(v);
      };
      const options: InferOptions = {
        signal: controller.signal,
        ...routingOptions(status.record.spec.routing.stickyHeader, metadataValue, request.parameters),
      };
      const v = version(message.model_version);
      if (v !== undefined) options.version = v;
      const deadline = requestDeadline(
        { timeoutParameter: request.parameters?.timeout, transportDeadline: deadlineMs(call.getDeadline()) },
        opts.maxTimeoutMs,
      );
      if (deadline !== undefined) options.deadline = deadline;
      return encodeModelInferResponse(await endpoints.infer(name, request, options));
    }),
  };

  const server = new grpc.Server({
    'grpc.max_receive_message_length': opts.maxMessageBytes,
    'grpc.max_send_message_length': opts.maxMessageBytes,
  });
  server.addService(loadService(), implementation);
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  const port = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${opts.port}`, grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err
        ? reject(new Error(`gRPC cannot listen on ${host}:${opts.port}: ${err.message}; pick another port with --grpc-port / SLIPWAY_GRPC_PORT (0 = any free one)`, { cause: err }))
        : resolve(bound),
    );
  });
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
