// Answer checks: decode logits from a v2 JSON, binary-extension or gRPC reply and compare them with raw onnxruntime's (relative tolerance).

import type { ModelInferReply } from './grpc-client.js';

interface V2JsonReply {
  outputs?: { name: string; data?: number[]; parameters?: { binary_data_size?: number } }[];
  error?: string;
}

function toFloat32(bytes: Uint8Array): Float32Array {
  if (bytes.byteLength % 4 !== 0) throw new Error(`expected FP32 bytes, got ${bytes.byteLength} bytes`);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** The named output of a v2 JSON reply. */
export function jsonOutput(text: string, name: string): number[] {
  const reply = JSON.parse(text) as V2JsonReply;
  const out = reply.outputs?.find((o) => o.name === name);
  if (!out?.data) throw new Error(`reply has no output "${name}" with data: ${text.slice(0, 300)}`);
  return out.data;
}

/** The named output of a binary-extension reply (JSON header of `headerLength` bytes, then raw outputs in order). */
export function binaryOutput(body: Buffer, headerLength: number, name: string): Float32Array {
  const header = JSON.parse(body.subarray(0, headerLength).toString('utf8')) as V2JsonReply;
  let offset = headerLength;
  for (const out of header.outputs ?? []) {
    const size = out.parameters?.binary_data_size;
    if (size === undefined) continue;
    if (out.name === name) return toFloat32(body.subarray(offset, offset + size));
    offset += size;
  }
  throw new Error(`binary reply has no binary output "${name}": ${JSON.stringify(header).slice(0, 300)}`);
}

export function grpcOutput(reply: ModelInferReply, name: string): Float32Array {
  const index = reply.outputs.findIndex((o) => o.name === name);
  const raw = reply.raw_output_contents[index];
  if (index < 0 || !raw) throw new Error(`gRPC reply has no raw output "${name}" (outputs: ${reply.outputs.map((o) => o.name).join(', ')})`);
  return toFloat32(raw);
}

/** Throws unless every value is within relTol of the reference (relative to the larger of |ref| and 1e-3 of the largest |ref|). */
export function expectClose(what: string, got: ArrayLike<number>, reference: ArrayLike<number>, relTol = 1e-4): number {
  if (got.length !== reference.length) throw new Error(`${what}: ${got.length} values, raw onnxruntime gave ${reference.length}`);
  let scale = 0;
  for (let i = 0; i < reference.length; i++) scale = Math.max(scale, Math.abs(reference[i] ?? 0));
  let worst = 0;
  let worstAt = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] ?? 0;
    const err = Math.abs((got[i] ?? Number.NaN) - r) / Math.max(Math.abs(r), 1e-3 * scale, Number.MIN_VALUE);
    if (!(err <= worst)) {
      worst = err;
      worstAt = i;
    }
  }
  if (!(worst <= relTol)) {
    throw new Error(`${what}: value ${worstAt} is ${String(got[worstAt])}, raw onnxruntime gave ${String(reference[worstAt])} (relative error ${worst.toExponential(2)} > ${relTol})`);
  }
  return worst;
}
