// Artifacts in Postgres, so every server on one database sees every pushed model: each blob is a row of `artifacts`
// and its bytes in ordered chunks, written in one transaction (whole or absent). Runners want files, so each server
// keeps a disk cache, verified against the hash before every use and fetched again when missing or corrupt.

import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type pg from 'pg';
import { InternalError, NotFoundError } from '../core/errors.js';
import { pauseAt } from '../core/test-pause.js';
import { inTransaction } from '../store/postgres-db.js';
import type { ArtifactStore, StoredBlob } from './artifact-store.js';
import { spoolToFile } from './spool-file.js';

const SHA256 = /^[0-9a-f]{64}$/;

export interface PostgresArtifactOptions {
  /** Bytes per chunk row (default 1 MiB: large enough for few rows, small enough to stream). */
  chunkBytes?: number;
  /**
   * Garbage collection spares unreferenced blobs younger than this (default 1 hour): another server may have stored
   * one for a push whose version it has not created yet.
   */
  gcGraceMs?: number;
}

export class PostgresArtifactStore implements ArtifactStore {
  private readonly blobDir: string;
  private readonly tmpDir: string;
  private readonly chunkBytes: number;
  private readonly gcGraceMs: number;
  /** Fetches in progress, so concurrent loads of one blob download it once. */
  private readonly fetching = new Map<string, Promise<void>>();

  /** `pool` is the store's (PostgresStore.pool), whose migrations made the tables; `cacheDir` is this server's own. */
  constructor(private readonly pool: pg.Pool, cacheDir: string, options: PostgresArtifactOptions = {}) {
    this.blobDir = join(cacheDir, 'blobs');
    this.tmpDir = join(cacheDir, 'tmp');
    this.chunkBytes = options.chunkBytes ?? 1024 * 1024;
    this.gcGraceMs = options.gcGraceMs ?? 60 * 60 * 1000;
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  /**
   * Spools the upload to a temp file first (a slow client never holds a transaction open), then stores it in one
   * transaction. A failed upload leaves neither rows nor files; identical bytes stored before are not stored again.
   */
  async put(source: Readable | AsyncIterable<Uint8Array>, options: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const tmp = this.tmpPath();
    try {
      const { sha256, size } = await spoolToFile(source, tmp, maxBytes, false);
      const created = await this.upload(sha256, size, tmp);
      // The spooled file is a verified copy: it becomes the cache entry.
      await this.placeInCache(sha256, tmp);
      return { sha256, size, created };
    } finally {
      await rm(tmp, { force: true });
    }
  }

  async has(sha256: string): Promise<boolean> {
    if (!SHA256.test(sha256)) return false;
    const { rowCount } = await this.pool.query('SELECT 1 FROM artifacts WHERE sha256 = $1', [sha256]);
    return rowCount === 1;
  }

  /** The cached file, after checking its hash; fetched from the database when missing or not matching. */
  async localPath(sha256: string): Promise<string> {
    if (!SHA256.test(sha256)) throw new NotFoundError(`artifact ${sha256} not found in the artifact store`);
    const path = this.pathOf(sha256);
    if ((await hashOfFile(path)) === sha256) return path;
    await this.fetchOnce(sha256);
    return path;
  }

  async read(sha256: string): Promise<Buffer> {
    const bytes = await readFile(await this.localPath(sha256));
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) {
      throw new InternalError(`artifact ${sha256} changed in the local cache while being read (its content hashes to ${actual}); try again`);
    }
    return bytes;
  }

  async delete(sha256: string): Promise<void> {
    if (!SHA256.test(sha256)) return;
    await this.pool.query('DELETE FROM artifacts WHERE sha256 = $1', [sha256]);
    await rm(this.pathOf(sha256), { force: true });
  }

  /** Only this server's spooled uploads can be unfinished: the database never holds part of a blob. */
  async sweepIncomplete(): Promise<number> {
    const names = await readdir(this.tmpDir);
    await Promise.all(names.map((n) => rm(join(this.tmpDir, n), { force: true, recursive: true })));
    return names.length;
  }

