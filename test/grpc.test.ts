// The Open Inference Protocol over gRPC against a real server, with a real @grpc/grpc-js client on the same proto.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOADER_OPTIONS, PROTO_PATH } from '../src/api/grpc-server.js';
import { numericColumns, parseCsv } from '../src/core/csv.js';
import { call, infer, type V2Output } from './http.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';
import { ALL_TYPES, outputName, toBytes, type Value } from './tensor-bytes.js';

const DIGITS = join(ROOT, 'examples', 'digits');
let server: ServerProcess;
let client: grpc.Client;

interface TensorMeta {
  name: string;
  datatype: string;
  shape: string[];
}

interface InferReply {
  model_name: string;
  model_version: string;
  id: string;
  parameters: Record<string, { string_param?: string }>;
  outputs: (TensorMeta & { contents: unknown })[];
  raw_output_contents: Buffer[];
}

interface MethodDefinition {
  path: string;
  requestSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}

const service = loadSync(PROTO_PATH, LOADER_OPTIONS)['inference.GRPCInferenceService'] as unknown as Record<string, MethodDefinition>;

function newClient(address: string): grpc.Client {
  return new grpc.Client(address, grpc.credentials.createInsecure(), { 'grpc.max_send_message_length': -1, 'grpc.max_receive_message_length': -1 });
}

/** One unary call by method name; rejects with the ServiceError (code, details, metadata). */
function rpc<T>(method: string, request: object, on: grpc.Client = client): Promise<T> {
  const m = service[method]!;
  return new Promise((resolve, reject) => {
    on.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, new grpc.Metadata(), { deadline: Date.now() + 20_000 }, (err, value) =>
      err ? reject(err) : resolve(value as T),
    );
  });
}

async function rpcError(method: string, request: object, on: grpc.Client = client): Promise<grpc.ServiceError> {
  try {
    await rpc(method, request, on);
  } catch (err) {
    return err as grpc.ServiceError;
  }
  throw new Error(`${method} succeeded but should have failed`);
}

async function cli(...args: string[]): Promise<void> {
  const r = await runCli(server.url, args);
  if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
}

const rawInputs = (values: Map<string, Buffer> = new Map()): { inputs: object[]; raw_input_contents: Buffer[] } => ({
  inputs: ALL_TYPES.map((t) => ({ name: t.name, datatype: t.datatype, shape: [2, 2] })),
  raw_input_contents: ALL_TYPES.map((t) => values.get(t.name) ?? toBytes(t.datatype, t.data)),
});

const rawOf = (reply: InferReply, name: string): Buffer | undefined => reply.raw_output_contents[reply.outputs.findIndex((o) => o.name === name)];

/** The HTTP JSON path's answer for every type, as bytes per output. */
let jsonAnswer: Map<string, Buffer>;

beforeAll(async () => {
  server = await startServer();
  await cli('push', DIGITS);
  await cli('deploy', 'digits', '--model', 'digits:1');
  await cli('push', join(ROOT, 'test', 'fixtures', 'models', 'all_types.onnx'), '--name', 'types');
  await cli('deploy', 'types', '--model', 'types');
  client = newClient(server.grpcAddress);
  const reply = await infer(server.url, 'types', { inputs: ALL_TYPES.map((t) => ({ ...t, shape: [2, 2] })) });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  jsonAnswer = new Map(reply.body.outputs.map((o: V2Output) => [o.name, toBytes(o.datatype, o.data)]));
});

afterAll(async () => {
  client?.close();
  await server?.stop();
  if (server) removeHome(server.home);
});

