// The image-classifier examples end to end: examples/shapes-torch (TorchScript + Python handler) and examples/shapes-onnx
// (the same weights in ONNX + JavaScript handler) take JPEGs made here with jpeg-js, as base64 BYTES elements over HTTP
// JSON, the binary extension and gRPC, and as the files' own bytes over the binary extension and gRPC contents, and
// answer the same top-3 labels; batched answers equal unbatched ones; both pass their golden test at push; each handler's time shows in slipway_handler_seconds apart from the model's.

import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import jpeg from 'jpeg-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { infer, type V2Reply } from './http.js';
import { concurrently, deploy, push, ROOT, startLoopServer, type LoopServer } from './loop-harness.js';
import { scrape } from './metrics.js';
import { rpc } from './support/grpc-client.js';
import { toBytes } from './tensor-bytes.js';

const PACKAGES = ['shapes-torch', 'shapes-onnx'] as const;
let loop: LoopServer;

/** A 40×40 JPEG (quality 95) of a shape on grey, like the training images: kind 0 red disc, 1 green square, 2 blue triangle. */
function shapeJpeg(kind: number, shift = 0): string {
  const size = 40;
  const colours = [[220, 40, 40], [40, 200, 60], [50, 70, 230]];
  const data = Buffer.alloc(size * size * 4);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (x - 20 - shift) / size;
      const dy = (y - 20 + shift) / size;
      const inside = kind === 0 ? dx * dx + dy * dy < 0.28 * 0.28
        : kind === 1 ? Math.abs(dx) < 0.22 && Math.abs(dy) < 0.22
          : dy < 0.22 && dy > -0.28 && Math.abs(dx) < (dy + 0.28) * 0.6;
      const rgb = inside ? colours[kind]! : [100 + ((x * 7 + y * 3) % 11), 100, 100 + ((x + y) % 5)];
      data.set([...rgb, 255], (y * size + x) * 4);
    }
  }
  return jpeg.encode({ data, width: size, height: size }, 95).data.toString('base64');
}

const images = [0, 1, 2, 0, 1, 2].map((kind, i) => shapeJpeg(kind, i - 3));
const request = (elements: string[]): object => ({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [elements.length], data: elements }] });
const output = (reply: V2Reply, name: string): (string | number)[] => reply.outputs.find((o) => o.name === name)!.data as (string | number)[];

beforeAll(async () => {
  loop = await startLoopServer();
  for (const name of PACKAGES) {
    const pushed = await push(loop.url, join(ROOT, 'examples', name));
    // Each package's golden test (base64 JPEGs in a CSV column, the top label against the target) ran at push.
    expect(pushed.validation, name).toMatchObject({ passed: true, tests: [{ name: 'golden-accuracy', passed: true }] });
    await deploy(loop.url, name, `${name}:1`, { instances: 1, maxBatchSize: 8, maxQueueDelayMicros: 20_000 });
  }
}, 120_000);
afterAll(async () => {
  await loop?.close();
});

it('answers the same top-3 labels from TorchScript + Python handler and ONNX + JavaScript handler', async () => {
  const answers = await Promise.all(PACKAGES.map((name) => infer(loop.url, name, request(images))));
  for (const a of answers) expect(a.status, JSON.stringify(a.body)).toBe(200);
  const [torch, onnx] = answers.map((a) => a.body);
  expect(torch!.outputs.find((o) => o.name === 'labels')).toMatchObject({ datatype: 'BYTES', shape: [6, 3] });
  expect(output(onnx!, 'labels')).toEqual(output(torch!, 'labels'));
  output(onnx!, 'scores').forEach((s, i) => expect(s).toBeCloseTo(output(torch!, 'scores')[i] as number, 2));
  // The shapes drawn here are the classes they were drawn as.
  const top1 = output(onnx!, 'labels').filter((_, i) => i % 3 === 0);
  expect(top1).toEqual(['red-disc', 'green-square', 'blue-triangle', 'red-disc', 'green-square', 'blue-triangle']);
});

it('answers a batch as it answers its images one request at a time', async () => {
  for (const name of PACKAGES) {
    const whole = await infer(loop.url, name, request(images));
    const single = await concurrently(images.length, images.length, (i) => infer(loop.url, name, request([images[i]!])));
    expect(single.flatMap((r) => output(r.body, 'labels')), name).toEqual(output(whole.body, 'labels'));
    const scores = single.flatMap((r) => output(r.body, 'scores'));
    output(whole.body, 'scores').forEach((s, i) => expect(scores[i], name).toBeCloseTo(s as number, 5));
  }
});

