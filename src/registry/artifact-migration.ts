// Moving a SQLite home's artifact files into another artifact store (`slipway migrate`): each blob streamed in, its
// hash computed on the way and compared with its name, so a corrupt file stops the migration instead of moving.

import { createReadStream } from 'node:fs';
import { InternalError, NotFoundError } from '../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';

export interface ArtifactCopyProgress {
  (event: { sha256: string; size: number; copied: boolean; index: number; total: number }): void;
}

/**
 * Copies the blobs named in `hashes` from `from` to `to`; those `to` already has are left as they are (so a run after
 * an interruption goes on where it stopped). A blob missing from `from`, or whose bytes do not hash to its name, is an
 * error naming it.
 */
export async function copyArtifacts(from: ArtifactStore, to: ArtifactStore, hashes: readonly string[], progress: ArtifactCopyProgress): Promise<void> {
  for (const [index, sha256] of hashes.entries()) {
    if (await to.has(sha256)) {
      progress({ sha256, size: 0, copied: false, index, total: hashes.length });
      continue;
    }
    if (!(await from.has(sha256))) {
      throw new NotFoundError(`artifact ${sha256} is named by a version but missing from the SQLite home's artifacts; push that version again before migrating`);
    }
    const stored = await to.put(createReadStream(await from.localPath(sha256)));
    if (stored.sha256 !== sha256) {
      if (stored.created) await to.delete(stored.sha256);
      throw new InternalError(`artifact ${sha256} is corrupt in the SQLite home (its content hashes to ${stored.sha256}); push that version again`);
    }
    progress({ sha256, size: stored.size, copied: true, index, total: hashes.length });
  }
}
