// Push -> deploy -> infer over real HTTP, checked against onnxruntime itself; metadata; every bad input.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCsv, numericColumns } from '../src/core/csv.js';
import { call, infer } from './http.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

const DIGITS = join(ROOT, 'examples', 'digits');
const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');
let server: ServerProcess;

async function cli(...args: string[]): Promise<string> {
  const r = await runCli(server.url, args);
  if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

beforeAll(async () => {
  server = await startServer({ env: { SLIPWAY_MAX_BODY_BYTES: String(256 * 1024) } });
  await cli('push', DIGITS);
  await cli('deploy', 'digits', '--model', 'digits:1', '--instances', '2');
  await cli('push', join(FIXTURES, 'all_types.onnx'), '--name', 'types');
  await cli('deploy', 'types', '--model', 'types');
  await cli('push', join(FIXTURES, 'fixed_shape.onnx'), '--name', 'scale');
  await cli('push', join(FIXTURES, 'nan_on_negative.onnx'), '--name', 'scale');
  await cli('deploy', 'scale', '--model', 'scale:2');
  await cli('push', join(FIXTURES, 'gather_fail.onnx'), '--name', 'lookup');
  await cli('deploy', 'lookup', '--model', 'lookup');
});

afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
});

describe('inference round trip', () => {
  it('answers exactly what onnxruntime computes in-process, for a batch of golden rows', async () => {
    const table = parseCsv(readFileSync(join(DIGITS, 'golden.csv'), 'utf8'));
    const features = table.header.filter((h) => h !== 'label');
    const rows = 7;
    const data = numericColumns({ header: table.header, rows: table.rows.slice(0, rows) }, features);
    const session = await ort.InferenceSession.create(join(DIGITS, 'model.onnx'), { intraOpNumThreads: 1 });
    const expected = await session.run({ input: new ort.Tensor('float32', data.slice(), [rows, 64]) });
    await session.release();

    const reply = await infer(server.url, 'digits', {
      id: 'req-1',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 64], data: Array.from(data) }],
    });
    expect(reply.status).toBe(200);
    expect(reply.body.id).toBe('req-1');
    expect(reply.body.model_name).toBe('digits');
    expect(reply.body.model_version).toBe('1');
    const label = reply.body.outputs.find((o) => o.name === 'label')!;
    const probs = reply.body.outputs.find((o) => o.name === 'probabilities')!;
    expect(label).toMatchObject({ datatype: 'INT64', shape: [rows] });
    expect(label.data).toEqual(Array.from(expected.label!.data as BigInt64Array, Number));
    expect(probs).toMatchObject({ datatype: 'FP32', shape: [rows, 10] });
    // JSON carries each float32 exactly: rounding the parsed doubles back to float32 gives onnxruntime's bits.
    expect(Float32Array.from(probs.data as number[])).toEqual(expected.probabilities!.data);
    // and the golden labels agree with the model
    expect(label.data).toEqual(table.rows.slice(0, rows).map((r) => Number(r[table.header.indexOf('label')])));
  });

  it('accepts nested data and returns only the requested outputs', async () => {
    const row = Array.from({ length: 64 }, (_, i) => i % 17);
    const reply = await infer(server.url, 'digits', {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 64], data: [row, row] }],
      outputs: [{ name: 'label' }],
      parameters: { anything: 'accepted' },
    });
    expect(reply.status).toBe(200);
    expect(reply.body.outputs.map((o) => o.name)).toEqual(['label']);
    expect(reply.body.outputs[0]!.data).toHaveLength(2);
    expect(reply.body.id).toBeUndefined();
  });

  it('needs no Content-Type header (Triton clients send none)', async () => {
    const body = JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array(64).fill(0) }] });
    const response = await fetch(`${server.url}/v2/models/digits/infer`, { method: 'POST', body: new TextEncoder().encode(body) });
    expect(response.status).toBe(200);
  });

  it('round-trips every datatype onnxruntime supports', async () => {
    const inputs = [
      { name: 'bool_in', datatype: 'BOOL', data: [true, false, true, true] },
      { name: 'int8_in', datatype: 'INT8', data: [-128, -1, 0, 127] },
      { name: 'int16_in', datatype: 'INT16', data: [-32768, -1, 0, 32767] },
      { name: 'int32_in', datatype: 'INT32', data: [-2147483648, -1, 0, 2147483647] },
      { name: 'int64_in', datatype: 'INT64', data: [-9007199254740991, -1, 0, 9007199254740991] },
      { name: 'uint8_in', datatype: 'UINT8', data: [0, 1, 128, 255] },
      { name: 'uint16_in', datatype: 'UINT16', data: [0, 1, 32768, 65535] },
      { name: 'uint32_in', datatype: 'UINT32', data: [0, 1, 2147483648, 4294967295] },
      { name: 'uint64_in', datatype: 'UINT64', data: [0, 1, 4294967296, 9007199254740991] },
      { name: 'float16_in', datatype: 'FP16', data: [0.5, -2, 65504, 0.000060975551605224609375] },
      { name: 'float_in', datatype: 'FP32', data: [0.1, -3.5, 3.4028234663852886e38, 1e-45] },
      { name: 'double_in', datatype: 'FP64', data: [0.1, -3.5, 1.7976931348623157e308, 5e-324] },
      { name: 'string_in', datatype: 'BYTES', data: ['', 'hello', 'ünïcode ✓', 'a,b"c'] },
    ].map((t) => ({ ...t, shape: [2, 2] }));
    const reply = await infer(server.url, 'types', { inputs });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    for (const input of inputs) {
      const out = reply.body.outputs.find((o) => o.name === input.name.replace('_in', '_out'))!;
      expect(out.datatype).toBe(input.datatype);
      expect(out.shape).toEqual([2, 2]);
      const want = input.datatype === 'FP32' ? Array.from(Float32Array.from(input.data as number[])) : input.data;
      expect(out.data).toEqual(want);
    }
  });

  it('addresses a registry version of the endpoint\'s model directly', async () => {
    const x = { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3], data: [1, 2, 3] }] };
    const v1 = await infer(server.url, 'scale', x, 1);
    expect(v1.status).toBe(200);
    expect(v1.body.model_version).toBe('1');
    expect(v1.body.outputs[0]!.data).toEqual([2, 4, 6]);
    const latest = await infer(server.url, 'scale', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 4], data: [4, 5, 0, 0] }] });
    expect(latest.body.model_version).toBe('2');
    expect(latest.body.outputs[0]!.data).toEqual([3]);
    expect((await infer(server.url, 'scale', x, 9)).status).toBe(404);
  });
});

