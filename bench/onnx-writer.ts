// Minimal protobuf encoder for ONNX models: ModelProto, GraphProto, NodeProto, TensorProto, ValueInfoProto, AttributeProto.
// Field numbers follow onnx/onnx.proto (proto2: repeated scalars are written unpacked, as reference encoders do).

import { endianness } from 'node:os';

const WIRE_VARINT = 0;
const WIRE_FIXED32 = 5;
const WIRE_BYTES = 2;

/** One protobuf message under construction: a list of byte chunks (large payloads are referenced, not copied). */
class ProtoMessage {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  get length(): number {
    return this.size;
  }

  private push(chunk: Uint8Array): void {
    this.chunks.push(chunk);
    this.size += chunk.length;
  }

  private key(field: number, wire: number): void {
    this.push(encodeVarint(BigInt(field * 8 + wire)));
  }

  /** int32 / int64 / enum field (non-negative values only in this writer). */
  varint(field: number, value: number): this {
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`protobuf varint field ${field}: expected a non-negative safe integer, got ${value}`);
    this.key(field, WIRE_VARINT);
    this.push(encodeVarint(BigInt(value)));
    return this;
  }

  float(field: number, value: number): this {
    this.key(field, WIRE_FIXED32);
    const b = Buffer.alloc(4);
    b.writeFloatLE(value);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, WIRE_BYTES);
    this.push(encodeVarint(BigInt(value.length)));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, Buffer.from(value, 'utf8'));
  }

  message(field: number, value: ProtoMessage): this {
    this.key(field, WIRE_BYTES);
    this.push(encodeVarint(BigInt(value.length)));
    for (const c of value.chunks) this.push(c);
    return this;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}

function encodeVarint(value: bigint): Uint8Array {
  const out: number[] = [];
  let v = value;
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Uint8Array.from(out);
}

// ---- ONNX schema (the subset this writer needs) ----

export type Attribute =
  | { name: string; kind: 'float'; value: number }
  | { name: string; kind: 'int'; value: number }
  | { name: string; kind: 'ints'; value: number[] };

export interface Node {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes?: Attribute[];
}

/** An FP32 initializer. */
export interface Initializer {
  name: string;
  dims: number[];
  data: Float32Array;
}

/** A graph input or output: FP32 tensor; a string dimension is symbolic (dynamic). */
export interface ValueInfo {
  name: string;
  shape: (number | string)[];
}

export interface Graph {
  name: string;
  nodes: Node[];
  initializers: Initializer[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
}

export interface Model {
  irVersion: number;
  opsetVersion: number;
  producerName: string;
  graph: Graph;
}

const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_INTS = 7;
const TENSOR_FLOAT = 1;

function attributeProto(a: Attribute): ProtoMessage {
  const m = new ProtoMessage().string(1, a.name);
  switch (a.kind) {
    case 'float':
      m.float(2, a.value).varint(20, ATTR_FLOAT);
      break;
    case 'int':
      m.varint(3, a.value).varint(20, ATTR_INT);
      break;
    case 'ints':
      for (const v of a.value) m.varint(8, v);
      m.varint(20, ATTR_INTS);
      break;
  }
  return m;
}

function nodeProto(n: Node): ProtoMessage {
  const m = new ProtoMessage();
  for (const i of n.inputs) m.string(1, i);
  for (const o of n.outputs) m.string(2, o);
  m.string(3, n.name).string(4, n.opType);
  for (const a of n.attributes ?? []) m.message(5, attributeProto(a));
  return m;
}

function tensorProto(t: Initializer): ProtoMessage {
  const expected = t.dims.reduce((a, b) => a * b, 1);
  if (expected !== t.data.length) throw new Error(`initializer ${t.name}: dims ${JSON.stringify(t.dims)} need ${expected} values, got ${t.data.length}`);
  if (endianness() !== 'LE') throw new Error('onnx-writer: raw_data must be little-endian; this host is big-endian');
  const m = new ProtoMessage();
  for (const d of t.dims) m.varint(1, d);
  m.varint(2, TENSOR_FLOAT).string(8, t.name);
  return m.bytes(9, new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
}

function valueInfoProto(v: ValueInfo): ProtoMessage {
  const shape = new ProtoMessage();
  for (const d of v.shape) shape.message(1, typeof d === 'number' ? new ProtoMessage().varint(1, d) : new ProtoMessage().string(2, d));
  const tensorType = new ProtoMessage().varint(1, TENSOR_FLOAT).message(2, shape);
  const type = new ProtoMessage().message(1, tensorType);
  return new ProtoMessage().string(1, v.name).message(2, type);
}

function graphProto(g: Graph): ProtoMessage {
  const m = new ProtoMessage();
  for (const n of g.nodes) m.message(1, nodeProto(n));
  m.string(2, g.name);
  for (const t of g.initializers) m.message(5, tensorProto(t));
  for (const i of g.inputs) m.message(11, valueInfoProto(i));
  for (const o of g.outputs) m.message(12, valueInfoProto(o));
  return m;
}

/** Serialises a model to ONNX protobuf bytes. */
export function encodeModel(model: Model): Buffer {
  const opset = new ProtoMessage().string(1, '').varint(2, model.opsetVersion);
  return new ProtoMessage()
    .varint(1, model.irVersion)
    .string(2, model.producerName)
    .message(7, graphProto(model.graph))
    .message(8, opset)
    .toBuffer();
}
