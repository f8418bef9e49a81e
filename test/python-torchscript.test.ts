// TorchScript models in a Python worker: a small classifier scripted and saved by Debian's python3-torch in the test's
// setup is pushed (detected by its .pt name, validated on golden rows), deployed with batching and answered over HTTP
// and gRPC as torch itself answers; batched answers equal unbatched ones. The same model behind a pre/post-processing
// handler takes text rows and answers class names.

import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { infer } from './http.js';
import { concurrently, deploy, push, ROOT, startLoopServer, type LoopServer, type PushedVersion } from './loop-harness.js';
import { rpc } from './support/grpc-client.js';
import { toBytes } from './tensor-bytes.js';

/** Scripts a 4 -> 8 -> 3 network with fixed weights, saves it, and writes golden rows with torch's own answers. */
const BUILD = `
import json, sys, torch
torch.manual_seed(0)
class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.hidden = torch.nn.Linear(4, 8)
        self.out = torch.nn.Linear(8, 3)
    def forward(self, x):
        scores = torch.softmax(self.out(torch.relu(self.hidden(x))), dim=1)
        return scores, torch.argmax(scores, dim=1)
net = torch.jit.script(Net().eval())
net.save(sys.argv[1] + "/model.pt")
x = torch.rand(40, 4) * 4 - 2
scores, labels = net(x)
with open(sys.argv[1] + "/golden.csv", "w") as fh:
    fh.write("a,b,c,d,label\\n")
    for row, label in zip(x.tolist(), labels.tolist()):
        fh.write(",".join(repr(v) for v in row) + f",{label}\\n")
json.dump({"x": x.tolist(), "scores": scores.tolist(), "labels": labels.tolist()}, open(sys.argv[1] + "/expected.json", "w"))
`;

const MANIFEST = `name: net
model: model.pt
task: classification
features: [a, b, c, d]
signature:
  inputs: [{name: x, datatype: FP32, shape: [-1, 4]}]
  outputs:
    - {name: scores, datatype: FP32, shape: [-1, 3]}
    - {name: label, datatype: INT64, shape: [-1]}
tests:
  - {name: golden-accuracy, data: golden.csv, target: label, output: scores, metric: accuracy, threshold: 1}
`;

/** The same model behind a handler: clients send rows as "a,b,c,d" text and get the two likeliest class names. */
const HANDLER = `import numpy as np

MODEL_SIGNATURE = {
    "inputs": [{"name": "x", "datatype": "FP32", "shape": [-1, 4]}],
    "outputs": [{"name": "scores", "datatype": "FP32", "shape": [-1, 3]}],
}
NAMES = np.array(["red", "green", "blue"], dtype=object)


def row_of(text):
    return [float(v) for v in text.split(",")] if text else [0.0] * 4  # the warm-up row is an empty string


def preprocess(inputs):
    return {"x": np.array([row_of(text) for text in inputs["csv"]], dtype=np.float32)}


def postprocess(outputs, inputs):
    return {"top2": NAMES[np.argsort(-outputs["scores"], axis=1, kind="stable")[:, :2]]}
`;

const HANDLED_MANIFEST = `name: net-top2
format: torchscript
model: model.pt
handler: handler.py
signature:
  inputs: [{name: csv, datatype: BYTES, shape: [-1]}]
  outputs: [{name: top2, datatype: BYTES, shape: [-1, 2]}]
`;

const dir = mkdtempSync(join(tmpdir(), 'slipway-torch-'));
const handled = mkdtempSync(join(tmpdir(), 'slipway-torch-handled-'));
let loop: LoopServer;
let pushed: PushedVersion;
let expected: { x: number[][]; scores: number[][]; labels: number[] };

beforeAll(async () => {
  // From a file: torch.jit.script reads the class's source, which `python3 -c` does not keep.
  writeFileSync(join(dir, 'build.py'), BUILD);
  execFileSync('/usr/bin/python3', [join(dir, 'build.py'), dir], { stdio: 'inherit' });
  rmSync(join(dir, 'build.py'));
  writeFileSync(join(dir, 'slipway.yaml'), MANIFEST);
  expected = JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as typeof expected;
  rmSync(join(dir, 'expected.json'));
  cpSync(join(dir, 'model.pt'), join(handled, 'model.pt'));
  writeFileSync(join(handled, 'handler.py'), HANDLER);
  writeFileSync(join(handled, 'slipway.yaml'), HANDLED_MANIFEST);
  loop = await startLoopServer();
  pushed = await push(loop.url, dir);
  await push(loop.url, handled);
  await deploy(loop.url, 'net-top2', 'net-top2:1', { maxBatchSize: 16, maxQueueDelayMicros: 10_000 });
  await deploy(loop.url, 'net', 'net:1', { maxBatchSize: 16, maxQueueDelayMicros: 10_000 });
}, 120_000);
afterAll(async () => {
  await loop?.close();
  rmSync(dir, { recursive: true, force: true });
  rmSync(handled, { recursive: true, force: true });
});