describe('large JSON bodies (decoded off the event loop)', () => {
  const rows = 600;
  const data = Array.from({ length: rows * 64 }, (_, i) => ((i * 7919) % 17) + 0.25);
  const big = { inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 64], data }] };

  it('answers exactly like the same rows sent in small requests', async () => {
    expect(JSON.stringify(big).length).toBeGreaterThan(128 * 1024);
    const reply = await infer(server.url, 'digits', big);
    expect(reply.status).toBe(200);
    const label = reply.body.outputs.find((o) => o.name === 'label')!;
    expect(label.shape).toEqual([rows]);
    for (const r of [0, 1, 299, 599]) {
      const one = await infer(server.url, 'digits', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: data.slice(r * 64, r * 64 + 64) }] });
      expect(one.body.outputs.find((o) => o.name === 'label')!.data[0]).toBe(label.data[r]);
    }
  });

  it('reports errors in large bodies as precisely as in small ones', async () => {
    const text = JSON.stringify(big);
    const broken = await call<{ error: string }>(`${server.url}/v2/models/digits/infer`, 'POST', text.slice(0, -3));
    expect(broken.status).toBe(400);
    expect(broken.body.error).toMatch(/^request body is not valid JSON: .* at position \d+$/);
    const wrong = structuredClone(big);
    (wrong.inputs[0]!.data as unknown[])[1000] = 'x';
    const typed = await infer(server.url, 'digits', wrong);
    expect(typed.status).toBe(400);
    expect((typed.body as unknown as { error: string }).error).toBe('input "input": element 1000 of "data": expected a number for FP32, got "x"');
  });
});

describe('metadata and health', () => {
  it('serves server and model metadata and readiness', async () => {
    expect((await call(`${server.url}/v2/health/live`)).status).toBe(200);
    expect((await call(`${server.url}/v2/health/ready`)).status).toBe(200);
    const meta = await call<{ name: string; extensions: string[] }>(`${server.url}/v2`);
    expect(meta.body.name).toBe('slipway');
    const model = await call(`${server.url}/v2/models/digits`);
    expect(model.body).toEqual({
      name: 'digits',
      versions: ['1'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 64] }],
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [-1] },
        { name: 'probabilities', datatype: 'FP32', shape: [-1, 10] },
      ],
    });
    const scale1 = await call<{ versions: string[]; inputs: { shape: number[] }[] }>(`${server.url}/v2/models/scale/versions/1`);
    expect(scale1.body.versions).toEqual(['1']);
    expect(scale1.body.inputs[0]!.shape).toEqual([-1, 3]);
    expect((await call(`${server.url}/v2/models/digits/ready`)).status).toBe(200);
    expect((await call(`${server.url}/v2/models/nope/ready`)).status).toBe(404);
    expect((await call(`${server.url}/v2/models/nope`)).status).toBe(404);
    expect((await call(`${server.url}/v2/models/digits/versions/7`)).status).toBe(404);
  });
});

