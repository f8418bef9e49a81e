// Artifacts as files under <data dir>/blobs/<aa>/<sha256>: written to a temp file, fsynced, then renamed into place.

import { createHash, randomUUID } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { InternalError, NotFoundError } from '../core/errors.js';
import type { ArtifactStore, StoredBlob } from './artifact-store.js';
import { spoolToFile } from './spool-file.js';

const SHA256 = /^[0-9a-f]{64}$/;

export class FsArtifactStore implements ArtifactStore {
  private readonly blobDir: string;
  private readonly tmpDir: string;

  constructor(root: string) {
    this.blobDir = join(root, 'blobs');
    this.tmpDir = join(root, 'tmp');
  }

  async init(): Promise<void> {
    await mkdir(this.blobDir, { recursive: true });
    await mkdir(this.tmpDir, { recursive: true });
  }

  async put(source: Readable | AsyncIterable<Uint8Array>, options: { maxBytes?: number } = {}): Promise<StoredBlob> {
    const maxBytes = options.maxBytes ?? Number.POSITIVE_INFINITY;
    const tmp = join(this.tmpDir, `${randomUUID()}.part`);
    const { sha256, size } = await spoolToFile(source, tmp, maxBytes, true);
    const target = this.pathOf(sha256);
    if (await exists(target)) {
      await rm(tmp, { force: true });
      return { sha256, size, created: false };
    }
    await mkdir(join(this.blobDir, sha256.slice(0, 2)), { recursive: true });
    await rename(tmp, target);
    await syncDir(join(this.blobDir, sha256.slice(0, 2)));
    return { sha256, size, created: true };
  }

  async has(sha256: string): Promise<boolean> {
    return SHA256.test(sha256) && exists(this.pathOf(sha256));
  }

  async localPath(sha256: string): Promise<string> {
    if (!(await this.has(sha256))) throw new NotFoundError(`artifact ${sha256} not found in the artifact store`);
    return this.pathOf(sha256);
  }

  async read(sha256: string): Promise<Buffer> {
    const bytes = await readFile(await this.localPath(sha256));
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) {
      throw new InternalError(`artifact ${sha256} is corrupt on disk (its content hashes to ${actual}); push the model again`);
    }
    return bytes;
  }

  async delete(sha256: string): Promise<void> {
    if (SHA256.test(sha256)) await rm(this.pathOf(sha256), { force: true });
  }

  async sweepIncomplete(): Promise<number> {
    const names = await readdir(this.tmpDir);
    await Promise.all(names.map((n) => rm(join(this.tmpDir, n), { force: true, recursive: true })));
    return names.length;
  }

  async collectGarbage(keep: ReadonlySet<string>): Promise<number> {
    let removed = 0;
    for (const prefix of await readdir(this.blobDir)) {
      for (const name of await readdir(join(this.blobDir, prefix))) {
        if (!keep.has(name)) {
          await rm(join(this.blobDir, prefix, name), { force: true });
          removed++;
        }
      }
    }
    return removed;
  }

  private pathOf(sha256: string): string {
    return join(this.blobDir, sha256.slice(0, 2), sha256);
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** fsync a directory so a rename into it survives power loss. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
