// The generated ResNet-18 benchmark model: architecture, seeded He-initialised weights (BatchNorm folded), cached ONNX file, load check.

import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { encodeModel, type Initializer, type Node } from './onnx-writer.js';
import { SeededRandom } from '../src/core/seeded-random.js';

export const RESNET_INPUT = 'input';
export const RESNET_OUTPUT = 'logits';
export const RESNET_IMAGE_SHAPE = [3, 224, 224] as const;
export const RESNET_CLASSES = 1000;
const SEED = 18;

export interface GeneratedModel {
  path: string;
  sha256: string;
  bytes: number;
  parameters: number;
}

/** Builds the graph: conv7x7/2 → maxpool → 4 stages × 2 BasicBlocks (64..512) → GlobalAveragePool → Flatten → Gemm(1000). */
function build(): { nodes: Node[]; initializers: Initializer[] } {
  const rng = new SeededRandom(SEED);
  const nodes: Node[] = [];
  const initializers: Initializer[] = [];
  let counter = 0;
  const fresh = (prefix: string): string => `${prefix}_${counter++}`;

  /** Conv with BatchNorm folded in: He-normal weights times a per-channel BN scale, plus the BN shift as bias. */
  const conv = (x: string, cin: number, cout: number, k: number, stride: number): string => {
    const name = fresh('conv');
    const fanIn = cin * k * k;
    const w = rng.normals(cout * fanIn, Math.sqrt(2 / fanIn));
    const b = new Float32Array(cout);
    for (let o = 0; o < cout; o++) {
      const scale = rng.between(0.4, 0.9); // gamma / sqrt(var + eps)
      for (let i = o * fanIn; i < (o + 1) * fanIn; i++) w[i] = (w[i] ?? 0) * scale;
      b[o] = rng.normalRedrawingZero() * 0.05; // beta - mean * scale
    }
    initializers.push({ name: `${name}.weight`, dims: [cout, cin, k, k], data: w }, { name: `${name}.bias`, dims: [cout], data: b });
    const pad = (k - 1) >> 1;
    const out = `${name}_out`;
    nodes.push({
      opType: 'Conv',
      name,
      inputs: [x, `${name}.weight`, `${name}.bias`],
      outputs: [out],
      attributes: [
        { name: 'kernel_shape', kind: 'ints', value: [k, k] },
        { name: 'strides', kind: 'ints', value: [stride, stride] },
        { name: 'pads', kind: 'ints', value: [pad, pad, pad, pad] },
      ],
    });
    return out;
  };
  const unary = (opType: string, x: string, attributes?: Node['attributes']): string => {
    const name = fresh(opType.toLowerCase());
    nodes.push({ opType, name, inputs: [x], outputs: [`${name}_out`], ...(attributes ? { attributes } : {}) });
    return `${name}_out`;
  };
  const add = (a: string, b: string): string => {
    const name = fresh('add');
    nodes.push({ opType: 'Add', name, inputs: [a, b], outputs: [`${name}_out`] });
    return `${name}_out`;
  };

  let x = unary('Relu', conv(RESNET_INPUT, 3, 64, 7, 2));
  x = unary('MaxPool', x, [
    { name: 'kernel_shape', kind: 'ints', value: [3, 3] },
    { name: 'strides', kind: 'ints', value: [2, 2] },
    { name: 'pads', kind: 'ints', value: [1, 1, 1, 1] },
  ]);
  let cin = 64;
  for (const [stage, cout] of [64, 128, 256, 512].entries()) {
    for (let block = 0; block < 2; block++) {
      const stride = stage > 0 && block === 0 ? 2 : 1;
      const shortcut = stride !== 1 || cin !== cout ? conv(x, cin, cout, 1, stride) : x;
      const y = conv(unary('Relu', conv(x, cin, cout, 3, stride)), cout, cout, 3, 1);
      x = unary('Relu', add(y, shortcut));
      cin = cout;
    }
  }
  x = unary('Flatten', unary('GlobalAveragePool', x), [{ name: 'axis', kind: 'int', value: 1 }]);
  initializers.push(
    { name: 'fc.weight', dims: [RESNET_CLASSES, 512], data: rng.normals(RESNET_CLASSES * 512, Math.sqrt(2 / 512)) },
    { name: 'fc.bias', dims: [RESNET_CLASSES], data: rng.normals(RESNET_CLASSES, 0.01) },
  );
  nodes.push({
    opType: 'Gemm',
    name: 'fc',
    inputs: [x, 'fc.weight', 'fc.bias'],
    outputs: [RESNET_OUTPUT],
    attributes: [{ name: 'transB', kind: 'int', value: 1 }],
  });
  return { nodes, initializers };
}

/** Generates ResNet-18 (ir_version 8, opset 13) and caches it under os.tmpdir() by content hash. */
export async function generateResnet18(): Promise<GeneratedModel> {
  const { nodes, initializers } = build();
  const bytes = encodeModel({
    irVersion: 8,
    opsetVersion: 13,
    producerName: 'slipway-bench',
    graph: {
      name: 'resnet18',
      nodes,
      initializers,
      inputs: [{ name: RESNET_INPUT, shape: ['batch', ...RESNET_IMAGE_SHAPE] }],
      outputs: [{ name: RESNET_OUTPUT, shape: ['batch', RESNET_CLASSES] }],
    },
  });
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const dir = join(tmpdir(), 'slipway-bench-models');
  const path = join(dir, `resnet18-${sha256.slice(0, 16)}.onnx`);
  const cached = await readFile(path).catch(() => undefined);
  if (!cached || createHash('sha256').update(cached).digest('hex') !== sha256) {
    await mkdir(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }
  const parameters = initializers.reduce((n, t) => n + t.data.length, 0);
  return { path, sha256, bytes: bytes.length, parameters };
}

/** Loads the model in onnxruntime-node, runs batch 1 and batch 2, and checks the shapes and that every logit is finite. */
export async function verifyResnet18(path: string, image: Float32Array): Promise<void> {
  const session = await ort.InferenceSession.create(path, { intraOpNumThreads: 2, graphOptimizationLevel: 'all' });
  try {
    if (session.inputNames.join() !== RESNET_INPUT || session.outputNames.join() !== RESNET_OUTPUT) {
      throw new Error(`generated ResNet-18 has inputs ${session.inputNames.join()} and outputs ${session.outputNames.join()}`);
    }
    const two = new Float32Array(image.length * 2);
    two.set(image);
    two.set(image, image.length);
    for (const [batch, data] of [[1, image], [2, two]] as const) {
      const out = (await session.run({ [RESNET_INPUT]: new ort.Tensor('float32', data, [batch, ...RESNET_IMAGE_SHAPE]) }))[RESNET_OUTPUT];
      if (!out || out.dims.join() !== `${batch},${RESNET_CLASSES}`) throw new Error(`generated ResNet-18: batch ${batch} gave dims ${out?.dims.join() ?? 'none'}`);
      const logits = out.data as Float32Array;
      if (!logits.every(Number.isFinite)) throw new Error(`generated ResNet-18: batch ${batch} gave non-finite logits`);
      if (batch === 2) {
        for (let i = 0; i < RESNET_CLASSES; i++) {
          const a = logits[i] ?? 0;
          const b = logits[i + RESNET_CLASSES] ?? 0;
          if (Math.abs(a - b) > 1e-4 * Math.max(1, Math.abs(a))) throw new Error(`generated ResNet-18: the two rows of a batch of identical images differ at ${i}: ${a} vs ${b}`);
        }
      }
    }
  } finally {
    await session.release();
  }
}