describe('bad requests get a clear 4xx and never hurt the server', () => {
  const good = { name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array(64).fill(1) };
  const cases: [string, unknown, number, RegExp, string?][] = [
    ['unknown endpoint', { inputs: [good] }, 404, /endpoint "nope" not found/, 'nope'],
    ['missing input', { inputs: [] }, 400, /"inputs" to be a non-empty array/],
    ['extra input', { inputs: [good, { ...good, name: 'extra' }] }, 400, /unexpected input "extra"/],
    ['wrong datatype', { inputs: [{ ...good, datatype: 'FP64' }] }, 400, /input "input": expected datatype FP32, got FP64/],
    ['unknown datatype', { inputs: [{ ...good, datatype: 'FLOAT' }] }, 400, /input "input": expected "datatype" to be one of/],
    ['incompatible shape', { inputs: [{ ...good, shape: [1, 63], data: new Array(63).fill(1) }] }, 400, /input "input": expected shape \[-1,64\], got \[1,63\]/],
    ['rank mismatch', { inputs: [{ ...good, shape: [64] }] }, 400, /expected shape \[-1,64\], got \[64\]/],
    ['data shorter than shape', { inputs: [{ ...good, data: new Array(60).fill(1) }] }, 400, /shape holds 64 elements, but "data" has 60/],
    ['data longer than shape', { inputs: [{ ...good, data: new Array(65).fill(1) }] }, 400, /shape holds 64 elements, but "data" has 65/],
    ['string in numeric data', { inputs: [{ ...good, data: ['x', ...new Array(63).fill(1)] }] }, 400, /element 0 of "data": expected a number for FP32/],
    ['unknown output', { inputs: [good], outputs: [{ name: 'nope' }] }, 400, /unknown output "nope"/],
    ['non-object body', [1, 2], 400, /expected a JSON object/],
    ['negative dimension', { inputs: [{ ...good, shape: [-1, 64] }] }, 400, /non-negative integers/],
  ];
  for (const [title, body, status, message, endpoint] of cases) {
    it(title, async () => {
      const reply = await infer(server.url, endpoint ?? 'digits', body);
      expect(reply.status).toBe(status);
      expect((reply.body as unknown as { error: string }).error).toMatch(message);
    });
  }

  it('malformed JSON, empty body, oversized body', async () => {
    const bad = await call<{ error: string }>(`${server.url}/v2/models/digits/infer`, 'POST', '{"inputs": [');
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatch(/not valid JSON/);
    const empty = await call<{ error: string }>(`${server.url}/v2/models/digits/infer`, 'POST', '');
    expect(empty.status).toBe(400);
    const huge = await call<{ error: string }>(`${server.url}/v2/models/digits/infer`, 'POST', `{"inputs":[${' '.repeat(300 * 1024)}]}`);
    expect(huge.status).toBe(413);
    expect(huge.body.error).toMatch(/limit/);
  });

  it('a bad version in the path is a 400 or 404, not a crash', async () => {
    expect((await infer(server.url, 'digits', { inputs: [good] }, 0)).status).toBe(400);
    expect((await call(`${server.url}/v2/models/digits/versions/abc/infer`, 'POST', { inputs: [good] })).status).toBe(400);
  });

  it('a model that fails at run time is a 500 naming the model and the failure, and the next request is served', async () => {
    const bad = await infer(server.url, 'lookup', { inputs: [{ name: 'idx', datatype: 'INT64', shape: [2], data: [1, 9] }] });
    expect(bad.status).toBe(500);
    expect((bad.body as unknown as { error: string; code: string })).toMatchObject({
      code: 'internal', error: expect.stringMatching(/^model lookup:1 failed to run: .*idx/i),
    });
    const good = await infer(server.url, 'lookup', { inputs: [{ name: 'idx', datatype: 'INT64', shape: [2], data: [1, 3] }] });
    expect(good.status).toBe(200);
    expect(good.body.outputs[0]!.data).toEqual([20, 40]);
  });

  it('still serves after all of that', async () => {
    const reply = await infer(server.url, 'digits', { inputs: [good] });
    expect(reply.status).toBe(200);
    expect(server.child.exitCode).toBeNull();
  });
});
