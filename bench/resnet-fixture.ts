// The ResNet workload: the generated model, one image as every protocol sends it, and raw onnxruntime's reference logits.

import { referenceOutputs, type RawInput } from './raw-onnxruntime.js';
import { imageInput } from './image-input.js';
import { encodeInfer, type ModelInferRequest } from './grpc-client.js';
import { generateResnet18, RESNET_IMAGE_SHAPE, RESNET_INPUT, RESNET_OUTPUT, verifyResnet18, type GeneratedModel } from './resnet18.js';

export interface ResnetFixture {
  model: GeneratedModel;
  generateMs: number;
  raw: RawInput;
  reference: Float32Array;
  /** v2 JSON body, numbers as a numpy `tolist()` client writes float32 values (shortest double repr). */
  jsonBody: string;
  /** Binary-extension body (JSON header + raw FP32), asking for binary outputs. */
  binaryBody: Buffer;
  binaryHeaders: Record<string, string>;
  /** Raw FP32 bytes, for the naive server's raw route. */
  rawBody: Buffer;
  grpcRequest: ModelInferRequest;
  grpcEncoded: Buffer;
  /** The same image in contents.fp32_contents (packed floats), as KServe's Python client sends it. */
  grpcTypedRequest: ModelInferRequest;
  grpcTypedEncoded: Buffer;
}

export async function resnetFixture(endpoint: string): Promise<ResnetFixture> {
  const t0 = performance.now();
  const model = await generateResnet18();
  const image = imageInput();
  await verifyResnet18(model.path, image);
  const generateMs = performance.now() - t0;
  const shape = [1, ...RESNET_IMAGE_SHAPE];
  const raw: RawInput = { modelPath: model.path, inputName: RESNET_INPUT, data: image, shape };
  const reference = Float32Array.from((await referenceOutputs(raw))[RESNET_OUTPUT] ?? []);
  const rawBody = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  const header = Buffer.from(
    JSON.stringify({ inputs: [{ name: RESNET_INPUT, datatype: 'FP32', shape, parameters: { binary_data_size: rawBody.length } }], parameters: { binary_data_output: true } }),
  );
  const grpcRequest: ModelInferRequest = { model_name: endpoint, inputs: [{ name: RESNET_INPUT, datatype: 'FP32', shape }], raw_input_contents: [rawBody] };
  const grpcTypedRequest: ModelInferRequest = { model_name: endpoint, inputs: [{ name: RESNET_INPUT, datatype: 'FP32', shape, contents: { fp32_contents: Array.from(image) } }] };
  return {
    model,
    generateMs,
    raw,
    reference,
    jsonBody: JSON.stringify({ inputs: [{ name: RESNET_INPUT, datatype: 'FP32', shape, data: Array.from(image) }] }),
    binaryBody: Buffer.concat([header, rawBody]),
    binaryHeaders: { 'content-type': 'application/octet-stream', 'inference-header-content-length': String(header.length) },
    rawBody,
    grpcRequest,
    grpcEncoded: encodeInfer(grpcRequest),
    grpcTypedRequest,
    grpcTypedEncoded: encodeInfer(grpcTypedRequest),
  };
}
