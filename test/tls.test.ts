// TLS and mutual TLS on both servers and in the CLI, with certificates made for the test by Debian's openssl.

import { readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';
import { rpc, rpcError } from './support/grpc-client.js';
import { makeTestCerts, type TestCerts } from './support/test-certs.js';

const DIGITS = join(ROOT, 'examples', 'digits');
const ROW = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: new Array<number>(64).fill(0) }] };

let certs: TestCerts;
let tlsServer: ServerProcess;
let mtlsServer: ServerProcess;

interface Trust {
  ca?: string;
  cert?: string;
  key?: string;
}

/** One HTTPS call with node:https (fetch cannot be given a CA); rejects when the handshake fails. */
function https(url: string, trust: Trust, method = 'GET', body?: unknown): Promise<{ status: number; body: Record<string, unknown> }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method,
      headers: payload ? { 'content-type': 'application/json' } : {},
      ...(trust.ca ? { ca: readFileSync(trust.ca) } : {}),
      ...(trust.cert ? { cert: readFileSync(trust.cert), key: readFileSync(trust.key!) } : {}),
    }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(payload);
  });
}

function grpcClient(address: string, trust: Trust | 'insecure'): grpc.Client {
  const credentials = trust === 'insecure'
    ? grpc.credentials.createInsecure()
    : grpc.credentials.createSsl(trust.ca ? readFileSync(trust.ca) : null, trust.key ? readFileSync(trust.key) : null, trust.cert ? readFileSync(trust.cert) : null);
  return new grpc.Client(address, credentials);
}

/** The error of a call that must fail; the client is closed after it. */
async function refused(client: grpc.Client, method: string, message: object): Promise<grpc.ServiceError> {
  try {
    return await rpcError(client, method, message);
  } finally {
    client.close();
  }
}

const GRPC_ROW = { model_name: 'digits', inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], contents: { fp32_contents: new Array<number>(64).fill(0) } }] };

beforeAll(async () => {
  certs = makeTestCerts();
  const tlsArgs = ['--tls-cert', certs.serverCert, '--tls-key', certs.serverKey];
  // One after the other: each start has its own time limit, which starts competing for a busy machine would share.
  tlsServer = await startServer({ args: tlsArgs });
  // Two workers: each forked process must serve TLS and verify clients as one process does.
  mtlsServer = await startServer({ args: [...tlsArgs, '--tls-client-ca', certs.ca, '--workers', '2'] });
  for (const [server, trust] of [[tlsServer, ['--ca', certs.ca]], [mtlsServer, ['--ca', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey]]] as const) {
    for (const args of [['push', DIGITS], ['deploy', 'digits', '--model', 'digits:1']]) {
      const r = await runCli(server.url, [...trust, ...args]);
      if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
    }
  }
}, 120_000);

afterAll(async () => {
  await Promise.all([tlsServer?.stop(), mtlsServer?.stop()]);
  for (const s of [tlsServer, mtlsServer]) if (s) removeHome(s.home);
  if (certs) rmSync(certs.dir, { recursive: true, force: true });
});

