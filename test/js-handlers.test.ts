// JavaScript handlers beside ONNX instances, without Python: the shapes-onnx example's model behind handlers that go
// wrong in each way a user's can — a push without the client-facing signature, a handler that does not load, one that
// throws, one that answers the wrong datatype, one stuck in a loop — refused or failed with the thing named, while the
// server keeps serving; and a handled package refuses the event loop.

import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { call, infer } from './http.js';
import { deploy, push, ROOT, startLoopServer, type LoopServer } from './loop-harness.js';

const EXAMPLE = join(ROOT, 'examples', 'shapes-onnx');
const SIGNATURE = `signature:
  inputs: [{name: image, datatype: BYTES, shape: [-1]}]
  outputs: [{name: top, datatype: INT64, shape: [-1]}]
`;
/** Decodes each image and answers the likeliest class index; `x0 === "boom"` throws, `"float"` answers FP32. */
const HANDLER = `export function preprocess(inputs, ctx) {
  if (inputs.image.data.includes('boom')) throw new Error('boom in preprocess');
  if (inputs.image.data.includes('loop')) for (;;);
  const images = inputs.image.data.map((e) => ctx.resizeImage(ctx.decodeImage(e === 'float' ? '' : e), 32, 32));
  return { image: ctx.imagesToTensor(images, { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }) };
}
export function postprocess(outputs, inputs, ctx) {
  const rows = outputs.probabilities.shape[0];
  const top = ctx.topK(outputs.probabilities.data, rows, 1).map((r) => r[0]);
  if (inputs.image.data.includes('float')) return { top: { datatype: 'FP32', shape: [rows], data: Float32Array.from(top) } };
  return { top: { datatype: 'INT64', shape: [rows], data: BigInt64Array.from(top.map(BigInt)) } };
}
`;

let loop: LoopServer;
const dir = mkdtempSync(join(tmpdir(), 'slipway-js-handler-'));

function write(manifest: string, handler = HANDLER): void {
  writeFileSync(join(dir, 'slipway.yaml'), manifest);
  writeFileSync(join(dir, 'handler.mjs'), handler);
}

beforeAll(async () => {
  cpSync(join(EXAMPLE, 'model.onnx'), join(dir, 'model.onnx'));
  loop = await startLoopServer();
}, 60_000);
afterAll(async () => {
  await loop?.close();
  rmSync(dir, { recursive: true, force: true });
});

it('refuses a handled package without the client-facing signature, and a handler that does not load', async () => {
  write('name: top1\nmodel: model.onnx\nhandler: handler.mjs\n');
  await expect(push(loop.url, dir)).rejects.toThrow('a package with a handler declares what clients send and get in slipway.yaml');
  write(`name: top1\nmodel: model.onnx\nhandler: handler.mjs\n${SIGNATURE}`, 'export function preprocess(inputs {');
  await expect(push(loop.url, dir)).rejects.toThrow('handler "handler.mjs" does not load as an ES module');
  write(`name: top1\nmodel: model.onnx\nhandler: handler.mjs\n${SIGNATURE}`, 'export const preprocess = 3;');
  await expect(push(loop.url, dir)).rejects.toThrow('handler "handler.mjs": export "preprocess" is not a function');
});

it('serves through the handler; a throw fails the request (500) and a wrong datatype names the output, and the next request succeeds', async () => {
  write(`name: top1\nmodel: model.onnx\nhandler: handler.mjs\n${SIGNATURE}`);
  await push(loop.url, dir);
  await deploy(loop.url, 'top1', 'top1:1', { instances: 1, maxBatchSize: 1 });
  const request = (element: string): object => ({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [element] }] });
  const ok = await infer(loop.url, 'top1', request(''));
  expect(ok.status, JSON.stringify(ok.body)).toBe(200);
  expect(ok.body.outputs[0]).toMatchObject({ name: 'top', datatype: 'INT64', shape: [1] });
  const boom = await infer(loop.url, 'top1', request('boom'));
  expect(boom.status).toBe(500);
  expect(JSON.stringify(boom.body)).toContain('boom in preprocess');
  const float = await infer(loop.url, 'top1', request('float'));
  expect(float.status).toBe(500);
  expect(JSON.stringify(float.body)).toContain('output \\"top\\" has datatype FP32, but the signature declares INT64');
  expect((await infer(loop.url, 'top1', request(''))).status).toBe(200);
});

it('stops a handler stuck in a loop at its request\'s deadline (504) and serves on with a new instance', async () => {
  const request = (element: string): object => ({ inputs: [{ name: 'image', datatype: 'BYTES', shape: [1], data: [element] }] });
  const stuck = await fetch(`${loop.url}/v2/models/top1/infer`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-slipway-timeout-ms': '1500' }, body: JSON.stringify(request('loop')),
  });
  expect(stuck.status).toBe(504);
  expect(await stuck.text()).toContain('its handler was still running at the deadline of its requests');
  const deadline = Date.now() + 30_000;
  let status = 0;
  while (Date.now() < deadline && status !== 200) {
    status = (await infer(loop.url, 'top1', request(''))).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 200));
  }
  expect(status).toBe(200);
});

it('refuses the event loop for a package with a handler', async () => {
  const r = await call(`${loop.url}/api/v1/endpoints/top1-loop`, 'PUT', { model: 'top1:1', runtime: { instances: 1, onEventLoop: true } });
  expect(r.status).toBe(400);
  expect(JSON.stringify(r.body)).toContain('has a handler, which runs beside its instances in worker threads; leave runtime.onEventLoop off');
});
