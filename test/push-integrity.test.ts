// A push is all or nothing: crashes, aborted uploads and corrupt models leave the registry exactly as it was.

import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';

const DIGITS = join(ROOT, 'examples', 'digits');

function filesUnder(dir: string): string[] {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

async function waitUntil(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 15_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a multipart push and sends only part of the model file; returns the open request. */
function startPartialPush(url: string, sent: number): ReturnType<typeof httpRequest> {
  const boundary = 'slipwaytestboundary';
  const manifest = readFileSync(join(DIGITS, 'slipway.yaml'));
  const head = Buffer.concat([
    Buffer.from(`--${boundary}\r\ncontent-disposition: form-data; name="manifest"\r\n\r\n`),
    manifest,
    Buffer.from(`\r\n--${boundary}\r\ncontent-disposition: form-data; name="model.onnx"; filename="model.onnx"\r\ncontent-type: application/octet-stream\r\n\r\n`),
  ]);
  const req = httpRequest(`${url}/api/v1/models`, {
    method: 'POST',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, 'content-length': String(head.length + 64 * 1024 * 1024) },
  });
  req.on('error', () => undefined); // the server goes away mid-request: expected here
  req.write(head);
  req.write(randomBytes(sent));
  return req;
}

describe('crash and abort during a push', () => {
  const home = tempHome();
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    removeHome(home);
  });

  it('SIGKILL of the server mid-upload leaves no half version, and the next start cleans up', async () => {
    server = await startServer({ home });
    expect((await runCli(server.url, ['push', DIGITS])).code).toBe(0); // digits:1, committed
    const blobsBefore = filesUnder(join(home, 'artifacts', 'blobs')).sort();
    const req = startPartialPush(server.url, 8 * 1024 * 1024);
    await waitUntil(() => filesUnder(join(home, 'artifacts', 'tmp')).length > 0, 'the upload to reach the disk');
    await server.stop('SIGKILL');
    req.destroy();
    expect(filesUnder(join(home, 'artifacts', 'tmp')).length).toBeGreaterThan(0); // the crash left a partial file

    server = await startServer({ home });
    expect(filesUnder(join(home, 'artifacts', 'tmp'))).toEqual([]);
    expect(filesUnder(join(home, 'artifacts', 'blobs')).sort()).toEqual(blobsBefore);
    const versions = await call<{ version: number }[]>(`${server.url}/api/v1/models/digits`);
    expect(versions.body.map((v) => v.version)).toEqual([1]);
    // the registry is consistent: the next push gets the next number and serves
    const push = await runCli(server.url, ['push', DIGITS]);
    expect(push.stdout).toMatch(/pushed digits:2/);
    expect((await runCli(server.url, ['deploy', 'digits', '--model', 'digits:2'])).code).toBe(0);
  });

  it('a client that disconnects mid-upload leaves nothing behind and the server keeps serving', async () => {
    const req = startPartialPush(server!.url, 4 * 1024 * 1024);
    await waitUntil(() => filesUnder(join(home, 'artifacts', 'tmp')).length > 0, 'the upload to reach the disk');
    req.destroy();
    await waitUntil(() => filesUnder(join(home, 'artifacts', 'tmp')).length === 0, 'the partial upload to be removed');
    const versions = await call<{ version: number }[]>(`${server!.url}/api/v1/models/digits`);
    expect(versions.body.map((v) => v.version)).toEqual([1, 2]);
    expect((await call(`${server!.url}/v2/health/ready`)).status).toBe(200);
  });

  it('SIGKILL of the CLI mid-push leaves no version', async () => {
    const big = join(home, 'big.onnx');
    writeFileSync(big, randomBytes(48 * 1024 * 1024));
    const { spawn } = await import('node:child_process');
    const { CLI } = await import('./server-process.js');
    const child = spawn(process.execPath, [CLI, '--server', server!.url, 'push', big, '--name', 'big'], { stdio: 'ignore' });
    await waitUntil(() => filesUnder(join(home, 'artifacts', 'tmp')).length > 0, 'the upload to start');
    child.kill('SIGKILL');
    await waitUntil(() => filesUnder(join(home, 'artifacts', 'tmp')).length === 0, 'the partial upload to be removed');
    expect((await call(`${server!.url}/api/v1/models/big`)).status).toBe(404);
  });
});

