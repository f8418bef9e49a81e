// Runs a profile of a version through POST …/profile and hands each NDJSON event to the page as it arrives (start,
// config, point, then report or error), so the chart grows while the sweep measures.

import type { ProfileEvent, ProfileRequest } from './model-reports.js';
import { ApiError, seg } from './api-client.js';
import { readToken } from './token-store.js';


export async function streamProfile(name: string, version: number, request: ProfileRequest, onEvent: (e: ProfileEvent) => void, signal: AbortSignal): Promise<void> {
  const path = `/api/v1/models/${seg(name)}/versions/${version}/profile`;
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/x-ndjson', 'x-slipway-actor': 'dashboard' };
  const token = readToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const response = await fetch(path, { method: 'POST', headers, body: JSON.stringify(request), signal });
  if (!response.ok || !response.body) {
    const body = await response.text();
    let message = `${response.status} ${response.statusText}`;
    try {
      message = (JSON.parse(body) as { error?: string }).error ?? message;
    } catch {
      // not JSON: keep the status line
    }
    throw new ApiError(response.status, message, path);
  }
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let pending = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    pending += value;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) if (line.trim() !== '') onEvent(JSON.parse(line) as ProfileEvent);
  }
  if (pending.trim() !== '') onEvent(JSON.parse(pending) as ProfileEvent);
}