describe('health and metadata', () => {
  it('answers ServerLive, ServerReady and ServerMetadata', async () => {
    expect(await rpc('ServerLive', {})).toEqual({ live: true });
    expect(await rpc('ServerReady', {})).toEqual({ ready: true });
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    expect(await rpc('ServerMetadata', {})).toEqual({ name: 'slipway', version: pkg.version, extensions: [] });
  });

  it('answers ModelMetadata as GET /v2/models/{name} does', async () => {
    const http = await call<{ inputs: { shape: number[] }[]; outputs: { shape: number[] }[] }>(`${server.url}/v2/models/digits`);
    const asStrings = (list: { shape: number[] }[]): object[] => list.map((t) => ({ ...t, shape: t.shape.map(String) }));
    expect(await rpc('ModelMetadata', { name: 'digits' })).toEqual({ ...http.body, inputs: asStrings(http.body.inputs), outputs: asStrings(http.body.outputs) });
    expect(await rpc('ModelMetadata', { name: 'digits', version: '1' })).toMatchObject({ name: 'digits', versions: ['1'] });
  });

  it('answers ModelReady, and NOT_FOUND for an unknown model or version', async () => {
    expect(await rpc('ModelReady', { name: 'digits' })).toEqual({ ready: true });
    expect(await rpc('ModelReady', { name: 'digits', version: '1' })).toEqual({ ready: true });
    const unknown = await rpcError('ModelReady', { name: 'nope' });
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    expect(unknown.details).toBe('endpoint "nope" not found');
    expect((await rpcError('ModelMetadata', { name: 'nope' })).code).toBe(grpc.status.NOT_FOUND);
    expect((await rpcError('ModelMetadata', { name: 'digits', version: '7' })).code).toBe(grpc.status.NOT_FOUND);
    expect((await rpcError('ModelReady', { name: 'digits', version: 'x' })).code).toBe(grpc.status.INVALID_ARGUMENT);
  });
});

