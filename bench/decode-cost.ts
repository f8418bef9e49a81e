// CPU cost of decoding one v2 JSON body in-process: Slipway's decoder (from dist/, as built) vs JSON.parse + Float32Array.from.

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface DecodeCost {
  bodyBytes: number;
  /** Mean ms per decode; undefined when dist/ has no decoder to call (renamed or not built). */
  slipwayMs?: number;
  jsonParseMs: number;
  note?: string;
}

type Decode = (body: Uint8Array, headerLength: number | undefined) => unknown;

function meanMs(fn: () => unknown, budgetMs: number): number {
  for (let i = 0; i < 2; i++) fn();
  let n = 0;
  const start = performance.now();
  while (performance.now() - start < budgetMs || n < 3) {
    fn();
    n++;
  }
  return (performance.now() - start) / n;
}

/** budgetMs per decoder. The body must be a plain v2 JSON request with one FP32 input. */
export async function decodeCost(jsonBody: string, budgetMs: number): Promise<DecodeCost> {
  const body = Buffer.from(jsonBody);
  const jsonParseMs = meanMs(() => {
    const doc = JSON.parse(body.toString('utf8')) as { inputs: { data: number[] }[] };
    return Float32Array.from(doc.inputs[0]?.data ?? []);
  }, budgetMs);
  const path = join(import.meta.dirname, '..', 'dist', 'protocols', 'v2-binary.js');
  try {
    const mod = (await import(pathToFileURL(path).href)) as { decodeBinaryInferRequest?: Decode };
    const decode = mod.decodeBinaryInferRequest;
    if (typeof decode !== 'function') return { bodyBytes: body.length, jsonParseMs, note: `${path} exports no decodeBinaryInferRequest` };
    return { bodyBytes: body.length, jsonParseMs, slipwayMs: meanMs(() => decode(body, undefined), budgetMs) };
  } catch (err) {
    return { bodyBytes: body.length, jsonParseMs, note: `cannot load ${path}: ${(err as Error).message}` };
  }
}
