// Streaming a server response (a dataset export) into a file with constant memory: written as `<file>.partial` and
// renamed when complete, so an interrupted download never leaves a file that looks whole.

import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { CliError, type SlipwayClient } from './client.js';

/** GETs `path` into `file` and returns the bytes written; a refusal (before the first byte) is a CliError with its message. */
export async function downloadToFile(client: SlipwayClient, path: string, file: string): Promise<number> {
  const response = await client.open('GET', path);
  if (!response.body) throw new CliError(`the server sent no body for ${path}`);
  const partial = `${file}.partial`;
  try {
    // pipeline() honours the file's backpressure: the socket is read only as fast as the disk takes it.
    await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), createWriteStream(partial));
  } catch (err) {
    const written = await stat(partial).then((s) => s.size, () => 0);
    await rm(partial, { force: true });
    throw new CliError(`the download broke off after ${written} bytes (${(err as Error).message}); nothing was written to ${file}, run the export again`);
  }
  const { size } = await stat(partial);
  await rename(partial, file);
  return size;
}
