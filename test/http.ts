// Small HTTP helpers for integration tests: JSON calls against a running server.

export interface JsonReply<T = unknown> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = Record<string, unknown>>(
  url: string, method = 'GET', body?: unknown, headers: Record<string, string> = {},
): Promise<JsonReply<T>> {
  const init: RequestInit = { method, headers: { ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    if (typeof body !== 'string' && !(body instanceof Uint8Array)) (init.headers as Record<string, string>)['content-type'] = 'application/json';
  }
  const response = await fetch(url, init);
  const text = await response.text();
  let parsed: unknown = text;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    // keep text
  }
  return { status: response.status, body: parsed as T, headers: response.headers };
}

export interface V2Output {
  name: string;
  datatype: string;
  shape: number[];
  data: (number | boolean | string)[];
}

export interface V2Reply {
  model_name: string;
  model_version: string;
  id?: string;
  parameters?: Record<string, string>;
  outputs: V2Output[];
  error?: string;
}

export function infer(base: string, endpoint: string, body: unknown, version?: number): Promise<JsonReply<V2Reply>> {
  const path = version === undefined ? `/v2/models/${endpoint}/infer` : `/v2/models/${endpoint}/versions/${version}/infer`;
  return call<V2Reply>(`${base}${path}`, 'POST', body);
}

/** Waits until GET url answers 200 (bounded). */
export async function waitFor200(url: string, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
}
