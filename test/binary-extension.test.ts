// Triton's binary tensor data extension over real HTTP: binary inputs and outputs, mixed with JSON, bit for bit.

import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numericColumns, parseCsv } from '../src/core/csv.js';
import { call, infer, type V2Output, type V2Reply } from './http.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';
import { ALL_TYPES, outputName, toBytes } from './tensor-bytes.js';

const DIGITS = join(ROOT, 'examples', 'digits');
let server: ServerProcess;

interface BinaryOutput {
  name: string;
  datatype: string;
  shape: number[];
  data?: (number | boolean | string)[];
  parameters?: { binary_data_size?: number };
}

interface BinaryReply {
  status: number;
  contentType: string | null;
  /** The JSON part (the whole body for a plain JSON answer). */
  header: { outputs: BinaryOutput[]; error?: string; id?: string; model_name?: string };
  /** Bytes of each binary output, by name. */
  binary: Map<string, Buffer>;
}

async function cli(...args: string[]): Promise<void> {
  const r = await runCli(server.url, args);
  if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
}

/** Posts a JSON header plus binary chunks. fetch sends a Uint8Array body with no Content-Type, as Triton's client does. */
async function binaryInfer(
  endpoint: string, header: unknown, chunks: Buffer[] = [], headers: Record<string, string> = {},
): Promise<BinaryReply> {
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const response = await fetch(`${server.url}/v2/models/${endpoint}/infer`, {
    method: 'POST',
    headers: { 'inference-header-content-length': String(json.length), ...headers },
    body: new Uint8Array(Buffer.concat([json, ...chunks])),
  });
  return parseReply(response);
}

async function parseReply(response: Response): Promise<BinaryReply> {
  const body = Buffer.from(await response.arrayBuffer());
  const lengthHeader = response.headers.get('inference-header-content-length');
  const length = lengthHeader === null ? body.length : Number(lengthHeader);
  const header = JSON.parse(body.subarray(0, length).toString('utf8')) as BinaryReply['header'];
  const binary = new Map<string, Buffer>();
  let offset = length;
  for (const out of header.outputs ?? []) {
    const size = out.parameters?.binary_data_size;
    if (size === undefined) continue;
    binary.set(out.name, body.subarray(offset, offset + size));
    offset += size;
  }
  expect(offset).toBe(body.length);
  return { status: response.status, contentType: response.headers.get('content-type'), header, binary };
}

const inputsOf = (binary: (name: string) => boolean): { header: object[]; chunks: Buffer[] } => {
  const header: object[] = [];
  const chunks: Buffer[] = [];
  for (const t of ALL_TYPES) {
    if (binary(t.name)) {
      const bytes = toBytes(t.datatype, t.data);
      header.push({ name: t.name, datatype: t.datatype, shape: [2, 2], parameters: { binary_data_size: bytes.length } });
      chunks.push(bytes);
    } else header.push({ name: t.name, datatype: t.datatype, shape: [2, 2], data: t.data });
  }
  return { header, chunks };
};

/** The JSON path's answer for every type, as bytes per output: what the binary path must equal. */
let jsonAnswer: Map<string, Buffer>;

beforeAll(async () => {
  server = await startServer();
  await cli('push', DIGITS);
  await cli('deploy', 'digits', '--model', 'digits:1');
  await cli('push', join(ROOT, 'test', 'fixtures', 'models', 'all_types.onnx'), '--name', 'types');
  await cli('deploy', 'types', '--model', 'types');
  const reply = await infer(server.url, 'types', { inputs: ALL_TYPES.map((t) => ({ ...t, shape: [2, 2] })) });
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  jsonAnswer = new Map(reply.body.outputs.map((o: V2Output) => [o.name, toBytes(o.datatype, o.data)]));
});

afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
});

