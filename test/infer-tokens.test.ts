// Inference behind tokens (serve --require-infer-token) on HTTP and gRPC: an infer token reaches only its endpoints,
// other scopes are refused, health and server metadata stay open, and a revoked token is refused at once — on both
// protocols, although inference caches tokens. The configured admin token acts as `admin` throughout.

import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOADER_OPTIONS, PROTO_PATH } from '../src/api/grpc-server.js';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

const ADMIN = 'configured-admin-secret';
let server: ServerProcess;
let client: grpc.Client;
const secrets: Record<string, string> = {};

interface MethodDefinition {
  path: string;
  requestSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}
const service = loadSync(PROTO_PATH, LOADER_OPTIONS)['inference.GRPCInferenceService'] as unknown as Record<string, MethodDefinition>;

/** One unary call; resolves to 0 (OK) or the status code it failed with. */
function rpcCode(method: string, request: object, secret?: string): Promise<number> {
  const m = service[method]!;
  const metadata = new grpc.Metadata();
  if (secret !== undefined) metadata.set('authorization', `Bearer ${secret}`);
  return new Promise((resolve) => {
    client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, metadata, { deadline: Date.now() + 20_000 }, (err) =>
      resolve(err ? err.code : 0));
  });
}

const input = { name: 'input', datatype: 'FP32', shape: [1, 64] };
const httpBody = { inputs: [{ ...input, data: new Array(64).fill(0) }] };
const grpcRequest = (endpoint: string): object => ({ model_name: endpoint, inputs: [{ ...input, contents: { fp32_contents: new Array(64).fill(0) } }] });
const bearer = (secret: string | undefined): Record<string, string> => (secret === undefined ? {} : { authorization: `Bearer ${secret}` });
const httpInfer = (endpoint: string, secret?: string): Promise<number> =>
  call(`${server.url}/v2/models/${endpoint}/infer`, 'POST', httpBody, bearer(secret)).then((r) => r.status);

beforeAll(async () => {
  server = await startServer({ args: ['--require-infer-token', '--admin-token', ADMIN] });
  client = new grpc.Client(server.grpcAddress, grpc.credentials.createInsecure());
  const env = { SLIPWAY_TOKEN: ADMIN };
  expect((await runCli(server.url, ['push', join(ROOT, 'examples', 'digits')], env)).code).toBe(0);
  for (const endpoint of ['digits', 'other']) expect((await runCli(server.url, ['deploy', endpoint, '--model', 'digits:1'], env)).code).toBe(0);
  for (const [name, scope, endpoints] of [['app', 'infer', ['digits']], ['any', 'infer', []], ['ci', 'deploy', []]] as const) {
    const reply = await call<{ secret: string }>(`${server.url}/api/v1/tokens`, 'POST', { name, scope, endpoints }, bearer(ADMIN));
    expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    secrets[name] = reply.body.secret;
  }
}, 90_000);
afterAll(async () => {
  client?.close();
  await server?.stop();
  if (server) removeHome(server.home);
});

describe('--require-infer-token', () => {
  it('lets infer tokens reach only their endpoints, and admin every one, over HTTP and gRPC', async () => {
    const cases: [string | undefined, string, number, number][] = [
      // token, endpoint, HTTP status, gRPC code
      [undefined, 'digits', 401, grpc.status.UNAUTHENTICATED],
      ['slw_unknown', 'digits', 401, grpc.status.UNAUTHENTICATED],
      ['app', 'digits', 200, grpc.status.OK],
      ['app', 'other', 403, grpc.status.PERMISSION_DENIED],
      ['any', 'other', 200, grpc.status.OK],
      ['ci', 'digits', 403, grpc.status.PERMISSION_DENIED],
      ['admin', 'other', 200, grpc.status.OK],
    ];
    const secretOf = (name: string | undefined): string | undefined => (name === undefined ? undefined : name === 'admin' ? ADMIN : secrets[name] ?? name);
    for (const [token, endpoint, http, code] of cases) {
      // Twice: the second answer comes from the token cache and must agree with the first.
      for (let i = 0; i < 2; i++) {
        expect(await httpInfer(endpoint, secretOf(token)), `HTTP ${token} on ${endpoint}`).toBe(http);
        expect(await rpcCode('ModelInfer', grpcRequest(endpoint), secretOf(token)), `gRPC ${token} on ${endpoint}`).toBe(code);
      }
    }
    const refused = await call<{ error: string }>(`${server.url}/v2/models/other/infer`, 'POST', httpBody, bearer(secrets.app));
    expect(refused.body.error).toBe('token "app" may call only "digits", not "other"');
  }, 60_000);

  it('guards model metadata and readiness too, and leaves health and server metadata open', async () => {
    expect((await call(`${server.url}/v2/health/ready`)).status).toBe(200);
    expect((await call(`${server.url}/v2/health/live`)).status).toBe(200);
    expect((await call(`${server.url}/v2`)).status).toBe(200);
    expect((await call(`${server.url}/v2/models/digits`)).status).toBe(401);
    expect((await call(`${server.url}/v2/models/digits/ready`)).status).toBe(401);
    expect((await call(`${server.url}/v2/models/digits`, 'GET', undefined, bearer(secrets.app))).status).toBe(200);
    expect((await call(`${server.url}/v2/models/other/ready`, 'GET', undefined, bearer(secrets.app))).status).toBe(403);
    expect(await rpcCode('ServerLive', {})).toBe(grpc.status.OK);
    expect(await rpcCode('ServerMetadata', {})).toBe(grpc.status.OK);
    expect(await rpcCode('ModelMetadata', { name: 'digits' })).toBe(grpc.status.UNAUTHENTICATED);
    expect(await rpcCode('ModelReady', { name: 'other' }, secrets.app)).toBe(grpc.status.PERMISSION_DENIED);
    expect(await rpcCode('ModelReady', { name: 'digits' }, secrets.app)).toBe(grpc.status.OK);
  });

  it('refuses a revoked token at once on both protocols, although it was cached', async () => {
    expect(await httpInfer('other', secrets.any)).toBe(200);
    expect(await rpcCode('ModelInfer', grpcRequest('other'), secrets.any)).toBe(grpc.status.OK);
    const revoked = await call(`${server.url}/api/v1/tokens/any`, 'DELETE', undefined, bearer(ADMIN));
    expect(revoked.status).toBe(200);
    expect(await httpInfer('other', secrets.any)).toBe(401);
    expect(await rpcCode('ModelInfer', grpcRequest('other'), secrets.any)).toBe(grpc.status.UNAUTHENTICATED);
  });

  it('keeps the configured admin token working on the management API, as "admin"', async () => {
    const who = await call<{ name: string; scope: string }>(`${server.url}/api/v1/whoami`, 'GET', undefined, bearer(ADMIN));
    expect(who.body).toMatchObject({ name: 'admin', scope: 'admin' });
    const history = await call<{ actor: string }[]>(`${server.url}/api/v1/endpoints/digits/history`, 'GET', undefined, bearer(ADMIN));
    expect(history.body.map((e) => e.actor)).toEqual(['admin']);
    expect(server.output()).not.toContain(ADMIN);
    for (const secret of Object.values(secrets)) expect(server.output()).not.toContain(secret);
  });
});