describe('ModelInfer', () => {
  it('answers the digits model bit for bit as the HTTP JSON path does, from raw or typed input', async () => {
    const table = parseCsv(readFileSync(join(DIGITS, 'golden.csv'), 'utf8'));
    const rows = 7;
    const data = numericColumns({ header: table.header, rows: table.rows.slice(0, rows) }, table.header.filter((h) => h !== 'label'));
    const json = await infer(server.url, 'digits', { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 64], data: Array.from(data) }] });
    expect(json.status).toBe(200);
    const input = { name: 'input', datatype: 'FP32', shape: [rows, 64] };
    const raw = await rpc<InferReply>('ModelInfer', {
      model_name: 'digits', id: 'g-1', inputs: [input], raw_input_contents: [Buffer.from(data.buffer, data.byteOffset, data.byteLength)],
    });
    const typed = await rpc<InferReply>('ModelInfer', { model_name: 'digits', inputs: [{ ...input, contents: { fp32_contents: Array.from(data) } }] });
    for (const reply of [raw, typed]) {
      expect(reply).toMatchObject({ model_name: 'digits', model_version: '1' });
      expect(reply.parameters.variant).toEqual({ string_param: 'primary', parameter_choice: 'string_param' });
      expect(reply.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual(json.body.outputs.map((o) => [o.name, o.datatype, o.shape.map(String)]));
      for (const out of json.body.outputs) expect(rawOf(reply, out.name), out.name).toEqual(toBytes(out.datatype, out.data));
      for (const out of reply.outputs) expect(out.contents).toBeNull();
    }
    expect(raw.id).toBe('g-1');
    expect(typed.id).toBe('');
  });

  it('answers a large batch on a model in a worker thread, its raw contents moved there with the message, as HTTP JSON does', async () => {
    // 300 rows: 75 KB of raw contents, enough that the message's buffer goes to the model's thread instead of a copy.
    await cli('deploy', 'digits-worker', '--model', 'digits:1', '--instances', '1', '--intra-op-threads', '1');
    const table = parseCsv(readFileSync(join(DIGITS, 'golden.csv'), 'utf8'));
    const rows = 300;
    const golden = numericColumns({ header: table.header, rows: table.rows }, table.header.filter((h) => h !== 'label'));
    const data = Float32Array.from({ length: rows * 64 }, (_, i) => golden[i % golden.length]!);
    const json = await infer(server.url, 'digits-worker', { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 64], data: Array.from(data) }] });
    expect(json.status).toBe(200);
    const input = { name: 'input', datatype: 'FP32', shape: [rows, 64] };
    for (let call = 0; call < 3; call++) {
      const reply = await rpc<InferReply>('ModelInfer', { model_name: 'digits-worker', inputs: [input], raw_input_contents: [Buffer.from(data.buffer)] });
      for (const out of json.body.outputs) expect(rawOf(reply, out.name), `${out.name}, call ${call}`).toEqual(toBytes(out.datatype, out.data));
    }
  });

  it('addresses a registry version with model_version', async () => {
    const reply = await rpc<InferReply>('ModelInfer', {
      model_name: 'digits', model_version: '1', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64] }], raw_input_contents: [Buffer.alloc(256)],
    });
    expect(reply.model_version).toBe('1');
  });

  it('round-trips every datatype through raw contents, equal to the JSON path bit for bit (FP16 as raw half bits)', async () => {
    const reply = await rpc<InferReply>('ModelInfer', { model_name: 'types', ...rawInputs() });
    for (const t of ALL_TYPES) {
      const name = outputName(t.name);
      const out = reply.outputs.find((o) => o.name === name)!;
      expect(out).toMatchObject({ datatype: t.datatype, shape: ['2', '2'] });
      expect(rawOf(reply, name), name).toEqual(jsonAnswer.get(name));
    }
  });

  it('keeps raw 64-bit integers beyond 2^53 exact', async () => {
    const big = toBytes('INT64', [-(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n, 0n]);
    const ubig = toBytes('UINT64', [2n ** 64n - 1n, 2n ** 53n + 1n, 0n, 1n]);
    const reply = await rpc<InferReply>('ModelInfer', { model_name: 'types', ...rawInputs(new Map([['int64_in', big], ['uint64_in', ubig]])) });
    expect(rawOf(reply, 'int64_out')).toEqual(big);
    expect(rawOf(reply, 'uint64_out')).toEqual(ubig);
  });

  it('accepts typed contents for every datatype that has a typed field, equal to the JSON path bit for bit', async () => {
    // The identity model answers in raw form, so typed input -> raw output compares each typed field with the JSON path.
    const field: Record<string, string> = {
      BOOL: 'bool_contents', INT8: 'int_contents', INT16: 'int_contents', INT32: 'int_contents', INT64: 'int64_contents',
      UINT8: 'uint_contents', UINT16: 'uint_contents', UINT32: 'uint_contents', UINT64: 'uint64_contents',
      FP32: 'fp32_contents', FP64: 'fp64_contents', BYTES: 'bytes_contents',
    };
    const typedValue = (datatype: string, v: Value): Value | Buffer =>
      datatype === 'BYTES' ? Buffer.from(String(v), 'utf8') : datatype === 'INT64' || datatype === 'UINT64' ? String(v) : v;
    const fp16 = ALL_TYPES.find((t) => t.datatype === 'FP16')!;
    const fp16Bits = toBytes('FP16', fp16.data);
    // Typed contents for every type but FP16, which has no typed field (raw only; a request is all raw or all typed):
    // the model needs it, so it goes as an empty tensor, which needs no data in either form.
    const inputs = ALL_TYPES.map((t) =>
      t.datatype === 'FP16'
        ? { name: t.name, datatype: t.datatype, shape: [2, 0] }
        : { name: t.name, datatype: t.datatype, shape: [2, 2], contents: { [field[t.datatype]!]: t.data.map((v) => typedValue(t.datatype, v)) } },
    );
    const reply = await rpc<InferReply>('ModelInfer', { model_name: 'types', inputs });
    for (const t of ALL_TYPES) {
      const name = outputName(t.name);
      if (t.datatype === 'FP16') expect(rawOf(reply, name)!.length).toBe(0);
      else expect(rawOf(reply, name), name).toEqual(jsonAnswer.get(name));
    }
    expect(jsonAnswer.get('float16_out')).toEqual(fp16Bits);
  });
});