describe('binary inputs and outputs', () => {
  it('round-trips every datatype in binary both ways, equal to the JSON path bit for bit (FP16 as raw half bits)', async () => {
    const { header, chunks } = inputsOf(() => true);
    const reply = await binaryInfer('types', { id: 'b1', inputs: header, parameters: { binary_data_output: true } }, chunks);
    expect(reply.status, JSON.stringify(reply.header)).toBe(200);
    expect(reply.contentType).toBe('application/octet-stream');
    expect(reply.header.id).toBe('b1');
    for (const t of ALL_TYPES) {
      const name = outputName(t.name);
      const out = reply.header.outputs.find((o) => o.name === name)!;
      expect(out).toMatchObject({ datatype: t.datatype, shape: [2, 2] });
      expect(out.data).toBeUndefined();
      expect(reply.binary.get(name), name).toEqual(jsonAnswer.get(name));
      expect(reply.binary.get(name), name).toEqual(toBytes(t.datatype, t.data));
    }
  });

  it('keeps 64-bit integers beyond 2^53 exact, which JSON cannot', async () => {
    const big = [-(2n ** 63n), 2n ** 63n - 1n, 9007199254740993n, 0n];
    const { header, chunks } = inputsOf(() => true);
    const i = ALL_TYPES.findIndex((t) => t.name === 'int64_in');
    chunks[i] = toBytes('INT64', big);
    const reply = await binaryInfer('types', { inputs: header, outputs: [{ name: 'int64_out', parameters: { binary_data: true } }] }, chunks);
    expect(reply.status, JSON.stringify(reply.header)).toBe(200);
    expect(reply.binary.get('int64_out')).toEqual(toBytes('INT64', big));
  });

  it('mixes JSON and binary inputs in one request', async () => {
    const { header, chunks } = inputsOf((name) => ['int8_in', 'float16_in', 'string_in', 'double_in', 'bool_in'].includes(name));
    const reply = await binaryInfer('types', { inputs: header, parameters: { binary_data_output: true } }, chunks);
    expect(reply.status, JSON.stringify(reply.header)).toBe(200);
    for (const [name, bytes] of jsonAnswer) expect(reply.binary.get(name), name).toEqual(bytes);
  });

  it('answers binary inputs in JSON when no binary output is asked for', async () => {
    const { header, chunks } = inputsOf(() => true);
    const reply = await binaryInfer('types', { inputs: header }, chunks);
    expect(reply.status).toBe(200);
    expect(reply.contentType).toMatch(/^application\/json/);
    expect(reply.binary.size).toBe(0);
    for (const out of reply.header.outputs) expect(toBytes(out.datatype, out.data!), out.name).toEqual(jsonAnswer.get(out.name));
  });

  it('lets each output choose: binary_data overrides binary_data_output', async () => {
    const { header, chunks } = inputsOf(() => true);
    const a = await binaryInfer('types', {
      inputs: header,
      parameters: { binary_data_output: true },
      outputs: [{ name: 'float_out', parameters: { binary_data: false } }, { name: 'int8_out' }, { name: 'float16_out' }],
    }, chunks);
    expect(a.status).toBe(200);
    expect(a.header.outputs.map((o) => o.name)).toEqual(['float_out', 'int8_out', 'float16_out']);
    expect([...a.binary.keys()]).toEqual(['int8_out', 'float16_out']);
    expect(a.header.outputs[0]!.data).toEqual(Array.from(Float32Array.from(ALL_TYPES.find((t) => t.name === 'float_in')!.data as number[])));
    expect(a.binary.get('float16_out')).toEqual(jsonAnswer.get('float16_out'));

    const b = await binaryInfer('types', {
      inputs: header,
      outputs: [{ name: 'bool_out', parameters: { binary_data: true } }, { name: 'string_out' }],
    }, chunks);
    expect(b.status).toBe(200);
    expect([...b.binary.keys()]).toEqual(['bool_out']);
    expect(b.binary.get('bool_out')).toEqual(jsonAnswer.get('bool_out'));
    expect(b.header.outputs[1]!.data).toEqual(ALL_TYPES.find((t) => t.name === 'string_in')!.data);
  });

  it('answers a plain JSON request in binary when asked to', async () => {
    const response = await fetch(`${server.url}/v2/models/types/infer`, {
      method: 'POST',
      body: JSON.stringify({ inputs: ALL_TYPES.map((t) => ({ ...t, shape: [2, 2] })), outputs: [{ name: 'double_out', parameters: { binary_data: true } }] }),
    });
    const reply = await parseReply(response);
    expect(reply.status).toBe(200);
    expect(reply.binary.get('double_out')).toEqual(jsonAnswer.get('double_out'));
  });

  it('gives the digits model\'s answer bit for bit as over JSON', async () => {
    const table = parseCsv(readFileSync(join(DIGITS, 'golden.csv'), 'utf8'));
    const rows = 5;
    const data = numericColumns({ header: table.header, rows: table.rows.slice(0, rows) }, table.header.filter((h) => h !== 'label'));
    const json = await infer(server.url, 'digits', { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 64], data: Array.from(data) }] });
    expect(json.status).toBe(200);
    const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
    const reply = await binaryInfer(
      'digits',
      { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 64], parameters: { binary_data_size: bytes.length } }], parameters: { binary_data_output: true } },
      [bytes],
    );
    expect(reply.status).toBe(200);
    for (const out of (json.body as V2Reply).outputs) expect(reply.binary.get(out.name), out.name).toEqual(toBytes(out.datatype, out.data));
  });
});