const request = (rows: number[][]): object => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [rows.length, 4], data: rows.flat() }] });

it('is detected by its .pt name and passes its golden test', async () => {
  expect(pushed).toMatchObject({ format: 'torchscript', validation: { passed: true } });
});

it('answers over HTTP as torch does, batched or one request at a time', async () => {
  const whole = await infer(loop.url, 'net', request(expected.x));
  expect(whole.status).toBe(200);
  const scores = whole.body.outputs.find((o) => o.name === 'scores')!.data as number[];
  expected.scores.flat().forEach((s, i) => expect(scores[i]).toBeCloseTo(s, 5));
  expect(whole.body.outputs.find((o) => o.name === 'label')!.data).toEqual(expected.labels);
  const single = await concurrently(expected.x.length, 8, (i) => infer(loop.url, 'net', request([expected.x[i]!])));
  expect(single.map((r) => r.body.outputs.find((o) => o.name === 'label')!.data[0])).toEqual(expected.labels);
});

it('answers gRPC ModelInfer with raw contents equal to the JSON answer', async () => {
  const client = new grpc.Client(loop.server.grpcUrl, grpc.credentials.createInsecure());
  try {
    const rows = expected.x.slice(0, 3);
    const json = await infer(loop.url, 'net', request(rows));
    const reply = await rpc<{ outputs: { name: string; datatype: string }[]; raw_output_contents: Buffer[] }>(client, 'ModelInfer', {
      model_name: 'net', inputs: [{ name: 'x', datatype: 'FP32', shape: [3, 4] }], raw_input_contents: [toBytes('FP32', rows.flat())],
    }, undefined, 20_000);
    reply.outputs.forEach((out, i) => {
      const want = json.body.outputs.find((o) => o.name === out.name)!;
      expect(reply.raw_output_contents[i], out.name).toEqual(toBytes(out.datatype, want.data));
    });
  } finally {
    client.close();
  }
});

it('runs a package handler beside the model: text rows in, the two likeliest class names out, batched alike', async () => {
  const names = ['red', 'green', 'blue'];
  const rows = expected.x.slice(0, 12);
  const csv = rows.map((r) => r.map((v) => String(v)).join(','));
  const whole = await infer(loop.url, 'net-top2', { inputs: [{ name: 'csv', datatype: 'BYTES', shape: [csv.length], data: csv }] });
  expect(whole.status, JSON.stringify(whole.body)).toBe(200);
  const top2 = whole.body.outputs[0]!;
  expect(top2).toMatchObject({ name: 'top2', datatype: 'BYTES', shape: [12, 2] });
  const want = expected.scores.slice(0, 12).map((s) => [...s.keys()].sort((a, b) => s[b]! - s[a]!).slice(0, 2).map((i) => names[i]!));
  expect(top2.data).toEqual(want.flat());
  const single = await concurrently(csv.length, 6, (i) => infer(loop.url, 'net-top2', { inputs: [{ name: 'csv', datatype: 'BYTES', shape: [1], data: [csv[i]!] }] }));
  expect(single.flatMap((r) => r.body.outputs[0]!.data)).toEqual(want.flat());
});

it('refuses a handler that does not declare the model\'s own tensors, and a Python handler on an ONNX package', async () => {
  writeFileSync(join(handled, 'handler.py'), HANDLER.replace('MODEL_SIGNATURE =', 'OTHER ='));
  await expect(push(loop.url, handled)).rejects.toThrow("handler.py must set MODEL_SIGNATURE");
  writeFileSync(join(handled, 'handler.py'), HANDLER);
  cpSync(join(ROOT, 'examples', 'digits', 'model.onnx'), join(handled, 'model.onnx'));
  writeFileSync(join(handled, 'slipway.yaml'), 'name: digits-handled\nmodel: model.onnx\nhandler: handler.py\n');
  await expect(push(loop.url, handled)).rejects.toThrow('handler "handler.py": an onnx model\'s handler is JavaScript (an ES module, .js or .mjs)');
});
