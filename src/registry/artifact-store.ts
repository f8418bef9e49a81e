// The content-addressed blob store interface: artifacts are immutable and named by their SHA-256.

import type { Readable } from 'node:stream';

export interface StoredBlob {
  sha256: string;
  size: number;
  /** False when identical bytes were already stored (they are kept once). */
  created: boolean;
}

export interface ArtifactStore {
  /** Streams bytes in; on any failure nothing is left behind. `maxBytes` bounds the size. */
  put(source: Readable | AsyncIterable<Uint8Array>, options?: { maxBytes?: number }): Promise<StoredBlob>;
  has(sha256: string): Promise<boolean>;
  /** A local file path holding the blob, for loaders that want a path; callers verify the hash when they read it. */
  localPath(sha256: string): Promise<string>;
  /** Reads a blob whole, checking its hash; a mismatch is an InternalError naming the blob. */
  read(sha256: string): Promise<Buffer>;
  delete(sha256: string): Promise<void>;
  /** Removes unfinished writes left by a crash. Safe only while no put is in flight (at start-up). */
  sweepIncomplete(): Promise<number>;
  /** Removes every blob not in `keep`; returns how many were removed. */
  collectGarbage(keep: ReadonlySet<string>): Promise<number>;
}
