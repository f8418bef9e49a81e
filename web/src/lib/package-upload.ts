// Sends a package push as multipart (the CLI's form: "manifest" field, one part per file named by its path) over
// XMLHttpRequest, because fetch reports no upload progress; the tab's token as Bearer, the server's error as ApiError.

import { ApiError } from './api-client.js';
import type { PackagePush } from './package-push.js';
import { readToken } from './token-store.js';

export interface UploadProgress {
  sent: number;
  total: number;
}

export function uploadPackage<T>(push: PackagePush, validate: boolean, onProgress: (p: UploadProgress) => void, signal?: AbortSignal): Promise<T> {
  const form = new FormData();
  if (push.manifest !== undefined) form.append('manifest', push.manifest);
  for (const f of push.files) form.append(f.path, f.data, f.path);
  const params = new URLSearchParams();
  // A bare file needs its name from the query; a manifest names itself unless overridden (also the query).
  params.set('name', push.name);
  if (!validate) params.set('validate', 'false');
  const path = `/api/v1/models?${params.toString()}`;
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', path);
    xhr.setRequestHeader('accept', 'application/json');
    xhr.setRequestHeader('x-slipway-actor', 'dashboard');
    const token = readToken();
    if (token) xhr.setRequestHeader('authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (e) => onProgress({ sent: e.loaded, total: e.lengthComputable ? e.total : 0 });
    xhr.onerror = () => reject(new ApiError(0, 'the upload failed (connection lost?)', path));
    xhr.onabort = () => reject(new DOMException('upload cancelled', 'AbortError'));
    xhr.onload = () => {
      let body: unknown;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        body = undefined;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(body as T);
      else {
        const message = typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string'
          ? (body as { error: string }).error : `${xhr.status} ${xhr.statusText}`;
        reject(new ApiError(xhr.status, message, path));
      }
    };
    signal?.addEventListener('abort', () => xhr.abort());
    xhr.send(form);
  });
}