describe('rejected pushes change nothing', () => {
  let server: ServerProcess;
  let blobs: string[];
  beforeAll(async () => {
    server = await startServer();
    expect((await runCli(server.url, ['push', DIGITS])).code).toBe(0);
    blobs = filesUnder(join(server.home, 'artifacts', 'blobs')).sort();
  });
  afterAll(async () => {
    await server.stop();
    removeHome(server.home);
  });

  const unchanged = async (): Promise<void> => {
    expect(filesUnder(join(server.home, 'artifacts', 'blobs')).sort()).toEqual(blobs);
    expect(filesUnder(join(server.home, 'artifacts', 'tmp'))).toEqual([]);
    const models = await call<{ name: string; versions: number[] }[]>(`${server.url}/api/v1/models`);
    expect(models.body.map((m) => [m.name, m.versions])).toEqual([['digits', [1]]]);
  };

  it('a file that is not ONNX', async () => {
    const file = join(server.home, 'notamodel.onnx');
    writeFileSync(file, randomBytes(10_000));
    const r = await runCli(server.url, ['push', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/400: model notamodel \(notamodel.onnx\) is not a valid ONNX model/);
    await unchanged();
  });

  it('a truncated ONNX file', async () => {
    const file = join(server.home, 'digits-cut.onnx');
    writeFileSync(file, readFileSync(join(DIGITS, 'model.onnx')).subarray(0, 5000));
    const r = await runCli(server.url, ['push', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/not a valid ONNX model/);
    await unchanged();
  });

  it('a package whose manifest does not fit the model or its files', async () => {
    const form = (manifest: string, files: Record<string, Buffer>): FormData => {
      const f = new FormData();
      f.append('manifest', manifest);
      for (const [path, bytes] of Object.entries(files)) f.append(path, new Blob([bytes]), path);
      return f;
    };
    const model = readFileSync(join(DIGITS, 'model.onnx'));
    const post = async (body: FormData): Promise<{ status: number; error: string }> => {
      const r = await fetch(`${server.url}/api/v1/models`, { method: 'POST', body });
      return { status: r.status, error: ((await r.json()) as { error: string }).error };
    };
    expect(await post(form('name: x\nfeatures: [a, b]\n', { 'model.onnx': model }))).toEqual({
      status: 400,
      error: 'slipway.yaml: field "features": 2 names given, but input "input" has shape [-1,64] (expected its last dimension to have one column per feature)',
    });
    expect(await post(form('name: x\nbaseline: base.csv\n', { 'model.onnx': model }))).toMatchObject({
      status: 400, error: expect.stringMatching(/refers to "base.csv", which the push did not include/),
    });
    const digitsManifest = readFileSync(join(DIGITS, 'slipway.yaml'), 'utf8');
    const golden = readFileSync(join(DIGITS, 'golden.csv'));
    expect(await post(form(digitsManifest, { 'model.onnx': model, 'golden.csv': golden, 'baseline.csv': Buffer.from('a,b\n1,2\n') }))).toEqual({
      status: 400, error: 'baseline.csv: missing columns "pixel_0_0", "pixel_0_1", "pixel_0_2", "pixel_0_3", "pixel_0_4" and 59 more',
    });
    expect(await post(form('name: ../etc\n', { 'model.onnx': model }))).toMatchObject({ status: 400, error: expect.stringMatching(/model name "..\/etc" is invalid/) });
    expect(await post(form('name: x\ntask: dance\n', { 'model.onnx': model }))).toMatchObject({ status: 400, error: expect.stringMatching(/field "task"/) });
    expect(await post(form('name: x\n', { 'model.onnx': model, '../evil.csv': Buffer.from('x') }))).toMatchObject({
      status: 400, error: expect.stringMatching(/^file "..\/evil.csv": expected a relative path inside the package/),
    });
    await unchanged();
  });

  it('a version in use cannot be removed; the message names the endpoint', async () => {
    expect((await runCli(server.url, ['deploy', 'svc', '--model', 'digits:1'])).code).toBe(0);
    const r = await runCli(server.url, ['models', 'rm', 'digits:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/409: model version digits:1 is served by endpoint "svc"/);
    await unchanged();
  });
});
