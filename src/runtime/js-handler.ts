// A JavaScript pre/post-processing handler beside an ONNX instance: loading the package's handler module, the context
// object Slipway hands it (image decoding, resizing, normalising, top-k), and one handled run around the model.

import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { arrayConstructor, isDataType, type DataType, type TensorData } from '../core/datatype.js';
import { InternalError, InvalidInputError } from '../core/errors.js';
import { shapeSize, type Tensor } from '../core/tensor.js';
import { decodeImage, imageBytes, imagesToTensor, resizeImage, topK } from './image-ops.js';
import type { HandlerMicros, ModelSource } from './runner.js';

/** A tensor as handlers see and return it: the v2 datatype, the shape, a flat typed array (BYTES: strings). */
export interface HandlerTensor {
  datatype: DataType;
  shape: number[];
  data: TensorData;
}

export type HandlerTensors = Record<string, HandlerTensor>;

/** What Slipway gives every handler call: no npm packages needed for images and top-k. */
export const HANDLER_CONTEXT = Object.freeze({
  decodeImage, imageBytes, resizeImage, imagesToTensor, topK,
  /** Refuses the batch's input as the client's fault (400 with `message`), where any other throw is an error (500). */
  refuse(message: string): never {
    throw new InvalidInputError(message);
  },
});

export type HandlerContext = typeof HANDLER_CONTEXT;

/** A handler module's exports: either stage may be absent (the tensors then pass through). */
interface HandlerModule {
  preprocess?: (inputs: HandlerTensors, ctx: HandlerContext) => HandlerTensors | Promise<HandlerTensors>;
  postprocess?: (outputs: HandlerTensors, inputs: HandlerTensors, ctx: HandlerContext) => HandlerTensors | Promise<HandlerTensors>;
}

const EXTENSIONS = ['.js', '.mjs'];

function byName(tensors: readonly Tensor[]): HandlerTensors {
  const out: HandlerTensors = {};
  for (const t of tensors) out[t.name] = { datatype: t.datatype, shape: t.shape, data: t.data };
  return out;
}

/** A stage's answer as tensors, each checked (datatype, shape against the data's length and array type). */
function tensorsOf(value: unknown, stage: string, names: readonly string[]): Tensor[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InternalError(`the handler's ${stage} returned ${Array.isArray(value) ? 'an array' : String(value)}, expected an object of tensor name -> {datatype, shape, data}`);
  }
  const record = value as Record<string, unknown>;
  return names.map((name) => {
    const t = record[name] as Partial<HandlerTensor> | undefined;
    if (t === undefined) throw new InternalError(`the handler's ${stage} returned no tensor "${name}" (it returned ${Object.keys(record).map((k) => `"${k}"`).join(', ') || 'none'})`);
    const where = `the handler's ${stage}: tensor "${name}"`;
    if (!isDataType(t.datatype)) throw new InternalError(`${where} has datatype ${String(t.datatype)}, expected a v2 datatype such as FP32`);
    if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new InternalError(`${where} needs a shape: a list of dimensions`);
    const data = t.data;
    const typed = t.datatype === 'BYTES' ? Array.isArray(data) : data instanceof arrayConstructor(t.datatype);
    if (!typed) throw new InternalError(`${where} has data of the wrong kind for ${t.datatype} (${t.datatype === 'BYTES' ? 'an array of strings' : arrayConstructor(t.datatype).name})`);
    if (data!.length !== shapeSize(t.shape)) throw new InternalError(`${where} has ${data!.length} elements, its shape [${t.shape.join(',')}] holds ${shapeSize(t.shape)}`);
    return { name, datatype: t.datatype, shape: t.shape, data: data! };
  });
}

const micros = (since: number): number => (performance.now() - since) * 1000;

export class JsHandler {
  private constructor(
    private readonly module: HandlerModule,
    readonly path: string,
  ) {}

  /**
   * Imports the package's handler (an ES module, one self-contained file: it is loaded from its bytes, so it cannot
   * import the package's other files). Errors: InvalidInputError naming the file and what it lacks.
   */
  static async load(source: ModelSource): Promise<JsHandler> {
    const path = source.package?.handler;
    if (!path) throw new InternalError('no handler in this package');
    if (!EXTENSIONS.some((e) => path.endsWith(e))) {
      throw new InvalidInputError(`handler "${path}": an onnx model's handler is JavaScript (an ES module, .js or .mjs); Python handlers run beside Python-format models`);
    }
    const file = source.package?.files.find((f) => f.path === path);
    if (!file) throw new InvalidInputError(`handler "${path}" is not among the package's files`);
    const text = await readFile(file.local);
    let module: HandlerModule;
    try {
      module = (await import(`data:text/javascript;base64,${text.toString('base64')}`)) as HandlerModule;
    } catch (err) {
      throw new InvalidInputError(`handler "${path}" does not load as an ES module: ${(err as Error).message}`);
    }
    for (const stage of ['preprocess', 'postprocess'] as const) {
      const fn: unknown = module[stage];
      if (fn !== undefined && typeof fn !== 'function') throw new InvalidInputError(`handler "${path}": export "${stage}" is not a function`);
    }
    if (!module.preprocess && !module.postprocess) throw new InvalidInputError(`handler "${path}" exports neither preprocess nor postprocess`);
    return new JsHandler(module, path);
  }

  /**
   * One batch: preprocess the client's inputs into the model's (`modelInputs` names them), run the model for every
   * output it has, postprocess into the client's `wanted` outputs. Timings are the handler's own, apart from the model.
   */
  async run(
    inputs: Tensor[], wanted: readonly string[], modelInputs: readonly string[], modelOutputs: readonly string[],
    model: (inputs: Tensor[], outputNames: string[]) => Promise<Tensor[]>,
  ): Promise<{ outputs: Tensor[]; micros: HandlerMicros }> {
    const clientInputs = byName(inputs);
    let at = performance.now();
    const pre = this.module.preprocess;
    const fed = pre ? tensorsOf(await pre(clientInputs, HANDLER_CONTEXT), 'preprocess', modelInputs) : inputs;
    const preMicros = micros(at);
    const answered = await model(fed, [...(this.module.postprocess ? modelOutputs : wanted)]);
    at = performance.now();
    const post = this.module.postprocess;
    const outputs = post ? tensorsOf(await post(byName(answered), clientInputs, HANDLER_CONTEXT), 'postprocess', wanted) : answered;
    return { outputs, micros: { pre: preMicros, post: micros(at) } };
  }
}
