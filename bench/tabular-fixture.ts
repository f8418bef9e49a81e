// The tabular workload: examples/digits (MLP, [1,64] FP32), its v2 JSON request, raw onnxruntime's reference outputs, answer checks.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { referenceOutputs, type RawInput } from './raw-onnxruntime.js';
import { expectClose, jsonOutput } from './verify.js';

export const DIGITS_DIR = join(import.meta.dirname, '..', 'examples', 'digits');

export interface TabularFixture {
  raw: RawInput;
  body: string;
  reference: Record<string, number[]>;
}

export async function tabularFixture(): Promise<TabularFixture> {
  const request = JSON.parse(await readFile(join(DIGITS_DIR, 'request.json'), 'utf8')) as { inputs: { name: string; data: number[] }[] };
  const first = request.inputs[0];
  if (!first) throw new Error('examples/digits/request.json has no inputs');
  const row = first.data.slice(0, 64);
  const body = JSON.stringify({ inputs: [{ name: first.name, datatype: 'FP32', shape: [1, 64], data: row }] });
  const raw: RawInput = { modelPath: join(DIGITS_DIR, 'model.onnx'), inputName: first.name, data: Float32Array.from(row), shape: [1, 64] };
  return { raw, body, reference: await referenceOutputs(raw) };
}

/** A v2 JSON answer shaped like Slipway's for this request (what the HTTP-ceiling server returns for every request). */
export function fixedAnswer(fixture: TabularFixture): string {
  return JSON.stringify({
    model_name: 'digits',
    model_version: '1',
    parameters: { variant: 'primary', model: 'digits:1' },
    outputs: [
      { name: 'label', datatype: 'INT64', shape: [1], data: fixture.reference.label },
      { name: 'probabilities', datatype: 'FP32', shape: [1, 10], data: fixture.reference.probabilities },
    ],
  });
}

/**
 * Checks one served answer against raw onnxruntime (same label, probabilities within 1e-5 relative); returns the body when two
 * identical requests get identical bodies, so load runs can demand it byte for byte.
 */
export async function verifyTabular(url: string, fixture: TabularFixture, who: string): Promise<string | undefined> {
  const call = async (): Promise<string> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fixture.body });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${who}: verification request got HTTP ${res.status}: ${text}`);
    return text;
  };
  const text = await call();
  const label = jsonOutput(text, 'label');
  if (JSON.stringify(label) !== JSON.stringify(fixture.reference.label)) {
    throw new Error(`${who}: label ${JSON.stringify(label)} differs from raw onnxruntime ${JSON.stringify(fixture.reference.label)}`);
  }
  expectClose(`${who}: probabilities`, jsonOutput(text, 'probabilities'), fixture.reference.probabilities ?? [], 1e-5);
  return (await call()) === text ? text : undefined;
}
