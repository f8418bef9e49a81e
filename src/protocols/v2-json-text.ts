// The v2 JSON inference response written straight to text: the same bytes as JSON.stringify of its document
// (v2-json.ts responseDocument with encodeTensor), without building the document — an object per output and an array
// of every element — on each request. Each output's opening (name, datatype) is made once and kept.

import { fromHalfBits } from '../core/fp16.js';
import type { InferResponse } from '../core/infer.js';
import type { Tensor } from '../core/tensor.js';

/** `{"name":…,"datatype":…,"shape":[` per output name and datatype; bounded, as names come from models. */
const openings = new Map<string, string>();
const MAX_OPENINGS = 4096;

function opening(tensor: Tensor): string {
  const key = `${tensor.datatype}\u0000${tensor.name}`;
  let text = openings.get(key);
  if (text === undefined) {
    if (openings.size >= MAX_OPENINGS) openings.clear();
    text = `{"name":${JSON.stringify(tensor.name)},"datatype":${JSON.stringify(tensor.datatype)},"shape":[`;
    openings.set(key, text);
  }
  return text;
}

/** A number as JSON writes it: non-finite values are null. */
function numberText(v: number): string {
  return Number.isFinite(v) ? String(v) : 'null';
}

/** The elements as JSON values, comma-separated: what tensorValues gives, as JSON.stringify would write it. */
function elementsText(tensor: Tensor): string {
  const d = tensor.data;
  if (Array.isArray(d)) return JSON.stringify(d).slice(1, -1);
  let out = '';
  const n = d.length;
  switch (tensor.datatype) {
    case 'BOOL':
      for (let i = 0; i < n; i++) out += (i === 0 ? '' : ',') + ((d as Uint8Array)[i] !== 0 ? 'true' : 'false');
      return out;
    case 'FP16':
      for (let i = 0; i < n; i++) out += (i === 0 ? '' : ',') + numberText(fromHalfBits((d as Uint16Array)[i]!));
      return out;
    case 'INT64': case 'UINT64':
      for (let i = 0; i < n; i++) out += (i === 0 ? '' : ',') + numberText(Number((d as BigInt64Array)[i]!));
      return out;
    default:
      for (let i = 0; i < n; i++) out += (i === 0 ? '' : ',') + numberText((d as Float32Array)[i]!);
      return out;
  }
}

/** JSON text of the response, every output's data inline. */
export function responseText(response: InferResponse): string {
  let out = `{"model_name":${JSON.stringify(response.modelName)},"model_version":${JSON.stringify(response.modelVersion)}`;
  if (response.id !== undefined) out += `,"id":${JSON.stringify(response.id)}`;
  if (response.parameters) out += `,"parameters":${JSON.stringify(response.parameters)}`;
  out += ',"outputs":[';
  const outputs = response.outputs;
  for (let i = 0; i < outputs.length; i++) {
    const t = outputs[i]!;
    out += `${i === 0 ? '' : ','}${opening(t)}${t.shape.join(',')}],"data":[${elementsText(t)}]}`;
  }
  return `${out}]}`;
}
