// Models served by Python worker processes, end to end: the scikit-learn and XGBoost examples and a model.py package are
// pushed (validated against golden data, baselines profiled), deployed with batching, and answered over HTTP JSON, the
// binary extension and gRPC; batched answers equal unbatched ones. Needs Debian's python3-sklearn and python3-xgboost.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOADER_OPTIONS, PROTO_PATH } from '../src/api/grpc-server.js';
import { requestFromFile } from '../src/cli/predict-input.js';
import { parseCsv } from '../src/core/csv.js';
import type { TensorSpec } from '../src/core/signature.js';
import { call, infer, type V2Reply } from './http.js';
import {
  concurrently, deploy, exportJsonl, loopStatus, push, ROOT, setLoop, startLoopServer, type LoopServer, type PushedVersion,
} from './loop-harness.js';
import { toBytes } from './tensor-bytes.js';

const CHURN = join(ROOT, 'examples', 'churn');
const IRIS = join(ROOT, 'examples', 'iris-xgb');
const ADDER = join(ROOT, 'test', 'fixtures', 'python');
let loop: LoopServer;
const pushed = new Map<string, PushedVersion>();

beforeAll(async () => {
  loop = await startLoopServer();
  for (const [name, dir] of [['churn', CHURN], ['iris-xgb', IRIS], ['adder', ADDER]] as const) {
    pushed.set(name, await push(loop.url, dir));
    await deploy(loop.url, name, `${name}:1`, { maxBatchSize: 32, maxQueueDelayMicros: 20_000 });
  }
}, 120_000);
const temp: string[] = [];
afterAll(async () => {
  await loop?.close();
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

/** The golden rows of a package as text cells, and each row's target. */
function goldenRows(dir: string, target: string): { rows: string[][]; targets: string[] } {
  const table = parseCsv(readFileSync(join(dir, 'golden.csv'), 'utf8'));
  const t = table.header.indexOf(target);
  return { rows: table.rows.map((r) => r.filter((_, i) => i !== t)), targets: table.rows.map((r) => r[t]!) };
}

const churnRequest = (rows: string[][]): object => ({ inputs: [{ name: 'input', datatype: 'BYTES', shape: [rows.length, 5], data: rows.flat() }] });
const irisRequest = (rows: string[][]): object => ({ inputs: [{ name: 'input', datatype: 'FP32', shape: [rows.length, 4], data: rows.flat().map(Number) }] });
const output = (reply: V2Reply, name: string): (number | string | boolean)[] => reply.outputs.find((o) => o.name === name)!.data;

describe('push', () => {
  it('validates each package on its golden data and profiles its baseline, through the Python worker', async () => {
    for (const name of ['churn', 'iris-xgb', 'adder']) {
      expect(pushed.get(name)!.validation, name).toMatchObject({ passed: true });
      const baseline = await call<{ features: unknown[]; outputs?: unknown[] }>(`${loop.url}/api/v1/models/${name}/versions/1/baseline`);
      expect(baseline.status, name).toBe(200);
      expect(JSON.stringify(baseline.body), name).toContain('prediction'); // the model ran over the baseline rows
    }
  });

  it('fails validation when the model misses its golden data', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-py-golden-'));
    temp.push(dir);
    cpSync(ADDER, dir, { recursive: true });
    writeFileSync(join(dir, 'golden.csv'), 'a,b,y\n1,2,3.5\n0,0,1.5\n'); // the model answers 0.5 for the second row
    const failed = await push(loop.url, dir, 'adder-off');
    expect(failed.validation).toMatchObject({ passed: false, tests: [{ name: 'golden-mae', passed: false }] });
  });

  it('keeps the declared signature, with the package features and labels', async () => {
    const meta = await call<{ inputs: { name: string; datatype: string; shape: number[] }[]; outputs: { name: string; datatype: string; shape: number[] }[] }>(`${loop.url}/v2/models/churn`);
    expect(meta.body.inputs).toEqual([{ name: 'input', datatype: 'BYTES', shape: [-1, 5] }]);
    expect(meta.body.outputs.map((o) => [o.name, o.datatype, o.shape])).toEqual([['label', 'INT64', [-1]], ['probabilities', 'FP32', [-1, 2]]]);
  });
});

describe('HTTP JSON', () => {
  it('answers the scikit-learn pipeline on string categories as golden data expects, mostly', async () => {
    const { rows, targets } = goldenRows(CHURN, 'churned');
    const r = await infer(loop.url, 'churn', churnRequest(rows));
    expect(r.status).toBe(200);
    const labels = output(r.body, 'label');
    const right = labels.filter((l, i) => String(l) === targets[i]).length / rows.length;
    expect(right).toBeGreaterThan(0.66);
    const probabilities = output(r.body, 'probabilities') as number[];
    for (let i = 0; i < rows.length; i++) expect(probabilities[2 * i]! + probabilities[2 * i + 1]!).toBeCloseTo(1, 5);
  });

  it('answers `slipway predict`\'s request made from a CSV of string categories (columns by feature name)', async () => {
    const version = await call<{ signature: { inputs: TensorSpec[] } }>(`${loop.url}/api/v1/models/churn/versions/1`);
    const input = version.body.signature.inputs[0]!;
    const body = await requestFromFile(join(CHURN, 'golden.csv'), input);
    const r = await infer(loop.url, 'churn', body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.outputs[0]!.shape).toEqual([300]);
  });

  it('answers the XGBoost classifier with class probabilities and labels', async () => {
    const { rows, targets } = goldenRows(IRIS, 'species');
    const r = await infer(loop.url, 'iris-xgb', irisRequest(rows));
    expect(r.status).toBe(200);
    const labels = output(r.body, 'label');
    expect(labels.filter((l, i) => String(l) === targets[i]).length / rows.length).toBeGreaterThanOrEqual(0.9);
    expect(r.body.outputs.find((o) => o.name === 'probabilities')!.shape).toEqual([rows.length, 3]);
  });

  it('answers a model.py class, with files of its package loaded', async () => {
    const r = await infer(loop.url, 'adder', { inputs: [{ name: 'x', datatype: 'FP32', shape: [2, 2], data: [1, 2, 3, 4] }] });
    expect(r.status).toBe(200);
    expect(output(r.body, 'y')).toEqual([3.5, 7.5]);
    expect(output(r.body, 'tag')).toEqual(['row0', 'row1']);
  });
});

describe('batching', () => {
  it('gives the same answers batched (one predict call for many requests) as one by one', async () => {
    const { rows } = goldenRows(CHURN, 'churned');
    const some = rows.slice(0, 48);
    const whole = await infer(loop.url, 'churn', churnRequest(some));
    const single = await concurrently(some.length, 16, (i) => infer(loop.url, 'churn', churnRequest([some[i]!])));
    expect(single.map((r) => r.status)).toEqual(some.map(() => 200));
    expect(single.map((r) => output(r.body, 'label')[0])).toEqual(output(whole.body, 'label'));
    const probabilities = single.flatMap((r) => output(r.body, 'probabilities') as number[]);
    (output(whole.body, 'probabilities') as number[]).forEach((p, i) => expect(probabilities[i]).toBeCloseTo(p, 6));
  });

  it('runs requests that queue while the instance is busy as one batch', async () => {
    const answers = await concurrently(24, 12, (i) => infer(loop.url, 'adder', { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: i % 3 === 0 ? [-7, 0.05] : [i, 1] }] }));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    expect(Math.max(...answers.map((a) => Number(output(a.body, 'rows')[0])))).toBeGreaterThan(1);
    answers.forEach((a, i) => i % 3 !== 0 && expect(output(a.body, 'y')).toEqual([i + 1.5]));
  });
});

