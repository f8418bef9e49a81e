// Artifacts in Postgres with a verified disk cache per server: stored in chunks and read back by a server with an empty
// cache, a corrupt cache file fetched again, an interrupted or oversized upload leaving nothing, garbage collection.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError, PayloadTooLargeError } from '../src/core/errors.js';
import { PostgresArtifactStore } from '../src/registry/postgres-artifact-store.js';
import { PostgresStore } from '../src/store/postgres-store.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

let postgres: TestPostgres;
let store: PostgresStore;
let dirs: string[];

beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});
beforeEach(async () => {
  store = await PostgresStore.open(await postgres.createDatabase());
  dirs = [];
});
afterEach(async () => {
  await store.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** An artifact store as one server has it: the shared database, its own cache dir; 1000-byte chunks to have several. */
async function server(options: { gcGraceMs?: number } = {}): Promise<{ artifacts: PostgresArtifactStore; cache: string }> {
  const cache = mkdtempSync(join(tmpdir(), 'slipway-artifact-cache-'));
  dirs.push(cache);
  const artifacts = new PostgresArtifactStore(store.pool, cache, { chunkBytes: 1000, ...options });
  await artifacts.init();
  return { artifacts, cache };
}

const sha = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function rows(sql: string): Promise<number> {
  const { rows: result } = await store.pool.query<{ n: number }>(sql);
  return result[0]!.n;
}

describe('Postgres artifact store', () => {
  it('stores a blob once, in chunks, and serves it to another server from an empty cache', async () => {
    const bytes = randomBytes(4_500);
    const a = await server();
    const stored = await a.artifacts.put(Readable.from([bytes.subarray(0, 1234), bytes.subarray(1234)]));
    expect(stored).toEqual({ sha256: sha(bytes), size: 4_500, created: true });
    expect(await a.artifacts.put(Readable.from([bytes]))).toEqual({ ...stored, created: false });
    expect(await rows('SELECT count(*) AS n FROM artifact_chunks')).toBe(5);
    expect(await a.artifacts.has(stored.sha256)).toBe(true);
    expect(await a.artifacts.has('0'.repeat(64))).toBe(false);

    const b = await server();
    const path = await b.artifacts.localPath(stored.sha256);
    expect(path.startsWith(b.cache)).toBe(true);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    expect((await b.artifacts.read(stored.sha256)).equals(bytes)).toBe(true);
    await expect(b.artifacts.localPath('f'.repeat(64))).rejects.toBeInstanceOf(NotFoundError);
  });

  it('fetches a cached file again when it no longer matches its hash', async () => {
    const bytes = randomBytes(2_500);
    const a = await server();
    const { sha256 } = await a.artifacts.put(Readable.from([bytes]));
    const path = await a.artifacts.localPath(sha256);
    writeFileSync(path, Buffer.concat([bytes.subarray(0, 100), Buffer.from('corrupted'), bytes.subarray(109)]));
    expect((await a.artifacts.read(sha256)).equals(bytes)).toBe(true);
    expect(readFileSync(path).equals(bytes)).toBe(true);
    rmSync(path);
    expect(readFileSync(await a.artifacts.localPath(sha256)).equals(bytes)).toBe(true);
  });

  it('leaves nothing behind when an upload fails midway or runs past its limit', async () => {
    const a = await server();
    async function* interrupted(): AsyncGenerator<Uint8Array> {
      yield randomBytes(3_000);
      throw new Error('client went away');
    }
    await expect(a.artifacts.put(interrupted())).rejects.toThrow('client went away');
    await expect(a.artifacts.put(Readable.from([randomBytes(3_000)]), { maxBytes: 2_000 })).rejects.toBeInstanceOf(PayloadTooLargeError);
    expect(await rows('SELECT count(*) AS n FROM artifacts')).toBe(0);
    expect(await rows('SELECT count(*) AS n FROM artifact_chunks')).toBe(0);
    expect(readdirSync(join(a.cache, 'tmp'))).toEqual([]);
    expect(readdirSync(join(a.cache, 'blobs'))).toEqual([]);
  });

  it('collects unreferenced blobs past the grace time, keeps referenced and young ones, and deletes on request', async () => {
    const patient = await server();
    const eager = await server({ gcGraceMs: 0 });
    const kept = await patient.artifacts.put(Readable.from([randomBytes(1_500)]));
    const dropped = await patient.artifacts.put(Readable.from([randomBytes(1_500)]));
    // Young blobs stay in the database for a server that waits; its own unreferenced cache file goes.
    expect(await patient.artifacts.collectGarbage(new Set([kept.sha256]))).toBe(0);
    expect(await patient.artifacts.has(dropped.sha256)).toBe(true);
    expect(await eager.artifacts.collectGarbage(new Set([kept.sha256]))).toBe(1);
    expect(await eager.artifacts.has(dropped.sha256)).toBe(false);
    expect(await rows(`SELECT count(*) AS n FROM artifact_chunks WHERE sha256 = '${dropped.sha256}'`)).toBe(0);
    await expect(eager.artifacts.localPath(dropped.sha256)).rejects.toBeInstanceOf(NotFoundError);
    await eager.artifacts.delete(kept.sha256);
    expect(await patient.artifacts.has(kept.sha256)).toBe(false);
    expect(await rows('SELECT count(*) AS n FROM artifact_chunks')).toBe(0);
  });
});
