// The Open Inference Protocol v2 REST surface: health, server and model metadata, readiness, inference.

import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../core/errors.js';
import { parseVersion } from '../core/model-ref.js';
import {
  binaryOutputChoice, encodeBinaryInferResponse, HEADER_CONTENT_LENGTH, parseHeaderLength,
} from '../protocols/v2-binary.js';
import { encodeModelMetadata } from '../protocols/v2-json.js';
import type { Registry } from '../registry/registry.js';
import type { EndpointService, InferOptions } from '../serving/endpoint-service.js';
import type { DecodePool } from './decode-pool.js';
import { requestDeadline, TIMEOUT_HEADER } from './request-deadline.js';
import { MODEL_HEADER, routingOptions, VARIANT_HEADER } from './routing-options.js';

export interface V2Options {
  endpoints: EndpointService;
  registry: Registry;
  serverVersion: string;
  maxBodyBytes: number;
  /** False until start-up has restored the endpoints. */
  isReady: () => boolean;
  /** Decodes request bodies (large JSON ones off the event loop). */
  decoder: DecodePool;
  /** Cap on a client's requested timeout, in ms (the config's maxTimeoutMs). */
  maxTimeoutMs: number;
}

interface ModelParams {
  model: string;
  version?: string;
}

const V2_EXTENSIONS: string[] = ['binary_tensor_data'];

/**
 * An abort signal for a request that fires when the client goes away before its answer was sent. It listens on the
 * response: since Node 16 the request emits 'close' as soon as its body has been read, disconnected or not.
 */
function abortOnDisconnect(request: FastifyRequest, reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  if (request.raw.socket?.destroyed) controller.abort();
  else reply.raw.once('close', () => {
    if (!reply.raw.writableEnded) controller.abort();
  });
  return controller.signal;
}

export const v2Routes: FastifyPluginAsync<V2Options> = async (app: FastifyInstance, opts) => {
  const { endpoints, registry } = opts;
  // Inference bodies are read as bytes whatever their Content-Type (Triton's client sends none, curl sends a form type).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: opts.maxBodyBytes }, (_req, body, done) => done(null, body));

  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_req, reply) => {
    const ready = opts.isReady() && endpoints.settled;
    return reply.status(ready ? 200 : 503).send({ ready });
  });
  app.get('/v2', async () => ({ name: 'slipway', version: opts.serverVersion, extensions: V2_EXTENSIONS }));

  const version = (params: ModelParams): number | undefined =>
    params.version === undefined ? undefined : parseVersion(params.version, `version "${params.version}"`);

  const metadata = async (params: ModelParams): Promise<object> => {
    const v = version(params);
    const described = await endpoints.describe(params.model, v);
    const versions = (await registry.list(described.name)).map((m) => String(m.version));
    return encodeModelMetadata(params.model, v === undefined ? versions : [String(v)], described.signature);
  };
  app.get<{ Params: ModelParams }>('/v2/models/:model', async (req) => metadata(req.params));
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version', async (req) => metadata(req.params));

  const ready = async (params: ModelParams): Promise<{ name: string; ready: boolean }> => {
    const v = version(params);
    if (v !== undefined) await endpoints.describe(params.model, v);
    return { name: params.model, ready: endpoints.isReady(params.model, v) };
  };
  const readyRoute = async (req: { params: ModelParams }, reply: FastifyReply): Promise<void> => {
    const state = await ready(req.params);
    await reply.status(state.ready ? 200 : 503).send(state);
  };
  app.get<{ Params: ModelParams }>('/v2/models/:model/ready', readyRoute);
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version/ready', readyRoute);

  const maxTimeoutMs = opts.maxTimeoutMs;
  const inferRoute = async (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply): Promise<void> => {
    const params = req.params;
    const status = endpoints.status(params.model); // an unknown endpoint is a 404 before any body is looked at
    const body: unknown = req.body;
    if (!Buffer.isBuffer(body) || body.length === 0) throw new InvalidInputError('request body is empty: expected a v2 JSON inference request');
    const decoded = opts.decoder.decode(body, parseHeaderLength(req.headers[HEADER_CONTENT_LENGTH]));
    const request = decoded instanceof Promise ? await decoded : decoded;
    const isBinary = binaryOutputChoice(request);
    const options: InferOptions = {
      signal: abortOnDisconnect(req, reply),
      ...routingOptions(status.record.spec.routing.stickyHeader, (h) => req.headers[h], request.parameters),
    };
    const v = version(params);
    if (v !== undefined) options.version = v;
    const deadline = requestDeadline({ timeoutParameter: request.parameters?.timeout, timeoutHeader: req.headers[TIMEOUT_HEADER] }, maxTimeoutMs);
    if (deadline !== undefined) options.deadline = deadline;
    const response = await endpoints.infer(params.model, request, options);
    void reply.header(VARIANT_HEADER, String(response.parameters?.variant ?? '')).header(MODEL_HEADER, String(response.parameters?.model ?? ''));
    const encoded = encodeBinaryInferResponse(response, isBinary);
    if (encoded.headerLength === undefined) {
      await reply.header('content-type', 'application/json').send(encoded.body);
      return;
    }
    await reply
      .header('content-type', 'application/octet-stream')
      .header(HEADER_CONTENT_LENGTH, String(encoded.headerLength))
      .send(encoded.body);
  };
  // Overloaded: refuse at the headers, before the body is read (for a 600 KB image that is most of the cost).
  // Only without a version in the path: a registry version runs outside the endpoint's queues.
  const refuseEarly = async (req: FastifyRequest<{ Params: ModelParams }>): Promise<void> => {
    const refusal = endpoints.refusalBeforeBody(req.params.model);
    if (refusal) throw refusal;
  };
  app.post<{ Params: ModelParams }>('/v2/models/:model/infer', { onRequest: refuseEarly }, inferRoute);
  app.post<{ Params: ModelParams }>('/v2/models/:model/versions/:version/infer', inferRoute);
};