describe('binary extension', () => {
  it('takes BYTES and FP32 inputs as raw bytes and answers raw bytes equal to the JSON answer', async () => {
    const { rows } = goldenRows(CHURN, 'churned');
    const some = rows.slice(0, 5);
    const json = await infer(loop.url, 'churn', churnRequest(some));
    const bytes = toBytes('BYTES', some.flat());
    const header = Buffer.from(JSON.stringify({
      inputs: [{ name: 'input', datatype: 'BYTES', shape: [5, 5], parameters: { binary_data_size: bytes.length } }],
      parameters: { binary_data_output: true },
    }));
    const response = await fetch(`${loop.url}/v2/models/churn/infer`, {
      method: 'POST', headers: { 'inference-header-content-length': String(header.length) }, body: new Uint8Array(Buffer.concat([header, bytes])),
    });
    expect(response.status).toBe(200);
    const body = Buffer.from(await response.arrayBuffer());
    const length = Number(response.headers.get('inference-header-content-length'));
    const reply = JSON.parse(body.subarray(0, length).toString('utf8')) as { outputs: { name: string; datatype: string; parameters: { binary_data_size: number } }[] };
    let offset = length;
    for (const out of reply.outputs) {
      const size = out.parameters.binary_data_size;
      const expected = json.body.outputs.find((o) => o.name === out.name)!;
      expect(body.subarray(offset, offset + size), out.name).toEqual(toBytes(out.datatype, expected.data));
      offset += size;
    }
  });
});