  /** Unreferenced blobs past the grace time go from the database; unreferenced cache files go at once. */
  async collectGarbage(keep: ReadonlySet<string>): Promise<number> {
    const { rowCount } = await this.pool.query(
      // The database's clock on both sides of the comparison: servers' clocks may differ from it.
      `DELETE FROM artifacts WHERE NOT (sha256 = ANY($1::text[])) AND created_at <= now() - $2 * interval '1 millisecond'`, [[...keep], this.gcGraceMs],
    );
    for (const prefix of await readdir(this.blobDir)) {
      for (const name of await readdir(join(this.blobDir, prefix))) {
        if (!keep.has(name)) await rm(join(this.blobDir, prefix, name), { force: true });
      }
    }
    return rowCount ?? 0;
  }

  /** Stores the spooled file as blob `sha256`; false when it was already stored. */
  private async upload(sha256: string, size: number, file: string): Promise<boolean> {
    return inTransaction(this.pool, async (c) => {
      // The row first: a concurrent upload of the same bytes (another server) waits here for this one to finish,
      // then finds it stored.
      const chunks = Math.ceil(size / this.chunkBytes);
      const { rowCount } = await c.query(
        'INSERT INTO artifacts (sha256, size, chunks, created_at) VALUES ($1, $2, $3, now()) ON CONFLICT (sha256) DO NOTHING',
        [sha256, size, chunks],
      );
      if (rowCount !== 1) return false;
      let seq = 0;
      for await (const chunk of createReadStream(file, { highWaterMark: this.chunkBytes })) {
        await c.query('INSERT INTO artifact_chunks (sha256, seq, data) VALUES ($1, $2, $3)', [sha256, seq++, chunk as Buffer]);
        if (seq === 1) await pauseAt('push:artifact-in-transaction');
      }
      if (seq !== chunks) throw new InternalError(`artifact ${sha256}: spooled ${seq} chunks, expected ${chunks}`);
      return true;
    });
  }

  private fetchOnce(sha256: string): Promise<void> {
    let fetch = this.fetching.get(sha256);
    if (!fetch) {
      fetch = this.fetch(sha256).finally(() => this.fetching.delete(sha256));
      this.fetching.set(sha256, fetch);
    }
    return fetch;
  }

  /** Downloads the blob chunk by chunk to a temp file, checks the hash, and only then puts it in the cache. */
  private async fetch(sha256: string): Promise<void> {
    const { rows } = await this.pool.query<{ chunks: number }>('SELECT chunks FROM artifacts WHERE sha256 = $1', [sha256]);
    if (!rows[0]) throw new NotFoundError(`artifact ${sha256} not found in the artifact store`);
    const tmp = this.tmpPath();
    try {
      const hash = createHash('sha256');
      const file = await open(tmp, 'wx');
      try {
        for (let seq = 0; seq < rows[0].chunks; seq++) {
          const chunk = await this.pool.query<{ data: Buffer }>('SELECT data FROM artifact_chunks WHERE sha256 = $1 AND seq = $2', [sha256, seq]);
          const data = chunk.rows[0]?.data;
          if (!data) throw new InternalError(`artifact ${sha256} is missing chunk ${seq} in the database; push the model again`);
          hash.update(data);
          await file.write(data);
        }
        await file.sync();
      } finally {
        await file.close();
      }
      const actual = hash.digest('hex');
      if (actual !== sha256) throw new InternalError(`artifact ${sha256} is corrupt in the database (its content hashes to ${actual}); push the model again`);
      await this.placeInCache(sha256, tmp);
    } finally {
      await rm(tmp, { force: true });
    }
  }

  /** Moves a verified file into the cache (rename: readers see the old file or the new one, never half of one). */
  private async placeInCache(sha256: string, verified: string): Promise<void> {
    await mkdir(join(this.blobDir, sha256.slice(0, 2)), { recursive: true });
    await rename(verified, this.pathOf(sha256));
  }

  private tmpPath(): string {
    return join(this.tmpDir, `${randomUUID()}.part`);
  }

  private pathOf(sha256: string): string {
    return join(this.blobDir, sha256.slice(0, 2), sha256);
  }
}

/** The SHA-256 of a file's content, or undefined when there is no such file. */
async function hashOfFile(path: string): Promise<string | undefined> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  return hash.digest('hex');
}
