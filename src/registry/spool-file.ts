// Writing an upload to a new file while hashing it and enforcing a size limit: the first step of every artifact store.

import { createHash } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { PayloadTooLargeError } from '../core/errors.js';

/**
 * Streams `source` into a new file at `path` (which must not exist), fsynced when `sync` is set. Returns the bytes'
 * SHA-256 and size. On any failure — the limit passed (PayloadTooLargeError), the source or the disk failing — the
 * file is removed and the error rethrown.
 */
export async function spoolToFile(
  source: Readable | AsyncIterable<Uint8Array>, path: string, maxBytes: number, sync: boolean,
): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  const file = await open(path, 'wx');
  try {
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > maxBytes) throw new PayloadTooLargeError(`artifact is larger than the limit of ${maxBytes} bytes`);
      hash.update(chunk);
      await file.write(chunk);
    }
    if (sync) await file.sync();
  } catch (err) {
    await file.close();
    await rm(path, { force: true });
    throw err;
  }
  await file.close();
  return { sha256: hash.digest('hex'), size };
}