it('reads a binary body sent in pieces without a Content-Length (chunked transfer)', async () => {
  const row = toBytes('FP32', Array.from({ length: 64 }, (_, i) => (i % 16) / 16));
  const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], parameters: { binary_data_size: 256 } }], parameters: { binary_data_output: true } }));
  const body = Buffer.concat([header, row]);
  const whole = await binaryInfer('digits', JSON.parse(header.toString('utf8')) as unknown, [row]);
  expect(whole.status).toBe(200);
  const pieces = [body.subarray(0, 7), body.subarray(7, header.length + 3), body.subarray(header.length + 3)];
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      const next = pieces.shift();
      if (next) controller.enqueue(new Uint8Array(next));
      else controller.close();
    },
  });
  const response = await fetch(`${server.url}/v2/models/digits/infer`, {
    method: 'POST', headers: { 'inference-header-content-length': String(header.length) }, body: stream, duplex: 'half',
  } as RequestInit);
  const chunked = await parseReply(response);
  expect(chunked.status).toBe(200);
  expect(chunked.binary).toEqual(whole.binary);
});

describe('malformed binary requests get a 400 that says what is wrong', () => {
  const x = (size: number): object => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], parameters: { binary_data_size: size } }] });
  const row = toBytes('FP32', new Array<number>(64).fill(1));

  async function post(body: Buffer, headerLength: string): Promise<{ status: number; error: string }> {
    const r = await call<{ error: string }>(`${server.url}/v2/models/digits/infer`, 'POST', new Uint8Array(body), { 'inference-header-content-length': headerLength });
    return { status: r.status, error: r.body.error };
  }

  it('a header length larger than the body', async () => {
    const body = Buffer.concat([Buffer.from(JSON.stringify(x(256))), row]);
    expect(await post(body, String(body.length + 10))).toEqual({
      status: 400,
      error: `header Inference-Header-Content-Length is ${body.length + 10}, but the body has only ${body.length} bytes`,
    });
  });

  it.each(['-4', '12.5', 'ten'])('a header length of %j', async (value) => {
    const r = await post(Buffer.concat([Buffer.from(JSON.stringify(x(256))), row]), value);
    expect(r.status).toBe(400);
    expect(r.error).toBe(`header Inference-Header-Content-Length: expected the JSON part's length as a non-negative integer, got "${value}"`);
  });

  it('a header length that splits the JSON', async () => {
    const r = await post(Buffer.concat([Buffer.from(JSON.stringify(x(256))), row]), '10');
    expect(r.status).toBe(400);
    expect(r.error).toMatch(/^request body is not valid JSON/);
  });

  it('fewer binary bytes than binary_data_size', async () => {
    const r = await binaryInfer('digits', x(256), [row.subarray(0, 200)]);
    expect(r.status).toBe(400);
    expect(r.header.error).toBe('input "input": parameter "binary_data_size" is 256, but only 200 bytes of binary data remain in the body');
  });

  it('extra bytes after the binary inputs', async () => {
    const r = await binaryInfer('digits', x(256), [row, Buffer.alloc(3)]);
    expect(r.status).toBe(400);
    expect(r.header.error).toBe('the body has 259 bytes after the JSON header, but the inputs\' "binary_data_size" parameters add up to 256: every byte after the header must belong to an input');
  });

  it('a binary size that does not fit the shape', async () => {
    const r = await binaryInfer('digits', x(252), [row.subarray(0, 252)]);
    expect(r.status).toBe(400);
    expect(r.header.error).toBe('input "input": shape [1,64] of FP32 needs 256 bytes, got 252');
  });

  it('binary_data_size without the header length', async () => {
    const r = await call<{ error: string }>(`${server.url}/v2/models/digits/infer`, 'POST', x(256));
    expect(r.status).toBe(400);
    expect(r.body.error).toMatch(/^input "input": parameter "binary_data_size" is set, but the request has no binary data/);
  });

  it('a non-boolean binary_data choice', async () => {
    const r = await binaryInfer('digits', { ...x(256), outputs: [{ name: 'label', parameters: { binary_data: 'yes' } }] }, [row]);
    expect(r.status).toBe(400);
    expect(r.header.error).toBe('output "label": parameter "binary_data": expected true or false, got "yes"');
  });

  it('an invalid timeout, as a parameter or a header', async () => {
    const a = await binaryInfer('digits', { ...x(256), parameters: { timeout: -1 } }, [row]);
    expect(a.status).toBe(400);
    expect(a.header.error).toBe('request parameter "timeout": expected a positive integer number of microseconds, got -1');
    const b = await binaryInfer('digits', x(256), [row], { 'x-slipway-timeout-ms': 'soon' });
    expect(b.status).toBe(400);
    expect(b.header.error).toBe('header x-slipway-timeout-ms: expected a positive integer number of milliseconds, got "soon"');
    expect((await binaryInfer('digits', { ...x(256), parameters: { timeout: 5_000_000 } }, [row], { 'x-slipway-timeout-ms': '5000' })).status).toBe(200);
  });

  it('a body far over the size limit is refused at its Content-Length, before it is sent', async () => {
    // Only the headers go out: a 413 that arrives anyway shows that nothing waited for (or buffered) the body.
    const socket = connect(Number(new URL(server.url).port), '127.0.0.1');
    const reply = new Promise<string>((resolve, reject) => {
      let text = '';
      socket.on('data', (c: Buffer) => (text += c.toString('utf8')));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    socket.write(
      'POST /v2/models/digits/infer HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/octet-stream\r\n' +
        `inference-header-content-length: 100\r\ncontent-length: ${1 << 30}\r\n\r\n`,
    );
    const text = await reply;
    expect(text).toMatch(/^HTTP\/1\.1 413/);
    expect(text).toContain(`request body is ${1 << 30} bytes, over this server's limit`);
  });

  it('still serves after all of that', async () => {
    expect((await binaryInfer('digits', x(256), [row])).status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});

it('lists binary_tensor_data among the server\'s extensions', async () => {
  const meta = await call<{ extensions: string[] }>(`${server.url}/v2`);
  expect(meta.body.extensions).toContain('binary_tensor_data');
});
