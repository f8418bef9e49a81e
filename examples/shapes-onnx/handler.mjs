// Pre/post-processing of the shapes-onnx example, beside its ONNX instances in their worker threads: JPEG/PNG bytes
// (base64 text, one BYTES element per image) -> the model's normalised 32x32 RGB tensor; class probabilities -> the
// top-3 labels and their scores, and the top class id (what the golden test checks). No imports: Slipway's
// handler context (ctx) decodes and resizes. It matches examples/shapes-torch/handler.py step for step, so both
// packages answer alike.

const LABELS = ['red-disc', 'green-square', 'blue-triangle', 'yellow-ring', 'white-cross'];
const SIZE = 32;

export function preprocess(inputs, ctx) {
  const images = inputs.image.data.map((element) => ctx.resizeImage(ctx.decodeImage(element), SIZE, SIZE));
  return { image: ctx.imagesToTensor(images, { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] }) };
}

export function postprocess(outputs, _inputs, ctx) {
  const p = outputs.probabilities;
  const [rows, classes] = p.shape;
  const top = ctx.topK(p.data, rows, 3);
  return {
    labels: { datatype: 'BYTES', shape: [rows, 3], data: top.flatMap((row) => row.map((i) => LABELS[i])) },
    scores: { datatype: 'FP32', shape: [rows, 3], data: Float32Array.from(top.flatMap((row, r) => row.map((i) => p.data[r * classes + i]))) },
    label: { datatype: 'INT64', shape: [rows], data: BigInt64Array.from(top, (row) => BigInt(row[0])) },
  };
}
