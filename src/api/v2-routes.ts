// The Open Inference Protocol v2 REST surface: health, server and model metadata, readiness, inference.

import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidInputError } from '../core/errors.js';
import type { InferRequest } from '../core/infer.js';
import {
  binaryOutputChoice, encodeBinaryInferResponse, HEADER_CONTENT_LENGTH, parseHeaderLength,
} from '../protocols/v2-binary.js';
import { encodeModelMetadata } from '../protocols/v2-json.js';
import type { DataPlane, Transport } from '../serving/data-plane.js';
import { MODEL_HEADER, VARIANT_HEADER } from '../serving/routing-options.js';
import { connectionSignal } from './connection-signal.js';
import type { DecodePool } from './decode-pool.js';
import { inferAccessHook, type InferAccess } from './infer-access.js';
import { rateKeyOf, type PrincipalName } from './rate-keys.js';
import { isBinaryParts, readRequestBody, type BodyReading, type RequestBody } from './request-body.js';
import { tensorBuffers } from '../runtime/buffer-pool.js';

export interface V2Options {
  plane: DataPlane;
  maxBodyBytes: number;
  /** Decodes request bodies (large JSON ones off the event loop). */
  decoder: DecodePool;
  /** Set when inference needs a token (serve --require-infer-token): checked on every model route, first. */
  inferAccess?: InferAccess;
  /** Names the token a request presents, for per-token rate limits. */
  principalName: PrincipalName;
}

/** Routing hints and the x-slipway-timeout-ms deadline come from request headers. */
const HTTP_TRANSPORT: Transport<IncomingHttpHeaders> = {
  header: (headers, name) => headers[name],
  timeoutHeader: true,
};

interface ModelParams {
  model: string;
  version?: string;
}

const V2_EXTENSIONS: string[] = ['binary_tensor_data'];

export const v2Routes: FastifyPluginAsync<V2Options> = async (app: FastifyInstance, opts) => {
  const { plane, decoder } = opts;
  // Inference bodies are read as bytes whatever their Content-Type (Triton's client sends none, curl sends a form type).
  app.removeAllContentTypeParsers();
  const reading: BodyReading = { limit: opts.maxBodyBytes, pool: tensorBuffers, wholeBuffer: (length) => decoder.bodyBuffer(length) };
  const readBody = (req: FastifyRequest, payload: IncomingMessage, done: (err: Error | null, body?: RequestBody) => void): void =>
    readRequestBody(req.headers, payload, reading, done);
  app.addContentTypeParser('*', readBody);
  // The usual types by name too: Fastify caches a named type's parser, while the catch-all parses the header anew.
  app.addContentTypeParser(['application/json', 'application/octet-stream'], readBody);

  app.get('/v2/health/live', async () => ({ live: plane.serverLive() }));
  app.get('/v2/health/ready', async (_req, reply) => {
    const readiness = plane.readiness();
    return reply.status(readiness.ready ? 200 : 503).send(readiness);
  });
  app.get('/v2', async () => ({ ...plane.serverMetadata(), extensions: V2_EXTENSIONS }));

  // Model routes only; without the setting no hook is added, and a request pays nothing for it.
  const guard = opts.inferAccess ? inferAccessHook(opts.inferAccess) : undefined;
  const guarded = guard ? { onRequest: guard } : {};

  const metadata = async (params: ModelParams): Promise<object> => {
    const meta = await plane.modelMetadata(params.model, params.version);
    return encodeModelMetadata(meta.name, meta.versions, meta.signature);
  };
  app.get<{ Params: ModelParams }>('/v2/models/:model', guarded, async (req) => metadata(req.params));
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version', guarded, async (req) => metadata(req.params));

  const readyRoute = async (req: { params: ModelParams }, reply: FastifyReply): Promise<void> => {
    const ready = await plane.modelReady(req.params.model, req.params.version);
    await reply.status(ready ? 200 : 503).send({ name: req.params.model, ready });
  };
  app.get<{ Params: ModelParams }>('/v2/models/:model/ready', guarded, readyRoute);
  app.get<{ Params: ModelParams }>('/v2/models/:model/versions/:version/ready', guarded, readyRoute);

  const inferRoute = async (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply): Promise<void> => {
    const params = req.params;
    const endpoint = plane.endpoint(params.model); // an unknown endpoint is a 404 before any body is looked at
    const body: unknown = req.body;
    let decoded: InferRequest | Promise<InferRequest>;
    if (isBinaryParts(body)) decoded = decoder.decodeParts(body);
    else if (!Buffer.isBuffer(body) || body.length === 0) throw new InvalidInputError('request body is empty: expected a v2 JSON inference request');
    else decoded = decoder.decode(body, parseHeaderLength(req.headers[HEADER_CONTENT_LENGTH]));
    const request = decoded instanceof Promise ? await decoded : decoded;
    const isBinary = binaryOutputChoice(request);
    const response = await plane.infer(endpoint, params.version, request, HTTP_TRANSPORT, req.headers, connectionSignal(req.raw.socket));
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
  // Refusals at the headers, before the body is read (for a 600 KB image that is most of the cost). Callback hooks: an
  // async one costs a promise on every request.
  const { principalName } = opts;
  type Hook = (req: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply, done: (err?: Error) => void) => void;
  // A rate limit (the endpoint's, the token's) applies to every inference route.
  const limitRate: Hook = (req, _reply, done) => {
    try {
      plane.admit(req.params.model, () => rateKeyOf(req.headers, principalName));
    } catch (err) {
      done(err as Error);
      return;
    }
    done();
  };
  // Overloaded: only without a version in the path, since a registry version runs outside the endpoint's queues. Checked
  // first: a request refused for load spends none of its rate limit.
  const refuseEarly: Hook = (req, reply, done) => {
    const refusal = plane.refusal(req.params.model);
    if (refusal) done(refusal);
    else limitRate(req, reply, done);
  };
  // The token first: an unauthenticated caller learns nothing, not even that the endpoint is busy.
  app.post<{ Params: ModelParams }>('/v2/models/:model/infer', { onRequest: guard ? [guard, refuseEarly] : refuseEarly }, inferRoute);
  app.post<{ Params: ModelParams }>('/v2/models/:model/versions/:version/infer', { onRequest: guard ? [guard, limitRate] : limitRate }, inferRoute);
};
