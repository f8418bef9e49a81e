// Shared pieces of the fault-injection tests: a server that pauses at a named point (SLIPWAY_TEST_PAUSE_AT, see
// src/core/test-pause.ts) and is killed there with SIGKILL, and the consistency checks made after it restarts.

import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { request as httpRequest, type ClientRequest } from 'node:http';
import { createServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import pg from 'pg';
import { expect } from 'vitest';
import { PAUSE_MARKER, type PausePoint } from '../src/core/test-pause.js';
import { call } from './http.js';
import { CLI, startServer, type ServerProcess } from './server-process.js';

export { PAUSE_MARKER };

/** Waits (bounded) until the server has printed something matching `pattern`. */
export async function waitForOutput(server: ServerProcess, pattern: RegExp | string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  const found = (): boolean => (typeof pattern === 'string' ? server.output().includes(pattern) : pattern.test(server.output()));
  while (!found()) {
    if (server.child.exitCode !== null) throw new Error(`server exited while waiting for ${pattern}:\n${server.output()}`);
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${pattern}; server printed:\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Starts a server on `home` that pauses at `point` (its `pass`-th pass, default the first). */
export function startPausing(home: string, point: PausePoint, pass = 1, args: string[] = []): Promise<ServerProcess> {
  return startServer({ home, args, env: { SLIPWAY_TEST_PAUSE_AT: `${point}#${pass}` } });
}

/** Waits until the server says it is paused at `point`, then kills it with SIGKILL (nothing of it runs after). */
export async function killWhenPaused(server: ServerProcess, point: PausePoint, timeoutMs = 20_000): Promise<void> {
  await waitForOutput(server, `${PAUSE_MARKER} ${point}`, timeoutMs);
  await server.stop('SIGKILL');
}

/** Waits (bounded) until `check` holds. */
export async function waitUntil(check: () => Promise<boolean> | boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where a store keeps artifacts, as a test can read them without the server. */
export interface BlobReader {
  /** The blob's bytes, or undefined when it is not stored. */
  read(sha: string): Promise<Buffer | undefined>;
  /** Every stored blob's hash. */
  list(): Promise<string[]>;
}

/** The artifacts of a SQLite home: files under artifacts/blobs/<aa>/<sha256>. */
export function fsBlobs(home: string): BlobReader {
  const root = join(home, 'artifacts', 'blobs');
  return {
    async read(sha) {
      const path = join(root, sha.slice(0, 2), sha);
      return existsSync(path) ? readFileSync(path) : undefined;
    },
    async list() {
      if (!existsSync(root)) return [];
      return readdirSync(root).flatMap((prefix) => readdirSync(join(root, prefix)));
    },
  };
}

interface VersionView {
  name: string;
  version: number;
  sha256: string;
  files: { path: string; sha256: string; size: number }[];
}

/**
 * The registry after a crash: every listed version's model file and package files are stored and hash to their names
 * (no version refers to a missing or torn artifact). Returns the versions as `name:version`.
 */
export async function checkRegistry(url: string, blobs: BlobReader): Promise<string[]> {
  const models = await call<{ name: string }[]>(`${url}/api/v1/models`);
  expect(models.status).toBe(200);
  const ids: string[] = [];
  for (const m of models.body) {
    const versions = await call<VersionView[]>(`${url}/api/v1/models/${m.name}`);
    expect(versions.status).toBe(200);
    for (const v of versions.body) {
      ids.push(`${v.name}:${v.version}`);
      for (const f of [{ path: '(model)', sha256: v.sha256, size: -1 }, ...v.files]) {
        const bytes = await blobs.read(f.sha256);
        expect(bytes, `${v.name}:${v.version} ${f.path}: artifact ${f.sha256} is missing`).toBeDefined();
        expect(sha256(bytes!), `${v.name}:${v.version} ${f.path}: artifact is torn`).toBe(f.sha256);
        if (f.size >= 0) expect(bytes!.length).toBe(f.size);
      }
    }
  }
  return ids.sort();
}

interface EndpointView {
  state: string;
  revision: number;
  variants: { name: string; model: string; weight: number }[];
}

interface EventView {
  action: string;
  revision: number;
  spec: { variants: { name: string; model: { name: string; version: number }; weight: number }[] } | null;
}

/**
 * An endpoint after a crash: ready, serving the spec of its last committed revision, which is the newest spec change
 * in its history. Returns the served variants as `name=model@weight`.
 */
export async function checkEndpoint(url: string, name: string): Promise<string[]> {
  const endpoint = await call<EndpointView>(`${url}/api/v1/endpoints/${name}`);
  expect(endpoint.status).toBe(200);
  expect(endpoint.body.state).toBe('ready');
  const history = await call<EventView[]>(`${url}/api/v1/endpoints/${name}/history`);
  const changes = history.body.filter((e) => e.action === 'create' || e.action === 'update');
  const revisions = changes.map((e) => e.revision);
  // Each committed revision appears once, in order, and the last one is what the endpoint says it serves.
  expect(revisions).toEqual(revisions.map((_, i) => i + 1));
  expect(revisions.at(-1)).toBe(endpoint.body.revision);
  const last = changes.at(-1)!;
  const served = endpoint.body.variants.map((v) => `${v.name}=${v.model}@${v.weight}`);
  expect(served).toEqual(last.spec!.variants.map((v) => `${v.name}=${v.model.name}:${v.model.version}@${v.weight}`));
  return served;
}

/** The artifacts of a Postgres store: rows of `artifacts` and their ordered `artifact_chunks`. */
export function pgBlobs(database: string): BlobReader {
  const query = async <T extends object>(sql: string, params: unknown[] = []): Promise<T[]> => {
    const client = new pg.Client({ connectionString: database });
    await client.connect();
    try {
      return (await client.query<T>(sql, params)).rows;
    } finally {
      await client.end();
    }
  };
  return {
    async read(sha) {
      const [blob] = await query<{ chunks: number }>('SELECT chunks FROM artifacts WHERE sha256 = $1', [sha]);
      if (!blob) return undefined;
      const chunks = await query<{ data: Buffer }>('SELECT data FROM artifact_chunks WHERE sha256 = $1 ORDER BY seq', [sha]);
      expect(chunks).toHaveLength(blob.chunks);
      return Buffer.concat(chunks.map((c) => c.data));
    },
    async list() {
      return (await query<{ sha256: string }>('SELECT sha256 FROM artifacts ORDER BY sha256')).map((r) => r.sha256);
    },
  };
}

/** Starts a bare-model push of `total` bytes and sends only `sent` of them; the request stays open. */
export function startPartialUpload(url: string, name: string, sent: number, total: number): ClientRequest {
  const req = httpRequest(`${url}/api/v1/models?name=${name}`, {
    method: 'POST',
    headers: { 'content-type': 'application/octet-stream', 'content-length': String(total) },
  });
  req.on('error', () => undefined); // the server goes away mid-request: expected
  req.write(randomBytes(sent));
  return req;
}

/** Files under `dir` (recursively), none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Starts a server that pauses at a point of its start-up, before it prints its address: on a port chosen here, and
 * resolved once it says it is paused (it listens and serves what it has restored by then).
 */
export async function startPausedAtStart(home: string, point: PausePoint): Promise<ServerProcess> {
  const port = await new Promise<number>((resolvePort) => {
    const probe = createServer();
    probe.listen(0, '127.0.0.1', () => {
      const { port: p } = probe.address() as AddressInfo;
      probe.close(() => resolvePort(p));
    });
  });
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--grpc-port', '0', '--home', home, '--log-level', 'warn', '--workers', '1'], {
    cwd: home, env: { ...process.env, SLIPWAY_ADMIN_TOKEN: '', SLIPWAY_TEST_PAUSE_AT: point }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const server: ServerProcess = {
    url: `http://127.0.0.1:${port}`, grpcAddress: '', home, child, output: () => out,
    stop: (signal: NodeJS.Signals = 'SIGTERM') => new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      child.once('exit', () => done());
      child.kill(signal);
    }),
  };
  await waitForOutput(server, `${PAUSE_MARKER} ${point}`, 30_000);
  return server;
}