describe('TLS', () => {
  it('serves HTTPS: inference and management work for a client that trusts the CA', async () => {
    expect(tlsServer.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const reply = await https(`${tlsServer.url}/v2/models/digits/infer`, { ca: certs.ca }, 'POST', ROW);
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect((reply.body.outputs as unknown[]).length).toBeGreaterThan(0);
    const endpoints = await https(`${tlsServer.url}/api/v1/endpoints`, { ca: certs.ca });
    expect(endpoints.status).toBe(200);
  });

  it('a client that does not trust the CA fails the handshake, and plain HTTP gets no answer', async () => {
    await expect(fetch(`${tlsServer.url}/v2/health/live`)).rejects.toThrow();
    await expect(https(`${tlsServer.url}/v2/health/live`, { ca: certs.otherCa })).rejects.toThrow(/certificate|signature/i);
    await expect(fetch(`${tlsServer.url.replace('https:', 'http:')}/v2/health/live`)).rejects.toThrow();
  });

  it('the CLI verifies against --ca or SLIPWAY_CA, and says what to do without it', async () => {
    const withCa = await runCli(tlsServer.url, ['--ca', certs.ca, 'endpoints', 'ls']);
    expect(withCa.code, withCa.stderr).toBe(0);
    expect(withCa.stdout).toMatch(/digits/);
    expect((await runCli(tlsServer.url, ['endpoints', 'ls'], { SLIPWAY_CA: certs.ca })).code).toBe(0);
    const predict = await runCli(tlsServer.url, ['--ca', certs.ca, 'predict', 'digits', '--input', join(DIGITS, 'request.json')]);
    expect(predict.code, predict.stderr).toBe(0);
    const without = await runCli(tlsServer.url, ['endpoints', 'ls']);
    expect(without.code).toBe(1);
    expect(without.stderr).toMatch(/cannot verify Slipway .*--ca/);
  });

  it('serves gRPC over TLS to a client that trusts the CA, and to no plaintext client', async () => {
    const client = grpcClient(tlsServer.grpcAddress, { ca: certs.ca });
    try {
      expect(await rpc(client, 'ServerLive', {})).toEqual({ live: true });
      const reply = await rpc<{ model_name: string; raw_output_contents: Buffer[] }>(client, 'ModelInfer', GRPC_ROW);
      expect(reply.model_name).toBe('digits');
    } finally {
      client.close();
    }
    expect((await refused(grpcClient(tlsServer.grpcAddress, 'insecure'), 'ServerLive', {})).code).toBe(grpc.status.UNAVAILABLE);
    expect((await refused(grpcClient(tlsServer.grpcAddress, { ca: certs.otherCa }), 'ServerLive', {})).code).toBe(grpc.status.UNAVAILABLE);
  });
});

describe('mutual TLS (with --workers 2)', () => {
  it('refuses an HTTPS client without a certificate and serves one with', async () => {
    expect(mtlsServer.url).toMatch(/^https:/);
    await expect(https(`${mtlsServer.url}/v2/models/digits/infer`, { ca: certs.ca }, 'POST', ROW)).rejects.toThrow();
    for (let i = 0; i < 4; i++) {
      // Several calls, so both workers answer (the cluster hands connections round robin).
      const reply = await https(`${mtlsServer.url}/v2/models/digits/infer`, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey }, 'POST', ROW);
      expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    }
  });

  it('the CLI presents --cert/--key, and fails without them', async () => {
    const ok = await runCli(mtlsServer.url, ['--ca', certs.ca, '--cert', certs.clientCert, '--key', certs.clientKey, 'endpoints', 'ls']);
    expect(ok.code, ok.stderr).toBe(0);
    const env = await runCli(mtlsServer.url, ['endpoints', 'ls'], { SLIPWAY_CA: certs.ca, SLIPWAY_CERT: certs.clientCert, SLIPWAY_KEY: certs.clientKey });
    expect(env.code, env.stderr).toBe(0);
    const none = await runCli(mtlsServer.url, ['--ca', certs.ca, 'endpoints', 'ls']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/--cert and --key/);
  });

  it('gRPC refuses a client without a certificate and serves one with', async () => {
    expect((await refused(grpcClient(mtlsServer.grpcAddress, { ca: certs.ca }), 'ServerLive', {})).code).toBe(grpc.status.UNAVAILABLE);
    const client = grpcClient(mtlsServer.grpcAddress, { ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
    try {
      expect(await rpc(client, 'ServerLive', {})).toEqual({ live: true });
      const reply = await rpc<{ model_name: string }>(client, 'ModelInfer', GRPC_ROW);
      expect(reply.model_name).toBe('digits');
    } finally {
      client.close();
    }
  });
});
