// Both inference surfaces hand EndpointService a deadline and an abort signal, and map its errors: checked with a stand-in.

import { connect } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING } from '../core/endpoint-spec.js';
import { NotFoundError, OverloadedError } from '../core/errors.js';
import type { InferRequest, InferResponse } from '../core/infer.js';
import type { Registry } from '../registry/registry.js';
import type { EndpointService, InferOptions } from '../serving/endpoint-service.js';
import { DecodePool } from './decode-pool.js';
import { installErrorReplies } from './error-reply.js';
import type { GrpcServer } from './grpc-server.js';
import { LOADER_OPTIONS, PROTO_PATH, startGrpcServer } from './grpc-server.js';
import { v2Routes } from './v2-routes.js';

interface Seen {
  options: InferOptions;
  at: number;
  aborted: Promise<void>;
}

/** Records each call's options; a request with id "hold" waits until its signal aborts. */
class StandInEndpoints {
  readonly seen: Seen[] = [];
  readonly settled = true;

  status(name: string): { record: { spec: { routing: typeof DEFAULT_ROUTING } } } {
    if (name !== 'm') throw new NotFoundError(`endpoint "${name}" not found`);
    return { record: { spec: { routing: DEFAULT_ROUTING } } };
  }

  async infer(_name: string, request: InferRequest, options: InferOptions): Promise<InferResponse> {
    const aborted = new Promise<void>((resolve) => {
      if (options.signal?.aborted) resolve();
      options.signal?.addEventListener('abort', () => resolve());
    });
    this.seen.push({ options, at: Date.now(), aborted });
    if (request.id === 'hold') await aborted;
    if (request.id === 'busy') throw new OverloadedError('endpoint "m" has 100 requests queued; retry later', 3);
    if (request.id === 'boom') throw new Error('a bug with details the client must not see');
    return { modelName: 'm', modelVersion: '1', outputs: [{ name: 'y', datatype: 'FP32', shape: [1], data: Float32Array.of(1) }] };
  }
}

const endpoints = new StandInEndpoints();
const service = endpoints as unknown as EndpointService;
const registry = {} as Registry;
const app = Fastify();
let base = '';
let grpcServer: GrpcServer;

const body = (id: string, parameters: object = {}): string =>
  JSON.stringify({ id, parameters, inputs: [{ name: 'x', datatype: 'FP32', shape: [1], data: [1] }] });

beforeAll(async () => {
  installErrorReplies(app);
  await app.register(v2Routes, { endpoints: service, registry, serverVersion: '0', maxBodyBytes: 1 << 20, isReady: () => true, maxTimeoutMs: 5000, decoder: new DecodePool(0) });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  grpcServer = await startGrpcServer({
    endpoints: service, registry, serverVersion: '0', isReady: () => true, host: '127.0.0.1', port: 0,
    maxMessageBytes: 1 << 20, maxTimeoutMs: 5000, logError: () => undefined,
  });
});

afterAll(async () => {
  await app.close();
  await grpcServer?.close();
});

const last = (): Seen => endpoints.seen[endpoints.seen.length - 1]!;

describe('HTTP', () => {
  it('sets no deadline unless asked, and a signal that stays quiet when the answer is sent', async () => {
    const r = await fetch(`${base}/v2/models/m/infer`, { method: 'POST', body: body('a') });
    expect(r.status).toBe(200);
    expect(last().options.deadline).toBeUndefined();
    expect(last().options.signal?.aborted).toBe(false);
  });

  it('takes the deadline from the timeout parameter (µs) or the header (ms), capped by maxTimeoutMs', async () => {
    const before = Date.now();
    await fetch(`${base}/v2/models/m/infer`, { method: 'POST', body: body('b', { timeout: 250_000 }) });
    expect(last().options.deadline! - last().at).toBeLessThanOrEqual(250);
    expect(last().options.deadline! - before).toBeGreaterThanOrEqual(250);
    await fetch(`${base}/v2/models/m/infer`, { method: 'POST', body: body('c'), headers: { 'x-slipway-timeout-ms': '600000' } });
    expect(last().options.deadline! - last().at).toBeLessThanOrEqual(5000);
    expect(last().options.deadline! - before).toBeGreaterThanOrEqual(5000);
  });

  it('aborts the signal when the client goes away before the answer', async () => {
    const count = endpoints.seen.length;
    const text = body('hold');
    const socket = connect(Number(new URL(base).port), '127.0.0.1');
    socket.write(`POST /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    while (endpoints.seen.length === count) await new Promise((r) => setTimeout(r, 10));
    socket.destroy();
    await last().aborted;
    expect(last().options.signal?.aborted).toBe(true);
  });
});

describe('gRPC', () => {
  const method = (loadSync(PROTO_PATH, LOADER_OPTIONS)['inference.GRPCInferenceService'] as unknown as Record<string, {
    path: string; requestSerialize: (v: object) => Buffer; responseDeserialize: (b: Buffer) => unknown;
  }>).ModelInfer!;

  function modelInfer(
    client: grpc.Client, id: string, options: grpc.CallOptions, done: (err: grpc.ServiceError | null) => void = () => undefined,
  ): grpc.ClientUnaryCall {
    const request = { model_name: 'm', id, inputs: [{ name: 'x', datatype: 'FP32', shape: [1], contents: { fp32_contents: [1] } }] };
    return client.makeUnaryRequest(method.path, method.requestSerialize, method.responseDeserialize, request, new grpc.Metadata(), options, done);
  }

  const failure = (client: grpc.Client, id: string): Promise<grpc.ServiceError> =>
    new Promise((resolve, reject) => modelInfer(client, id, {}, (err) => (err ? resolve(err) : reject(new Error('expected an error')))));

  it('maps an overload to RESOURCE_EXHAUSTED with retry-after, and a fault to INTERNAL without its details', async () => {
    const client = new grpc.Client(grpcServer.address, grpc.credentials.createInsecure());
    const busy = await failure(client, 'busy');
    expect(busy.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(busy.details).toBe('endpoint "m" has 100 requests queued; retry later');
    expect(busy.metadata.get('retry-after')).toEqual(['3']);
    const boom = await failure(client, 'boom');
    expect(boom.code).toBe(grpc.status.INTERNAL);
    expect(boom.details).toBe('internal error; see the server log');
    client.close();
  });

  it('takes the deadline from the call, capped by maxTimeoutMs', async () => {
    const client = new grpc.Client(grpcServer.address, grpc.credentials.createInsecure());
    const count = endpoints.seen.length;
    const deadline = Date.now() + 2000;
    modelInfer(client, 'g1', { deadline });
    while (endpoints.seen.length === count) await new Promise((r) => setTimeout(r, 10));
    // The wire carries a timeout, not a time: allow for the trip.
    expect(Math.abs(last().options.deadline! - deadline)).toBeLessThan(200);
    modelInfer(client, 'g2', { deadline: Date.now() + 3_600_000 });
    while (endpoints.seen.length === count + 1) await new Promise((r) => setTimeout(r, 10));
    expect(last().options.deadline! - last().at).toBeLessThanOrEqual(5000);
    client.close();
  });

  it('aborts the signal when the client cancels', async () => {
    const client = new grpc.Client(grpcServer.address, grpc.credentials.createInsecure());
    const count = endpoints.seen.length;
    const call = modelInfer(client, 'hold', {});
    while (endpoints.seen.length === count) await new Promise((r) => setTimeout(r, 10));
    expect(last().options.deadline).toBeUndefined();
    call.cancel();
    await last().aborted;
    expect(last().options.signal?.aborted).toBe(true);
    client.close();
  });
});
