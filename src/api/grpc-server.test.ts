// The gRPC adapter over a real data plane with fake runners: an overloaded endpoint refuses a call before its message
// is decoded (RESOURCE_EXHAUSTED, retry-after), bad protobuf is answered as grpc-js answered it, large messages
// decode on a worker and give the same request as inline decoding; sessions advertise large flow-control windows.

import * as grpc from '@grpc/grpc-js';
import type { MethodDefinition } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_ROUTING } from '../core/endpoint-spec.js';
import type { ModelVersion } from '../core/model-version.js';
import { DEFAULT_RUNTIME, type RuntimeConfig } from '../core/runtime-config.js';
import type { Signature } from '../core/signature.js';
import { ServingMetrics } from '../monitoring/serving-metrics.js';
import { varintLength, writeVarint } from '../protocols/protobuf-wire.js';
import type { GrpcModelInferRequest } from '../protocols/v2-grpc.js';
import type { Registry } from '../registry/registry.js';
import type { RunOutput, RunRequest, Runner } from '../runtime/runner.js';
import { Scheduler } from '../runtime/scheduler.js';
import { DataPlane } from '../serving/data-plane.js';
import { LiveEndpoints } from '../serving/live-endpoints.js';
import { LiveVariant } from '../serving/live-variant.js';
import { VariantLoader } from '../serving/variant-loader.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import { DecodePool } from './decode-pool.js';
import { decodeModelInferBytes, loadService } from './grpc-proto.js';
import { startGrpcServer, type GrpcServer } from './grpc-server.js';
import { DEFAULT_SESSION_WINDOWS } from './http2-window.js';
import { windowsSeen } from './http2-window.test-util.js';

const COLS = 4;
const SIGNATURE: Signature = {
  inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, COLS] }],
  outputs: [{ name: 'y', datatype: 'FP32', shape: [-1, COLS] }],
};

/** Echoes x as y; while held, runs wait until released. */
class EchoRunner implements Runner {
  readonly signature = SIGNATURE;
  readonly size = 1;
  held = false;
  private gates: (() => void)[] = [];
  get pending(): number {
    return this.gates.length;
  }
  run(request: RunRequest): Promise<RunOutput> {
    const x = request.inputs[0]!;
    const answer = (): RunOutput => ({ outputs: [{ ...x, name: 'y', data: (x.data as Float32Array).slice() }], spent: [] });
    if (!this.held) return Promise.resolve(answer());
    return new Promise((resolve) => this.gates.push(() => resolve(answer())));
  }
  releaseAll(): void {
    this.held = false;
    for (const gate of this.gates.splice(0)) gate();
  }
  async dispose(): Promise<void> {}
}

const service = loadService();
const method = service['ModelInfer'] as MethodDefinition<GrpcModelInferRequest, { raw_output_contents: Buffer[] }>;
const runner = new EchoRunner();
let server: GrpcServer;
let client: grpc.Client;
let decoder: DecodePool;
let offloaded = 0;

beforeAll(async () => {
  const config: RuntimeConfig = { ...DEFAULT_RUNTIME, maxBatchSize: 1, maxQueueSize: 1 };
  const model = { name: 'echo', version: 1 };
  const variant = new LiveVariant(
    { name: 'primary', model, ref: 'echo:1', weight: 100, shadow: false, runtime: config },
    { name: 'echo', version: 1, signature: SIGNATURE } as ModelVersion,
    new Scheduler(runner, config, false, 'echo:1'),
    runner,
  );
  const registry = {} as Registry;
  const table = new LiveEndpoints(registry, new VariantLoader(registry, {} as RunnerLoader), DEFAULT_RUNTIME, new ServingMetrics());
  table.add({
    record: { spec: { name: 'echo', variants: [variant.spec], routing: DEFAULT_ROUTING }, revision: 1, createdAt: '', updatedAt: '' },
    state: 'ready', variants: [variant], removed: false,
  });
  decoder = new DecodePool(1);
  const decodeGrpc = decoder.decodeGrpc.bind(decoder);
  decoder.decodeGrpc = (message) => {
    const decoded = decodeGrpc(message);
    if (decoded instanceof Promise) offloaded++;
    return decoded;
  };
  server = await startGrpcServer({
    plane: new DataPlane({ endpoints: table, registry, serverVersion: '0', isReady: () => true, maxTimeoutMs: 60_000 }),
    decoder,
    host: '127.0.0.1',
    port: 0,
    maxMessageBytes: 16 * 1024 * 1024,
    logError: () => undefined,
  });
  client = new grpc.Client(server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  client?.close();
  await server?.close();
  await decoder?.close();
});

/** Sends `message` as bytes (so a test can send what no serializer would write). */
function send(message: Buffer): Promise<{ raw_output_contents: Buffer[] }> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest(
      method.path, (b: Buffer) => b, method.responseDeserialize, message, new grpc.Metadata(), {},
      (err, value) => (err ? reject(err) : resolve(value!)),
    );
  });
}

const encode = (message: GrpcModelInferRequest): Buffer => method.requestSerialize(message);

/** An echo request with its data in raw contents, or (typed) in contents.fp32_contents. */
function inferMessage(rows: number, datatype = 'FP32', typed = false): { bytes: Buffer; input: Float32Array } {
  const input = Float32Array.from({ length: rows * COLS }, (_, i) => i * 0.5);
  const shape = [String(rows), String(COLS)];
  const bytes = encode((typed
    ? { model_name: 'echo', inputs: [{ name: 'x', datatype, shape, contents: { fp32_contents: Array.from(input) } }] }
    : { model_name: 'echo', inputs: [{ name: 'x', datatype, shape }], raw_input_contents: [Buffer.from(input.buffer)] }) as GrpcModelInferRequest);
  return { bytes, input };
}

