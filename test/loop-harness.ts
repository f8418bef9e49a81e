// Shared pieces of the closed-loop integration tests: an in-process server on ephemeral loopback ports with its own temp
// data dir, pushes through the real multipart API (so validation and the package baseline run as for a user), golden
// rows of the example packages, and small waiting helpers.

import { createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { RunningServer, ServerOptions } from '../src/app.js';
import { startServer } from '../src/app.js';
import { SlipwayClient } from '../src/cli/client.js';
import { loadConfig } from '../src/config.js';
import type { ConfigInput } from '../src/config.js';
import { parseCsv } from '../src/core/csv.js';
import { readLocalPackage } from '../src/registry/package-dir.js';
import { call } from './http.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const DIGITS = join(ROOT, 'examples', 'digits');
export const DIABETES = join(ROOT, 'examples', 'diabetes');

export interface LoopServer {
  server: RunningServer;
  url: string;
  home: string;
  close(): Promise<void>;
}

/** Starts Slipway in this process (worker threads load the .ts sources through tsx) with a fresh temp home. */
export async function startLoopServer(options: ServerOptions = {}, flags: ConfigInput = {}): Promise<LoopServer> {
  const home = mkdtempSync(join(tmpdir(), 'slipway-loop-'));
  // env {} and cwd = home: no SLIPWAY_* variable or slipway.config.yaml of the machine leaks into the test.
  const config = loadConfig({ home, port: 0, grpcPort: 0, logLevel: 'error', ...flags }, {}, home);
  const server = await startServer(config, options);
  await server.restored;
  let closed = false;
  return {
    server,
    url: server.url,
    home,
    async close() {
      if (closed) return;
      closed = true;
      await server.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

export interface PushedVersion {
  name: string;
  version: number;
  validation?: { passed: boolean; tests: { name: string; passed: boolean }[] };
}

/** Pushes a package directory through POST /api/v1/models, as `slipway push` does. */
export async function push(url: string, dir: string, name?: string): Promise<PushedVersion> {
  const local = await readLocalPackage(dir);
  return new SlipwayClient({ server: url, token: undefined }).push<PushedVersion>(local.files, local.manifestText, name);
}

/** Creates (or hot-swaps) an endpoint serving one model version. */
export async function deploy(url: string, endpoint: string, model: string, runtime?: object): Promise<void> {
  const r = await call(`${url}/api/v1/endpoints/${endpoint}`, 'PUT', { model, ...(runtime ? { runtime } : {}) });
  if (r.status !== 200) throw new Error(`deploy ${endpoint} ${model} answered ${r.status}: ${JSON.stringify(r.body)}`);
}

/** PUTs a loop setting (capture, monitor, retrain) and fails loudly if the server refuses it. */
export async function setLoop(url: string, endpoint: string, kind: 'capture' | 'monitor' | 'retrain', body: object): Promise<Record<string, unknown>> {
  const r = await call(`${url}/api/v1/endpoints/${endpoint}/${kind}`, 'PUT', body);
  if (r.status !== 200) throw new Error(`PUT ${kind} of ${endpoint} answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

export interface Golden {
  features: string[];
  rows: number[][];
  targets: number[];
}

/** The package's golden.csv: feature rows and the target column. */
export function golden(dir: string, target: string): Golden {
  const table = parseCsv(readFileSync(join(dir, 'golden.csv'), 'utf8'));
  const t = table.header.indexOf(target);
  const features = table.header.filter((h) => h !== target);
  const at = features.map((f) => table.header.indexOf(f));
  return {
    features,
    rows: table.rows.map((r) => at.map((i) => Number(r[i]))),
    targets: table.rows.map((r) => Number(r[t])),
  };
}

/** Population standard deviation of each column of the package's baseline.csv. */
export function baselineStd(dir: string): Map<string, number> {
  const table = parseCsv(readFileSync(join(dir, 'baseline.csv'), 'utf8'));
  return new Map(table.header.map((name, c) => {
    const xs = table.rows.map((r) => Number(r[c]));
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    return [name, Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length)];
  }));
}

/** Adds one baseline standard deviation to the named features of each row (a shift a monitor must notice). */
export function shiftRows(rows: number[][], features: string[], names: string[], std: Map<string, number>): number[][] {
  const at = names.map((n) => features.indexOf(n));
  return rows.map((r) => r.map((v, i) => (at.includes(i) ? v + std.get(features[i]!)! : v)));
}

/** A v2 JSON request of FP32 rows for the examples' single input "input". */
export function rowsRequest(rows: number[][], id?: string): object {
  return { ...(id ? { id } : {}), inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, rows[0]!.length], data: rows.flat() }] };
}

export interface InferResult {
  status: number;
  id: string | undefined;
  /** The "label" (digits) or "value" (diabetes) output's data. */
  prediction: number[];
  ms: number;
}

/** POSTs one inference and reads the id and the prediction output back. */
export async function inferRows(url: string, endpoint: string, rows: number[][], output: 'label' | 'value', id?: string): Promise<InferResult> {
  const started = performance.now();
  const r = await fetch(`${url}/v2/models/${endpoint}/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(rowsRequest(rows, id)) });
  const body = (await r.json()) as { id?: string; outputs?: { name: string; data: number[] }[] };
  return { status: r.status, id: body.id, prediction: body.outputs?.find((o) => o.name === output)?.data ?? [], ms: performance.now() - started };
}

/** Runs `task(i)` for i in [0, total) on `clients` concurrent callers. */
export async function concurrently<T>(total: number, clients: number, task: (i: number) => Promise<T>): Promise<T[]> {
  const results = new Array<T>(total);
  let next = 0;
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < total) {
      const i = next++;
      results[i] = await task(i);
    }
  }));
  return results;
}

