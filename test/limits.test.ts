// Limits against a real server: declared shapes past the request limits (JSON, binary extension, gRPC), rate limits
// per endpoint and per token (429 + Retry-After, RESOURCE_EXHAUSTED, metrics), and hostile package pushes.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import { scrape } from './metrics.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';
import { rpc, rpcError } from './support/grpc-client.js';

const DIGITS = join(ROOT, 'examples', 'digits');
const TOKEN = 'limits-admin-token';
const AUTH = { authorization: `Bearer ${TOKEN}` };
let server: ServerProcess;
let client: grpc.Client;

const row = (rows = 1): object => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [rows, 64], data: new Array<number>(rows * 64).fill(0) }] });
const inferUrl = (endpoint: string): string => `${server.url}/v2/models/${endpoint}/infer`;

beforeAll(async () => {
  server = await startServer({
    args: ['--admin-token', TOKEN],
    env: {
      SLIPWAY_MAX_TENSOR_ELEMENTS: '1000', SLIPWAY_MAX_REQUEST_ELEMENTS: '1500', SLIPWAY_MAX_REQUEST_ROWS: '8',
      // One request every 5 s for the admin token: a second one at once is refused however slow the machine.
      SLIPWAY_TOKEN_RATE_LIMITS: 'admin=0.2:1',
      SLIPWAY_MAX_PACKAGE_FILES: '6', SLIPWAY_MAX_PACKAGE_DEPTH: '3', SLIPWAY_MAX_PACKAGE_BYTES: '200000',
    },
  });
  for (const args of [['push', DIGITS], ['deploy', 'digits', '--model', 'digits:1']]) {
    const r = await runCli(server.url, ['--token', TOKEN, ...args]);
    if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
  }
  const applied = await call(`${server.url}/api/v1/endpoints/limited/spec`, 'PUT', {
    kind: 'Endpoint', name: 'limited', variants: [{ name: 'primary', model: 'digits:1' }], rateLimit: { requestsPerSecond: 0.2, burst: 2 },
  }, AUTH);
  expect(applied.status, JSON.stringify(applied.body)).toBe(200);
  client = new grpc.Client(server.grpcAddress, grpc.credentials.createInsecure());
}, 120_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  if (server) removeHome(server.home);
});

describe('request limits, from declared shapes', () => {
  it('serves requests within the limits', async () => {
    expect((await call(inferUrl('digits'), 'POST', row(8))).status).toBe(200);
  });

  it('refuses a JSON shape past the rows limit with 400 naming the input and the limit (a billion rows, two values)', async () => {
    const reply = await call<{ error: string; code: string }>(inferUrl('digits'), 'POST', {
      inputs: [{ name: 'input', datatype: 'FP32', shape: [1_000_000_000, 64], data: [1, 2] }],
    });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(/input "input": shape \[1000000000,64\] has 1000000000 rows; .*at most 8 rows per request \(maxRequestRows\)/);
  });

  it('refuses a tensor past the element limit in JSON, inline and on a decode worker (a large body)', async () => {
    const small = await call<{ error: string }>(inferUrl('digits'), 'POST', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2000], data: [] }] });
    expect(small.status).toBe(400);
    expect(small.body.error).toMatch(/input "input": shape \[1,2000\] holds more than 1000 elements.*\(maxTensorElements\)/);
    const values = new Array<string>(40_000).fill('0.000000').join(',');
    const body = `{"inputs":[{"name":"input","datatype":"FP32","shape":[1,40000],"data":[${values}]}]}`;
    expect(body.length).toBeGreaterThan(128 * 1024);
    const large = await call<{ error: string }>(inferUrl('digits'), 'POST', body, { 'content-type': 'application/json' });
    expect(large.status).toBe(400);
    expect(large.body.error).toMatch(/input "input".*maxTensorElements/);
  });

  it('refuses a request whose inputs together pass the request limit', async () => {
    const input = (name: string): object => ({ name, datatype: 'FP32', shape: [1, 800], data: new Array<number>(800).fill(0) });
    const reply = await call<{ error: string }>(inferUrl('digits'), 'POST', { inputs: [input('input'), input('extra')] });
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatch(/input "extra": .*1600 elements; .*at most 1500 elements per request \(maxRequestElements\)/);
  });

  it('refuses a binary-extension tensor past the element limit', async () => {
    const header = Buffer.from(JSON.stringify({ inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 1200], parameters: { binary_data_size: 4800 } }] }));
    const response = await fetch(inferUrl('digits'), {
      method: 'POST',
      headers: { 'inference-header-content-length': String(header.length) },
      body: new Uint8Array(Buffer.concat([header, Buffer.alloc(4800)])),
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toMatch(/input "input": shape \[1,1200\] holds more than 1000 elements.*maxTensorElements/);
  });

  it('refuses gRPC shapes past the limits with INVALID_ARGUMENT naming the input and the limit', async () => {
    const elements = await rpcError(client, 'ModelInfer', {
      model_name: 'digits', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 2000] }], raw_input_contents: [Buffer.alloc(8000)],
    });
    expect(elements.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(elements.details).toMatch(/input "input".*more than 1000 elements.*maxTensorElements/);
    const rows = await rpcError(client, 'ModelInfer', {
      model_name: 'digits', inputs: [{ name: 'input', datatype: 'FP32', shape: ['1000000000000', '0'] }], raw_input_contents: [Buffer.alloc(0)],
    });
    expect(rows.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(rows.details).toMatch(/input "input".*1000000000000 rows.*maxRequestRows/);
  });
});