describe('errors carry the right code and the HTTP message', () => {
  const good = { name: 'input', datatype: 'FP32', shape: [1, 64] };
  const ones = Array.from({ length: 64 }, () => 1);

  /** The same request over HTTP JSON, for its error message. */
  async function httpError(body: object): Promise<string> {
    const r = await infer(server.url, 'digits', body);
    expect(r.status).toBe(400);
    return (r.body as unknown as { error: string }).error;
  }

  it('unknown model -> NOT_FOUND', async () => {
    const err = await rpcError('ModelInfer', { model_name: 'nope', inputs: [good], raw_input_contents: [Buffer.alloc(256)] });
    expect(err.code).toBe(grpc.status.NOT_FOUND);
    expect(err.details).toBe('endpoint "nope" not found');
  });

  it('wrong shape -> INVALID_ARGUMENT', async () => {
    const err = await rpcError('ModelInfer', { model_name: 'digits', inputs: [{ ...good, shape: [1, 63] }], raw_input_contents: [Buffer.alloc(252)] });
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe('input "input": expected shape [-1,64], got [1,63]');
    expect(err.details).toBe(await httpError({ inputs: [{ ...good, shape: [1, 63], data: ones.slice(1) }] }));
  });

  it('wrong datatype -> INVALID_ARGUMENT', async () => {
    const err = await rpcError('ModelInfer', { model_name: 'digits', inputs: [{ ...good, datatype: 'FP64' }], raw_input_contents: [Buffer.alloc(512)] });
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(err.details).toBe(await httpError({ inputs: [{ ...good, datatype: 'FP64', data: ones }] }));
    const unknown = await rpcError('ModelInfer', { model_name: 'digits', inputs: [{ ...good, datatype: 'FLOAT' }], raw_input_contents: [Buffer.alloc(256)] });
    expect(unknown.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(unknown.details).toBe(await httpError({ inputs: [{ ...good, datatype: 'FLOAT', data: ones }] }));
  });

  it('missing input -> INVALID_ARGUMENT', async () => {
    const err = await rpcError('ModelInfer', { model_name: 'types', inputs: [{ name: 'bool_in', datatype: 'BOOL', shape: [1, 1] }], raw_input_contents: [Buffer.from([1])] });
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    const http = await infer(server.url, 'types', { inputs: [{ name: 'bool_in', datatype: 'BOOL', shape: [1, 1], data: [true] }] });
    expect(err.details).toBe((http.body as unknown as { error: string }).error);
    expect(err.details).toMatch(/^missing inputs "int8_in" \(INT8 \[-1,-1\]\)/);
  });

  it('raw size mismatch -> INVALID_ARGUMENT, as the HTTP binary extension says it', async () => {
    const err = await rpcError('ModelInfer', { model_name: 'digits', inputs: [good], raw_input_contents: [Buffer.alloc(252)] });
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    const json = Buffer.from(JSON.stringify({ inputs: [{ ...good, parameters: { binary_data_size: 252 } }] }));
    const http = await call<{ error: string }>(`${server.url}/v2/models/digits/infer`, 'POST', new Uint8Array(Buffer.concat([json, Buffer.alloc(252)])), {
      'inference-header-content-length': String(json.length),
    });
    expect(http.status).toBe(400);
    expect(err.details).toBe(http.body.error);
    expect(err.details).toBe('input "input": shape [1,64] of FP32 needs 256 bytes, got 252');
  });

  it('raw contents for some inputs only, typed data in the wrong field, a bad timeout -> INVALID_ARGUMENT', async () => {
    const some = await rpcError('ModelInfer', { model_name: 'types', ...rawInputs(), raw_input_contents: [Buffer.from([1, 0, 1, 1])] });
    expect(some.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(some.details).toMatch(/raw_input_contents has 1 entries for 13 inputs/);
    const wrong = await rpcError('ModelInfer', { model_name: 'digits', inputs: [{ ...good, contents: { int_contents: ones } }] });
    expect(wrong.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(wrong.details).toBe('input "input": FP32 data belongs in contents.fp32_contents (or raw_input_contents), got contents.int_contents');
    const timeout = await rpcError('ModelInfer', { model_name: 'digits', inputs: [good], raw_input_contents: [Buffer.alloc(256)], parameters: { timeout: { double_param: 1.5 } } });
    expect(timeout.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(timeout.details).toBe('request parameter "timeout": expected a positive integer number of microseconds, got 1.5');
  });

  it('a message over the configured limit -> RESOURCE_EXHAUSTED', async () => {
    const small = await startServer({ env: { SLIPWAY_GRPC_MAX_MESSAGE_BYTES: '4096' } });
    const other = newClient(small.grpcAddress);
    try {
      expect(await rpc('ServerLive', {}, other)).toEqual({ live: true });
      const err = await rpcError('ModelInfer', { model_name: 'digits', inputs: [{ ...good, shape: [20, 64] }], raw_input_contents: [Buffer.alloc(20 * 256)] }, other);
      expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    } finally {
      other.close();
      await small.stop();
      removeHome(small.home);
    }
  });

  it('still serves after all of that', async () => {
    const reply = await rpc<InferReply>('ModelInfer', { model_name: 'digits', inputs: [good], raw_input_contents: [Buffer.alloc(256)] });
    expect(reply.outputs).toHaveLength(2);
  });
});

describe('a model that fails at run time', () => {
  it('answers INTERNAL naming the model and the failure, then serves the next call', async () => {
    await cli('push', join(ROOT, 'test', 'fixtures', 'models', 'gather_fail.onnx'), '--name', 'lookup');
    await cli('deploy', 'lookup', '--model', 'lookup');
    const call = (idx: bigint[]): Promise<InferReply> => rpc<InferReply>('ModelInfer', {
      model_name: 'lookup',
      inputs: [{ name: 'idx', datatype: 'INT64', shape: [idx.length] }],
      raw_input_contents: [Buffer.from(BigInt64Array.from(idx).buffer)],
    });
    const err = await call([1n, 9n]).then(() => undefined, (e: grpc.ServiceError) => e);
    expect(err?.code).toBe(grpc.status.INTERNAL);
    expect(err?.details).toMatch(/^model lookup:1 failed to run: /);
    const ok = await call([1n, 3n]);
    expect(Array.from(new Float32Array(new Uint8Array(ok.raw_output_contents[0]!).buffer))).toEqual([20, 40]);
  });
});

describe('backpressure and deadlines over gRPC', () => {
  const slowCall = (rows: number, deadlineMs = 20_000): Promise<InferReply> => {
    const m = service.ModelInfer!;
    const raw = Buffer.alloc(rows * 256 * 4);
    return new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        m.path, m.requestSerialize, m.responseDeserialize,
        { model_name: 'slow', inputs: [{ name: 'x', datatype: 'FP32', shape: [rows, 256] }], raw_input_contents: [raw] },
        new grpc.Metadata(), { deadline: Date.now() + deadlineMs },
        (err, value) => (err ? reject(err) : resolve(value as InferReply)),
      );
    });
  };

  beforeAll(async () => {
    await cli('push', join(ROOT, 'test', 'fixtures', 'models', 'slow.onnx'), '--name', 'slow');
    await cli('deploy', 'slow', '--model', 'slow', '--instances', '1', '--max-batch-size', '1', '--max-queue-size', '2');
  });

  it('answers RESOURCE_EXHAUSTED with retry-after when the queue is full; accepted calls succeed', async () => {
    const settled = await Promise.allSettled(Array.from({ length: 12 }, () => slowCall(16)));
    const refused = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected').map((s) => s.reason as grpc.ServiceError);
    expect(settled.filter((s) => s.status === 'fulfilled').length).toBeGreaterThanOrEqual(3);
    expect(refused.length).toBeGreaterThan(0);
    for (const err of refused) expect(err.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(refused[0]!.details).toMatch(/model slow:1 has 2 requests waiting \(its maxQueueSize\); retry shortly/);
    expect(refused[0]!.metadata.get('retry-after')).toEqual(['1']);
  });

  it('does not run a call whose deadline passes while it waits: DEADLINE_EXCEEDED', async () => {
    const metrics = async (): Promise<string> => (await fetch(`${server.url}/metrics`)).text();
    const count = (text: string, re: RegExp): number => Number(re.exec(text)?.[1] ?? 0);
    const exec = /nv_inference_exec_count\{model="slow",version="1"\} (\d+)/;
    const before = count(await metrics(), exec);
    const busy = Promise.all([slowCall(32), slowCall(32)]);
    await new Promise((r) => setTimeout(r, 20));
    const late = await slowCall(1, 15).then(() => undefined, (err: grpc.ServiceError) => err);
    expect(late?.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    await busy;
    await new Promise((r) => setTimeout(r, 100));
    const after = await metrics();
    expect(count(after, exec) - before).toBe(2);
    const dropped = /nv_inference_request_failure\{model="slow",version="1",reason="(deadline|cancelled)"\} (\d+)/g;
    expect([...after.matchAll(dropped)].reduce((n, m) => n + Number(m[2]), 0)).toBeGreaterThanOrEqual(1);
  });
});