describe('gRPC', () => {
  interface MethodDefinition {
    path: string;
    requestSerialize: (value: object) => Buffer;
    responseDeserialize: (bytes: Buffer) => unknown;
  }
  interface InferReply {
    outputs: { name: string; datatype: string; shape: string[] }[];
    raw_output_contents: Buffer[];
  }
  const service = loadSync(PROTO_PATH, LOADER_OPTIONS)['inference.GRPCInferenceService'] as unknown as Record<string, MethodDefinition>;

  it('answers ModelInfer with raw contents equal to the JSON answer, for each format', async () => {
    const client = new grpc.Client(loop.server.grpcUrl, grpc.credentials.createInsecure());
    const m = service.ModelInfer!;
    const rpc = (request: object): Promise<InferReply> => new Promise((resolve, reject) => {
      client.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, request, new grpc.Metadata(), { deadline: Date.now() + 20_000 }, (err, value) =>
        err ? reject(err) : resolve(value as InferReply));
    });
    try {
      const iris = goldenRows(IRIS, 'species').rows.slice(0, 3);
      const churn = goldenRows(CHURN, 'churned').rows.slice(0, 3);
      const cases = [
        { model: 'iris-xgb', json: irisRequest(iris), datatype: 'FP32', shape: [3, 4], raw: toBytes('FP32', iris.flat().map(Number)) },
        { model: 'churn', json: churnRequest(churn), datatype: 'BYTES', shape: [3, 5], raw: toBytes('BYTES', churn.flat()) },
        { model: 'adder', json: { inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [2, 2] }] }, datatype: 'FP32', shape: [1, 2], raw: toBytes('FP32', [2, 2]) },
      ];
      for (const c of cases) {
        const json = await infer(loop.url, c.model, c.json);
        const name = c.model === 'adder' ? 'x' : 'input';
        const reply = await rpc({ model_name: c.model, inputs: [{ name, datatype: c.datatype, shape: c.shape }], raw_input_contents: [c.raw] });
        reply.outputs.forEach((out, i) => {
          const expected = json.body.outputs.find((o) => o.name === out.name)!;
          if (out.name === 'pid') return; // which instance answered
          expect(reply.raw_output_contents[i], `${c.model} ${out.name}`).toEqual(toBytes(out.datatype, expected.data));
        });
      }
    } finally {
      client.close();
    }
  });
});

describe('profiling', () => {
  it('sweeps runtime configs of a Python-format version (BYTES input) and recommends one', async () => {
    const r = await fetch(`${loop.url}/api/v1/models/churn/versions/1/profile`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sloP99Ms: 500, budgetSeconds: 4, concurrency: [1, 4], minRequests: 20, pointMillis: 100 }),
    });
    expect(r.status).toBe(200);
    const events = (await r.text()).trim().split('\n').map((l) => JSON.parse(l) as { type: string; error?: string; report?: { points: { requests: number }[]; recommended?: unknown } });
    const last = events.at(-1)!;
    expect(last.type, last.error).toBe('report');
    expect(last.report!.points.length).toBeGreaterThan(0);
    expect(last.report!.recommended).toBeDefined();
  }, 60_000);
});

describe('capture', () => {
  it('captures a Python-format model\'s string-category rows and its predictions, and exports them by feature name', async () => {
    await setLoop(loop.url, 'churn', 'capture', { enabled: true, sampleRate: 1 });
    const { rows } = goldenRows(CHURN, 'churned');
    const answers = await Promise.all(rows.slice(0, 6).map((row) => infer(loop.url, 'churn', churnRequest([row]))));
    expect(answers.map((a) => a.status)).toEqual(answers.map(() => 200));
    await loopStatus(loop.url, 'churn'); // flushes the capture buffer
    const exported = await exportJsonl(loop.url, 'churn');
    expect(exported).toHaveLength(6);
    const plans = new Set(exported.map((r) => r.plan));
    expect([...plans].every((p) => ['basic', 'standard', 'premium'].includes(String(p)))).toBe(true);
    expect(exported.map((r) => String(r.prediction)).every((p) => p === 'stay' || p === 'churn')).toBe(true);
  });
});