describe('rate limits', () => {
  it('refuses an endpoint past its own limit with 429 and Retry-After, over HTTP and gRPC, and counts it', async () => {
    expect((await call(inferUrl('limited'), 'POST', row())).status).toBe(200);
    expect((await call(inferUrl('limited'), 'POST', row())).status).toBe(200);
    const refused = await call<{ error: string; code: string }>(inferUrl('limited'), 'POST', row());
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('rate_limited');
    expect(refused.body.error).toMatch(/endpoint "limited" is limited to 0.2 requests\/s \(burst 2\) per replica/);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const viaGrpc = await rpcError(client, 'ModelInfer', { model_name: 'limited', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], contents: { fp32_contents: new Array<number>(64).fill(0) } }] });
    expect(viaGrpc.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    expect(viaGrpc.metadata.get('retry-after')[0]).toBeDefined();
    // Another endpoint is not limited by this one's limit.
    expect((await call(inferUrl('digits'), 'POST', row())).status).toBe(200);
    const metric = await scrape(server.url);
    expect(metric('slipway_rate_limited_total', { endpoint: 'limited', reason: 'endpoint' })).toBe(2);
  });

  it('keeps the limit in the endpoint spec: get shows it', async () => {
    const spec = await call<{ rateLimit?: object }>(`${server.url}/api/v1/endpoints/limited/spec`, 'GET', undefined, AUTH);
    expect(spec.body.rateLimit).toEqual({ requestsPerSecond: 0.2, burst: 2 });
  });

  it('refuses a token past its limit, over HTTP and gRPC, and leaves callers without a token alone', async () => {
    expect((await call(inferUrl('digits'), 'POST', row(), AUTH)).status).toBe(200);
    const refused = await call<{ error: string }>(inferUrl('digits'), 'POST', row(), AUTH);
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatch(/token "admin" is limited to 0.2 requests\/s \(burst 1\)/);
    expect(refused.headers.get('retry-after')).toMatch(/^[1-5]$/);
    const metadata = new grpc.Metadata();
    metadata.set('authorization', `Bearer ${TOKEN}`);
    const viaGrpc = await rpcError(client, 'ModelInfer', { model_name: 'digits', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], contents: { fp32_contents: new Array<number>(64).fill(0) } }] }, metadata);
    expect(viaGrpc.code).toBe(grpc.status.RESOURCE_EXHAUSTED);
    for (let i = 0; i < 3; i++) expect((await call(inferUrl('digits'), 'POST', row())).status).toBe(200);
    const served = await rpc<{ model_name: string }>(client, 'ModelInfer', { model_name: 'digits', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], contents: { fp32_contents: new Array<number>(64).fill(0) } }] });
    expect(served.model_name).toBe('digits');
    expect((await scrape(server.url))('slipway_rate_limited_total', { endpoint: 'digits', reason: 'token' })).toBe(2);
  });
});

describe('hostile package pushes', () => {
  const manifest = readFileSync(join(DIGITS, 'slipway.yaml'), 'utf8');

  async function push(files: [string, Uint8Array][]): Promise<{ status: number; error: string }> {
    const form = new FormData();
    form.append('manifest', manifest);
    for (const [path, bytes] of files) form.append(path, new Blob([bytes]), path);
    const response = await fetch(`${server.url}/api/v1/models?validate=false`, { method: 'POST', headers: AUTH, body: form });
    return { status: response.status, error: ((await response.json()) as { error?: string }).error ?? '' };
  }

  const model = new Uint8Array(readFileSync(join(DIGITS, 'model.onnx')));

  it('refuses paths that climb out of the package, absolute ones and backslashes', async () => {
    for (const path of ['../evil.onnx', 'a/../../evil.onnx', '/etc/cron.d/evil', 'a\\..\\evil']) {
      const reply = await push([['model.onnx', model], [path, new Uint8Array([1])]]);
      expect(reply.status, path).toBe(400);
      expect(reply.error).toMatch(/expected a relative path inside the package \(no "\.\.", no leading "\/"/);
    }
  });

  it('refuses more files than a package may hold, and paths deeper than allowed', async () => {
    const many = Array.from({ length: 7 }, (_, i): [string, Uint8Array] => [`f${i}.txt`, new Uint8Array([i])]);
    const tooMany = await push(many);
    expect(tooMany.status).toBe(400);
    expect(tooMany.error).toMatch(/file "f6\.txt": a package may hold at most 6 files on this server \(maxPackageFiles\)/);
    const deep = await push([['model.onnx', model], ['a/b/c/d.txt', new Uint8Array([1])]]);
    expect(deep.status).toBe(400);
    expect(deep.error).toMatch(/"a\/b\/c\/d\.txt": its path is 4 levels deep; .*at most 3 levels deep.*\(maxPackageDepth\)/);
  });

  it('refuses a package larger than its total limit while it streams (413), leaving no version behind', async () => {
    const reply = await push([['model.onnx', model], ['baseline.csv', new Uint8Array(150_000)], ['golden.csv', new Uint8Array(150_000)]]);
    expect(reply.status).toBe(413);
    expect(reply.error).toMatch(/file "golden\.csv": the package is larger than 200000 bytes.*\(maxPackageBytes\)/);
    const versions = await call<{ version: number }[]>(`${server.url}/api/v1/models/digits`, 'GET', undefined, AUTH);
    expect(versions.body.map((v) => v.version)).toEqual([1]);
  });
});
