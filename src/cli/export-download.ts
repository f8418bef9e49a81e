// Streaming a server response (a dataset export) into a file with constant memory: written as `<file>.partial` and
// renamed when complete, so an interrupted download never leaves a file that looks whole.

import { createWriteStream } from 'node:fs';
import { rename, rm, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { CliError } from './client.js';

export interface DownloadTarget {
  server: string;
  token: string | undefined;
}

/** GETs `path` into `file` and returns the bytes written; a refusal (before the first byte) is a CliError with its message. */
export async function downloadToFile(target: DownloadTarget, path: string, file: string): Promise<number> {
  const base = target.server.replace(/\/+$/, '');
  const headers: Record<string, string> = { 'x-slipway-actor': `cli:${process.env.USER ?? 'unknown'}` };
  if (target.token) headers.authorization = `Bearer ${target.token}`;
  let response: Response;
  try {
    response = await fetch(`${base}${path}`, { headers });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message;
    throw new CliError(`cannot reach Slipway at ${base} (${cause}): is the server running? Start it with "slipway serve", or point --server / SLIPWAY_URL at it`);
  }
  if (!response.ok || !response.body) {
    const text = await response.text();
    let message = text;
    try {
      message = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: show the text as it came
    }
    throw new CliError(`${response.status}: ${message}`, response.status);
  }
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