/**
 * The same request as inferMessage(rows, 'FP32', true) but with every float written as a field of its own (unpacked,
 * as protobuf also allows): typed contents a decoder reads one number at a time, unlike packed ones, copied as bytes.
 */
function unpackedMessage(rows: number): { bytes: Buffer; input: Float32Array } {
  const input = Float32Array.from({ length: rows * COLS }, (_, i) => i * 0.5);
  const varint = (v: number): Buffer => {
    const out = Buffer.alloc(varintLength(v));
    writeVarint(out, 0, v);
    return out;
  };
  const field = (n: number, payload: Buffer): Buffer => Buffer.concat([varint((n << 3) | 2), varint(payload.length), payload]);
  const floats = Buffer.concat(Array.from(input, (v) => {
    const one = Buffer.alloc(5);
    one[0] = (6 << 3) | 5;
    one.writeFloatLE(v, 1);
    return one;
  }));
  const tensor = Buffer.concat([field(1, Buffer.from('x')), field(2, Buffer.from('FP32')), field(3, Buffer.concat([varint(rows), varint(COLS)])), field(5, floats)]);
  return { bytes: Buffer.concat([field(1, Buffer.from('echo')), field(5, tensor)]), input };
}

/** model_name "echo", then an `inputs` entry whose bytes are not protobuf (a truncated varint key). */
const UNDECODABLE = Buffer.concat([Buffer.from([0x0a, 4]), Buffer.from('echo'), Buffer.from([0x2a, 2, 0xff, 0xff])]);

const failure = (p: Promise<unknown>): Promise<grpc.ServiceError> =>
  p.then(() => { throw new Error('expected the call to fail'); }, (err: grpc.ServiceError) => err);

describe('gRPC ModelInfer', () => {
  it('answers bad protobuf with INTERNAL "Error deserializing request", as grpc-js did', async () => {
    const err = await failure(send(UNDECODABLE));
    expect(err.code).toBe(grpc.status.INTERNAL);
    expect(err.details).toBe('Error deserializing request');
  });

  it('refuses an overloaded endpoint with RESOURCE_EXHAUSTED and retry-after before decoding the message', async () => {
    runner.held = true;
    const running = send(inferMessage(1).bytes);
    const queued = send(inferMessage(1).bytes);
    await new Promise((r) => setTimeout(r, 50));
    // Neither message is decoded: one is not protobuf, the other names a datatype no decoder accepts.
    for (const bytes of [UNDECODABLE, inferMessage(1, 'NOPE').bytes]) {
      const err = await failure(send(bytes));
      expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
      expect(err.details).toBe('model echo:1 has 1 requests waiting (its maxQueueSize); retry shortly');
      expect(err.metadata.get('retry-after')).toEqual(['1']);
    }
    runner.releaseAll();
    await Promise.all([running, queued]);
    // Not overloaded any more: the same bad datatype is decoded and refused as invalid.
    const invalid = await failure(send(inferMessage(1, 'NOPE').bytes));
    expect(invalid.code).toBe(grpc.status.INVALID_ARGUMENT);
  });

  it('decodes a message with over 128 KB of typed contents read per element on a worker, answering as for a small one', async () => {
    const before = offloaded;
    const { bytes, input } = unpackedMessage(10_000); // 200 KB of unpacked floats
    expect(bytes.length).toBeGreaterThan(128 * 1024);
    const reply = await send(bytes);
    expect(offloaded - before).toBe(1);
    expect(new Float32Array(new Uint8Array(reply.raw_output_contents[0]!).buffer)).toEqual(input);
    const small = inferMessage(2);
    await send(small.bytes);
    expect(offloaded - before).toBe(1);
    // Packed FP32 contents are copied out as bytes: a large message of them stays on the event loop too.
    const packed = inferMessage(10_000, 'FP32', true);
    expect(packed.bytes.length).toBeGreaterThan(128 * 1024);
    const packedReply = await send(packed.bytes);
    expect(offloaded - before).toBe(1);
    expect(new Float32Array(new Uint8Array(packedReply.raw_output_contents[0]!).buffer)).toEqual(packed.input);
    // Raw contents decode as views: a large message of them stays on the event loop.
    const raw = inferMessage(10_000);
    expect(raw.bytes.length).toBeGreaterThan(128 * 1024);
    const rawReply = await send(raw.bytes);
    expect(offloaded - before).toBe(1);
    expect(new Float32Array(new Uint8Array(rawReply.raw_output_contents[0]!).buffer)).toEqual(raw.input);
  });
});

describe('gRPC server sessions', () => {
  it('advertise flow-control windows a large tensor fits in, so clients send it without waiting for window updates', async () => {
    expect(await windowsSeen(server.port)).toEqual({
      stream: DEFAULT_SESSION_WINDOWS.streamBytes, connection: DEFAULT_SESSION_WINDOWS.connectionBytes, frame: DEFAULT_SESSION_WINDOWS.frameBytes,
    });
  });
});

describe('DecodePool.decodeGrpc', () => {
  it('gives off the event loop the same request inline decoding gives', async () => {
    const pool = new DecodePool(1);
    try {
      const { bytes } = unpackedMessage(10_000);
      const inline = decodeModelInferBytes(Buffer.from(bytes));
      const offloadedDecode = pool.decodeGrpc(Buffer.from(bytes));
      expect(offloadedDecode).toBeInstanceOf(Promise);
      expect(await offloadedDecode).toEqual(inline);
      await expect(pool.decodeGrpc(Buffer.concat([UNDECODABLE, Buffer.alloc(200 * 1024)]))).rejects.toThrow('Error deserializing request');
    } finally {
      await pool.close();
    }
  });
});
