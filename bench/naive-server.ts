// Naive baseline server (run as a child process): plain Fastify + onnxruntime-node on the main thread, what a first attempt looks like.
// POST /v2/models/:name/infer: JSON.parse body → Float32Array → session.run → JSON reply (v2 shape, so the same clients and checks apply).
// POST /v2/models/:name/infer-raw?shape=1,3,224,224: raw little-endian float32 body → session.run → raw float32 bytes of the first output.
// Usage: node --import tsx bench/naive-server.ts <model.onnx> [--intra-op N]   (without --intra-op: onnxruntime's defaults)

import Fastify from 'fastify';
import * as ort from 'onnxruntime-node';

interface V2Input {
  name: string;
  shape: number[];
  data: number[];
}

const [modelPath, ...rest] = process.argv.slice(2);
if (!modelPath) throw new Error('usage: naive-server.ts <model.onnx> [--intra-op N]');
const intraIndex = rest.indexOf('--intra-op');
const intraOp = intraIndex >= 0 ? Number(rest[intraIndex + 1]) : undefined;

const session = await ort.InferenceSession.create(modelPath, intraOp === undefined ? {} : { intraOpNumThreads: intraOp });
const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

function datatype(type: string): string {
  return ({ float32: 'FP32', float64: 'FP64', int64: 'INT64', int32: 'INT32', bool: 'BOOL' } as Record<string, string>)[type] ?? type.toUpperCase();
}

app.post<{ Params: { name: string }; Body: { inputs: V2Input[] } }>('/v2/models/:name/infer', async (req) => {
  const feeds: Record<string, ort.Tensor> = {};
  for (const input of req.body.inputs) feeds[input.name] = new ort.Tensor('float32', Float32Array.from(input.data), input.shape);
  const results = await session.run(feeds);
  return {
    model_name: req.params.name,
    outputs: Object.entries(results).map(([name, t]) => ({
      name,
      datatype: datatype(t.type),
      shape: t.dims,
      data: t.data instanceof BigInt64Array ? Array.from(t.data, Number) : Array.from(t.data as Float32Array),
    })),
  };
});

app.post<{ Params: { name: string }; Querystring: { shape: string }; Body: Buffer }>('/v2/models/:name/infer-raw', async (req, reply) => {
  const body = req.body;
  const data = new Float32Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  const inputName = session.inputNames[0] ?? 'input';
  const results = await session.run({ [inputName]: new ort.Tensor('float32', data, req.query.shape.split(',').map(Number)) });
  const first = results[session.outputNames[0] ?? ''];
  if (!first) throw new Error('model produced no output');
  const out = first.data as Float32Array;
  return reply.type('application/octet-stream').send(Buffer.from(out.buffer, out.byteOffset, out.byteLength));
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`naive server listening on ${address}`);
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
