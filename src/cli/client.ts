// The CLI's HTTP client for the management and inference APIs: errors come back as readable messages.

import { openAsBlob } from 'node:fs';
import { localUser } from './local-user.js';
import { tlsFetch, type ClientTlsFiles, type Fetch } from './tls-fetch.js';

/** Error codes of a TLS handshake that failed on trust: the user needs --ca (or a client certificate). */
const TLS_FAILURES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|TLS|SSL|ECONNRESET|EPROTO/i;

export class CliError extends Error {
  /** The HTTP status when the server refused the request (e.g. 404), for callers that treat one as an answer. */
  constructor(message: string, readonly status?: number) {
    super(message);
  }
}

export interface ClientOptions {
  server: string;
  token: string | undefined;
  /** A CA to verify an https server against, and a client certificate to present (mutual TLS). */
  tls?: ClientTlsFiles;
}

export class SlipwayClient {
  private readonly base: string;
  private readonly fetch: Fetch;

  constructor(private readonly options: ClientOptions) {
    this.base = options.server.replace(/\/+$/, '');
    this.fetch = tlsFetch(options.tls ?? {}) ?? fetch;
  }

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const text = await (await this.open(method, path, body)).text();
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  /**
   * Sends a request and returns the answer once it is known to be a success (its body still unread, for streaming);
   * an unreachable server or a refusal is a CliError that says what happened and what to do.
   */
  async open(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { 'x-slipway-actor': `cli:${localUser()}` };
    if (this.options.token) headers.authorization = `Bearer ${this.options.token}`;
    let payload: string | FormData | undefined;
    if (body instanceof FormData) payload = body;
    else if (body !== undefined) {
      headers['content-type'] = 'application/json';
      payload = JSON.stringify(body);
    }
    let response: Response;
    try {
      response = await this.fetch(`${this.base}${path}`, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as NodeJS.ErrnoException).code ?? (err as Error).message;
      if (this.base.startsWith('https:') && TLS_FAILURES.test(cause)) {
        throw new CliError(
          `cannot verify Slipway at ${this.base} (${cause}): give the CA that signed its certificate with --ca / SLIPWAY_CA` +
            ' (and a client certificate with --cert and --key if it requires one)',
        );
      }
      throw new CliError(
        `cannot reach Slipway at ${this.base} (${cause}): is the server running? Start it with "slipway serve", or point --server / SLIPWAY_URL at it`,
      );
    }
    if (!response.ok) {
      const text = await response.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { error?: string }).error ?? text;
      } catch {
        // not JSON: show the text as it came
      }
      throw new CliError(`${response.status}: ${message}`, response.status);
    }
    return response;
  }

  /** Sends a JSON request and hands each line of a streamed (NDJSON) answer to onLine as it arrives. */
  async streamLines(method: string, path: string, body: unknown, onLine: (line: string) => void): Promise<void> {
    const response = await this.open(method, path, body);
    if (!response.body) return;
    const decoder = new TextDecoder();
    let pending = '';
    for await (const chunk of response.body) {
      pending += decoder.decode(chunk as Uint8Array, { stream: true });
      let at: number;
      while ((at = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, at);
        pending = pending.slice(at + 1);
        if (line.trim() !== '') onLine(line);
      }
    }
    if (pending.trim() !== '') onLine(pending);
  }

  /**
   * Pushes package files as multipart: a "manifest" field and one file part per package path, streamed from disk.
   * `validate: false` asks the server not to run the package tests now.
   */
  async push<T>(files: { path: string; absolutePath: string }[], manifestText: string | undefined, name: string | undefined, validate = true): Promise<T> {
    const form = new FormData();
    if (manifestText !== undefined) form.append('manifest', manifestText);
    for (const f of files) form.append(f.path, await openAsBlob(f.absolutePath), f.path);
    const params = new URLSearchParams();
    if (name !== undefined) params.set('name', name);
    if (!validate) params.set('validate', 'false');
    const query = params.toString();
    return this.request<T>('POST', `/api/v1/models${query ? `?${query}` : ''}`, form);
  }
}