/** Polls `check` until it returns a value other than undefined/false (bounded). */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false>, ms = 20_000, everyMs = 100): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export interface CaptureStatusBody {
  capture: { enabled: boolean; stats: { records: number; rows: number; bytes: number; withFeedback: number }; buffered: number };
  monitor: { problem: string | null; pendingRows: number } | null;
}

/** GET .../monitor/status (which flushes the capture buffer first). */
export async function loopStatus(url: string, endpoint: string): Promise<CaptureStatusBody> {
  const r = await call<CaptureStatusBody>(`${url}/api/v1/endpoints/${endpoint}/monitor/status`);
  if (r.status !== 200) throw new Error(`monitor status answered ${r.status}: ${JSON.stringify(r.body)}`);
  return r.body;
}

/** Reads an export as text (csv or jsonl). */
export async function exportText(url: string, endpoint: string, query: Record<string, string>): Promise<string> {
  const r = await fetch(`${url}/api/v1/endpoints/${endpoint}/export?${new URLSearchParams(query)}`);
  const text = await r.text();
  if (r.status !== 200) throw new Error(`export answered ${r.status}: ${text}`);
  return text;
}

/** The rows of a JSON Lines export. */
export async function exportJsonl(url: string, endpoint: string, query: Record<string, string> = {}): Promise<Record<string, unknown>[]> {
  const text = await exportText(url, endpoint, { ...query, format: 'jsonl' });
  return text.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** Streams a response body to a file (never holding it in memory); returns the bytes written. */
export async function download(url: string, file: string): Promise<number> {
  const r = await fetch(url);
  if (r.status !== 200 || !r.body) throw new Error(`GET ${url} answered ${r.status}: ${await r.text()}`);
  let bytes = 0;
  const body = Readable.fromWeb(r.body as WebReadableStream<Uint8Array>);
  body.on('data', (chunk: Buffer) => (bytes += chunk.length));
  await pipeline(body, createWriteStream(file));
  return bytes;
}
