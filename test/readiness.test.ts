// /v2/health/ready after a restart: not ready (503) while a restored endpoint is still loading, and the body names it;
// ready once every restored endpoint loaded or failed, the failed ones named; with --examples, not ready until the
// bundled examples are pushed and deployed. A Python model whose load() sleeps or
// raises (when an environment variable the worker inherits says so) makes the restore slow or failing on purpose.

import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../src/app.js';
import { LOADER_OPTIONS, PROTO_PATH } from '../src/api/grpc-proto.js';
import { startServer } from '../src/app.js';
import { loadConfig, type Config } from '../src/config.js';
import { call } from './http.js';
import { deploy, push, ROOT } from './loop-harness.js';
import { removeHome, startServer as startServerProcess } from './server-process.js';

const home = mkdtempSync(join(tmpdir(), 'slipway-ready-'));
const pkg = mkdtempSync(join(tmpdir(), 'slipway-ready-pkg-'));
const config: Config = loadConfig({ home, port: 0, grpcPort: 0, logLevel: 'fatal' }, {}, home);
const running: RunningServer[] = [];

interface Readiness {
  ready: boolean;
  loading: string[];
  failed: string[];
}

beforeAll(async () => {
  // The adder fixture, with a load() that sleeps or fails on request. Only restarts set the variables: the push's
  // validation and the first deploy load it at full speed.
  cpSync(join(ROOT, 'test', 'fixtures', 'python'), pkg, { recursive: true });
  const model = readFileSync(join(pkg, 'model.py'), 'utf8').replace(
    '    def load(self, directory):\n',
    '    def load(self, directory):\n' +
      '        time.sleep(float(os.environ.get("SLIPWAY_TEST_LOAD_DELAY", "0")))\n' +
      '        if os.environ.get("SLIPWAY_TEST_LOAD_FAIL"):\n' +
      '            raise RuntimeError("load failed on purpose")\n',
  );
  expect(model).toContain('SLIPWAY_TEST_LOAD_DELAY');
  writeFileSync(join(pkg, 'model.py'), model);
  const first = await startServer(config);
  running.push(first);
  await first.restored;
  await push(first.url, pkg);
  await deploy(first.url, 'slow', 'adder:1');
  await first.close();
}, 90_000);

afterAll(async () => {
  delete process.env.SLIPWAY_TEST_LOAD_DELAY;
  delete process.env.SLIPWAY_TEST_LOAD_FAIL;
  for (const s of running) await s.close().catch(() => undefined);
  rmSync(home, { recursive: true, force: true });
  rmSync(pkg, { recursive: true, force: true });
});

interface Method {
  path: string;
  requestSerialize: (value: object) => Buffer;
  responseDeserialize: (bytes: Buffer) => unknown;
}
const serverReady = (loadSync(PROTO_PATH, LOADER_OPTIONS)['inference.GRPCInferenceService'] as unknown as Record<string, Method>)['ServerReady']!;

/** gRPC ServerReady's answer from `server`. */
function grpcReady(server: RunningServer): Promise<unknown> {
  const client = new grpc.Client(server.grpcUrl, grpc.credentials.createInsecure());
  return new Promise<unknown>((resolve, reject) => {
    client.makeUnaryRequest(serverReady.path, serverReady.requestSerialize, serverReady.responseDeserialize, {}, new grpc.Metadata(),
      { deadline: Date.now() + 10_000 }, (err, value) => (err ? reject(err) : resolve(value)));
  }).finally(() => client.close());
}

async function readiness(server: RunningServer): Promise<{ status: number; body: Readiness }> {
  return call<Readiness>(`${server.url}/v2/health/ready`);
}

describe('readiness after a restart', () => {
  it('is 503 naming the endpoint while its restore loads, and 200 once it has loaded', async () => {
    process.env.SLIPWAY_TEST_LOAD_DELAY = '3';
    const server = await startServer(config);
    running.push(server);
    const during = await readiness(server);
    expect(during.status).toBe(503);
    expect(during.body).toEqual({ ready: false, loading: ['slow'], failed: [] });
    expect(await grpcReady(server)).toEqual({ ready: false });
    await server.restored;
    const after = await readiness(server);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ ready: true, loading: [], failed: [] });
    expect(await grpcReady(server)).toEqual({ ready: true });
    await server.close();
    delete process.env.SLIPWAY_TEST_LOAD_DELAY;
  }, 60_000);

  it('is 200 once a restore failed, naming the failed endpoint', async () => {
    process.env.SLIPWAY_TEST_LOAD_FAIL = '1';
    const server = await startServer(config);
    running.push(server);
    await server.restored;
    const after = await readiness(server);
    expect(after.status).toBe(200);
    expect(after.body).toEqual({ ready: true, loading: [], failed: ['slow'] });
    await server.close();
    delete process.env.SLIPWAY_TEST_LOAD_FAIL;
  }, 60_000);
});

describe('readiness with bundled examples', () => {
  it('is 503 naming them until `serve --examples` has pushed and deployed them, then 200', async () => {
    const examples = mkdtempSync(join(tmpdir(), 'slipway-ready-examples-'));
    cpSync(pkg, join(examples, 'adder'), { recursive: true });
    // Each load of the model (validation, baseline, deploy) takes a second: the bootstrap outlasts the first look.
    const server = await startServerProcess({ args: ['--examples', examples], env: { SLIPWAY_TEST_LOAD_DELAY: '1' } });
    try {
      const during = await call<Readiness>(`${server.url}/v2/health/ready`);
      expect(during.status).toBe(503);
      expect(during.body).toEqual({ ready: false, loading: ['bundled examples'], failed: [] });
      let after = during;
      for (let tries = 0; tries < 300 && after.status !== 200; tries++) {
        await new Promise((done) => setTimeout(done, 100));
        after = await call<Readiness>(`${server.url}/v2/health/ready`);
      }
      expect(after.body).toEqual({ ready: true, loading: [], failed: [] });
      expect(server.output()).toContain('endpoint "adder" serves adder:1');
    } finally {
      await server.stop();
      removeHome(server.home);
      rmSync(examples, { recursive: true, force: true });
    }
  }, 60_000);
});
