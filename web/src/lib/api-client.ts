// Calls to the management API: JSON in and out, the tab's token as a Bearer header, errors as ApiError with the
// server's message; a 401 anywhere tells the app to ask for a token.

import { readToken } from './token-store.js';

export class ApiError extends Error {
  constructor(readonly status: number, message: string, readonly path: string) {
    super(message);
  }

  /** A message for a person: what failed and, for refusals of the token, what to do. */
  get explanation(): string {
    if (this.status === 401) return 'The server needs a valid token: log in again.';
    if (this.status === 403) return `This token may not do this (${this.message}). Log in with a token that has the right scope.`;
    if (this.status === 0) return `The server could not be reached (${this.message}).`;
    return this.message;
  }
}

type Listener = () => void;
const unauthenticated = new Set<Listener>();

/** Called whenever the server answers 401: the token is missing, wrong or revoked. */
export function onUnauthenticated(listener: Listener): () => void {
  unauthenticated.add(listener);
  return () => unauthenticated.delete(listener);
}

export interface CallOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'DELETE';
  body?: unknown;
  /** Overrides the tab's token (the login form checks a token before keeping it). */
  token?: string;
  signal?: AbortSignal;
}

export async function apiCall<T>(path: string, options: CallOptions = {}): Promise<T> {
  const token = options.token ?? readToken();
  const headers: Record<string, string> = { accept: 'application/json', 'x-slipway-actor': 'dashboard' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method: options.method ?? 'GET',
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, (err as Error).message, path);
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    parsed = text;
  }
  if (!response.ok) {
    const message = typeof parsed === 'object' && parsed !== null && typeof (parsed as { error?: unknown }).error === 'string'
      ? (parsed as { error: string }).error
      : `${response.status} ${response.statusText}`;
    if (response.status === 401 && options.token === undefined) for (const l of unauthenticated) l();
    throw new ApiError(response.status, message, path);
  }
  return parsed as T;
}

export const api = {
  get: <T>(path: string, signal?: AbortSignal): Promise<T> => apiCall<T>(path, signal ? { signal } : {}),
  post: <T>(path: string, body?: unknown): Promise<T> => apiCall<T>(path, { method: 'POST', body: body ?? {} }),
  put: <T>(path: string, body: unknown): Promise<T> => apiCall<T>(path, { method: 'PUT', body }),
};

/** An endpoint or model name as a path segment. */
export function seg(name: string): string {
  return encodeURIComponent(name);
}
