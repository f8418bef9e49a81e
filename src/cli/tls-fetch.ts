// fetch over node:https with a given CA and client certificate: Node 20's built-in fetch can be given neither.

import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';

/** What the CLI trusts and presents: PEM file paths (--ca, --cert, --key). */
export interface ClientTlsFiles {
  ca?: string | undefined;
  cert?: string | undefined;
  key?: string | undefined;
}

export type Fetch = (url: string, init: RequestInit) => Promise<Response>;

/** Statuses whose answer has no body: a Response refuses one. */
const NULL_BODY = new Set([101, 204, 205, 304]);

function answer(res: IncomingMessage): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  const status = res.statusCode ?? 500;
  if (NULL_BODY.has(status)) res.resume();
  const body = NULL_BODY.has(status) ? null : (Readable.toWeb(res) as unknown as ReadableStream<Uint8Array>);
  return new Response(body, { status, statusText: res.statusMessage ?? '', headers });
}

/**
 * A fetch for https URLs that trusts `ca` (besides nothing else: a private CA is the point) and presents `cert`/`key`
 * when the server asks for a client certificate. The request is built by the standard Request first, so a FormData
 * body becomes the same multipart stream fetch would send. Undefined when no file is given: plain fetch serves (and
 * serves http:// URLs either way).
 */
export function tlsFetch(files: ClientTlsFiles): Fetch | undefined {
  if (!files.ca && !files.cert && !files.key) return undefined;
  if (Boolean(files.cert) !== Boolean(files.key)) {
    throw new Error('a client certificate needs both --cert and --key (or SLIPWAY_CERT and SLIPWAY_KEY)');
  }
  const read = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`cannot read the ${what} ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  };
  const ca = files.ca ? read(files.ca, 'CA file (--ca)') : undefined;
  const cert = files.cert ? read(files.cert, 'client certificate (--cert)') : undefined;
  const key = files.key ? read(files.key, 'client key (--key)') : undefined;
  return async (url, init) => {
    // A CA exported in the environment must not stop the CLI from talking to a plain local server.
    if (new URL(url).protocol !== 'https:') return fetch(url, init);
    const req = new Request(url, init);
    const headers: Record<string, string> = {};
    req.headers.forEach((value, name) => (headers[name] = value));
    return new Promise<Response>((resolve, reject) => {
      const outgoing = httpsRequest(req.url, { method: req.method, headers, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) });
      outgoing.once('response', (res) => resolve(answer(res)));
      outgoing.once('error', reject);
      if (!req.body) {
        outgoing.end();
        return;
      }
      const body = Readable.fromWeb(req.body as unknown as WebReadableStream<Uint8Array>);
      body.once('error', (err) => outgoing.destroy(err));
      body.pipe(outgoing);
    });
  };
}