it('takes the image over the binary extension and over gRPC', async () => {
  const client = new grpc.Client(loop.server.grpcUrl, grpc.credentials.createInsecure());
  try {
    for (const name of PACKAGES) {
      const want = output((await infer(loop.url, name, request(images.slice(0, 2)))).body, 'labels');
      const raw = toBytes('BYTES', images.slice(0, 2));
      const header = Buffer.from(JSON.stringify({
        inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: raw.length } }],
        outputs: [{ name: 'labels' }],
      }));
      const binary = await fetch(`${loop.url}/v2/models/${name}/infer`, {
        method: 'POST', headers: { 'inference-header-content-length': String(header.length) }, body: new Uint8Array(Buffer.concat([header, raw])),
      });
      const text = Buffer.from(await binary.arrayBuffer());
      const length = Number(binary.headers.get('inference-header-content-length') ?? text.length);
      expect(binary.status, text.toString()).toBe(200);
      expect((JSON.parse(text.subarray(0, length).toString()) as V2Reply).outputs[0]!.data, name).toEqual(want);
      const reply = await rpc<{ raw_output_contents: Buffer[] }>(client, 'ModelInfer', {
        model_name: name, inputs: [{ name: 'image', datatype: 'BYTES', shape: [2] }], outputs: [{ name: 'labels' }], raw_input_contents: [raw],
      }, undefined, 20_000);
      expect(reply.raw_output_contents[0], name).toEqual(toBytes('BYTES', want as string[]));
    }
  } finally {
    client.close();
  }
});

it('takes the JPEG file\'s own bytes, as Triton\'s clients send them, over the binary extension and gRPC contents', async () => {
  const client = new grpc.Client(loop.server.grpcUrl, grpc.credentials.createInsecure());
  const files = images.slice(2, 4).map((b64) => Buffer.from(b64, 'base64'));
  // The binary extension's BYTES layout: each element a 4-byte little-endian length, then its bytes (here not UTF-8).
  const raw = Buffer.concat(files.flatMap((f) => [Buffer.from(Uint32Array.of(f.length).buffer), f]));
  try {
    for (const name of PACKAGES) {
      const want = output((await infer(loop.url, name, request(images.slice(2, 4)))).body, 'labels');
      const header = Buffer.from(JSON.stringify({
        inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: raw.length } }],
        outputs: [{ name: 'labels', parameters: { binary_data: false } }],
      }));
      const binary = await fetch(`${loop.url}/v2/models/${name}/infer`, {
        method: 'POST', headers: { 'inference-header-content-length': String(header.length) }, body: new Uint8Array(Buffer.concat([header, raw])),
      });
      const text = await binary.text();
      expect(binary.status, text).toBe(200);
      expect((JSON.parse(text) as V2Reply).outputs[0]!.data, name).toEqual(want);
      const reply = await rpc<{ raw_output_contents: Buffer[] }>(client, 'ModelInfer', {
        model_name: name, inputs: [{ name: 'image', datatype: 'BYTES', shape: [2], contents: { bytes_contents: files } }], outputs: [{ name: 'labels' }],
      }, undefined, 20_000);
      expect(reply.raw_output_contents[0], name).toEqual(toBytes('BYTES', want as string[]));
    }
  } finally {
    client.close();
  }
});

it('refuses an image that does not decode as the client\'s fault (400), in either handler', async () => {
  for (const name of PACKAGES) {
    const bad = await infer(loop.url, name, request([Buffer.from('not an image at all').toString('base64')]));
    expect(bad.status, name).toBe(400);
    expect(JSON.stringify(bad.body), name).toContain('neither JPEG nor PNG');
  }
});

it('shows each handler\'s time per stage apart from the model\'s', async () => {
  const metric = await scrape(loop.url);
  for (const endpoint of PACKAGES) {
    for (const stage of ['pre', 'post']) {
      expect(metric('slipway_handler_seconds_count', { endpoint, stage }), `${endpoint} ${stage}`).toBeGreaterThan(0);
      expect(metric('slipway_handler_seconds_sum', { endpoint, stage }), `${endpoint} ${stage}`).toBeGreaterThan(0);
    }
  }
});
