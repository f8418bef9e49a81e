// Image work a pre-processing handler needs, without npm packages of its own: decode JPEG/PNG, resize, normalise into a
// tensor, and pick the top-k classes. Pure functions over typed arrays (the handler context hands them to handlers).

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { InvalidInputError } from '../core/errors.js';

/** A decoded image: RGBA, 8 bits a channel, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Images larger than this are refused before decoding (a small JPEG can claim a huge size). */
const MAX_PIXELS = 40_000_000;

/**
 * Bytes of an image as a client sent them in a BYTES element: Slipway passes BYTES elements as text, so binary images
 * arrive base64-encoded (standard or URL-safe alphabet, an optional `data:...;base64,` prefix: a file's own bytes sent
 * over a binary wire arrive as `data:application/octet-stream;base64,...`); raw bytes are taken as they are.
 */
export function imageBytes(element: string | Uint8Array): Uint8Array {
  if (typeof element !== 'string') return element;
  const comma = element.startsWith('data:') ? element.indexOf(',') : -1;
  return Buffer.from(comma >= 0 ? element.slice(comma + 1) : element, 'base64');
}

/**
 * Decodes a JPEG or PNG (judged by its first bytes). An empty element is a 1×1 black image: warm-up and load checks
 * send empty BYTES elements, and a handler should pass them without a special case.
 */
export function decodeImage(element: string | Uint8Array): RgbaImage {
  const bytes = imageBytes(element);
  if (bytes.length === 0) return { width: 1, height: 1, data: new Uint8Array([0, 0, 0, 255]) };
  try {
    if (bytes[0] === 0xff && bytes[1] === 0xd8) {
      const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_PIXELS / 1e6, maxMemoryUsageInMB: 512 });
      return { width: img.width, height: img.height, data: img.data };
    }
    if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) {
      const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      if (png.width * png.height > MAX_PIXELS) throw new Error(`${png.width}×${png.height} pixels is more than ${MAX_PIXELS}`);
      return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
    }
  } catch (err) {
    throw new InvalidInputError(`the image does not decode: ${(err as Error).message}`);
  }
  throw new InvalidInputError('the image is neither JPEG nor PNG (send the file\'s bytes as one BYTES element: base64 text, or raw over the binary extension or gRPC)');
}

/**
 * Bilinear resize with half-pixel centres (the sampling OpenCV and PyTorch's `align_corners=False` use), no
 * antialiasing: simple enough to write identically in a Python handler, so both give the same pixels.
 */
export function resizeImage(image: RgbaImage, width: number, height: number): RgbaImage {
  if (image.width === width && image.height === height) return image;
  const out = new Uint8Array(width * height * 4);
  const sx = image.width / width;
  const sy = image.height / height;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), image.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, image.height - 1);
    const wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), image.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, image.width - 1);
      const wx = fx - x0;
      const a = (y0 * image.width + x0) * 4;
      const b = (y0 * image.width + x1) * 4;
      const c = (y1 * image.width + x0) * 4;
      const d = (y1 * image.width + x1) * 4;
      const o = (y * width + x) * 4;
      for (let ch = 0; ch < 4; ch++) {
        const top = image.data[a + ch]! * (1 - wx) + image.data[b + ch]! * wx;
        const bottom = image.data[c + ch]! * (1 - wx) + image.data[d + ch]! * wx;
        out[o + ch] = Math.round(top * (1 - wy) + bottom * wy);
      }
    }
  }
  return { width, height, data: out };
}

export interface NormaliseOptions {
  /** Per-channel mean and standard deviation of the RGB values scaled to [0, 1]; default 0 and 1. */
  mean?: readonly [number, number, number];
  std?: readonly [number, number, number];
  /** Channels first (`NCHW`, PyTorch's default) or last (`NHWC`); default NCHW. */
  layout?: 'NCHW' | 'NHWC';
}

/**
 * Same-sized images as one FP32 batch tensor [n, 3, h, w] (or [n, h, w, 3]): RGB scaled to [0, 1], then (x - mean) / std.
 * Alpha is dropped.
 */
export function imagesToTensor(images: readonly RgbaImage[], options: NormaliseOptions = {}): { datatype: 'FP32'; shape: number[]; data: Float32Array } {
  const first = images[0];
  const width = first?.width ?? 0;
  const height = first?.height ?? 0;
  const mean = options.mean ?? [0, 0, 0];
  const std = options.std ?? [1, 1, 1];
  const nchw = (options.layout ?? 'NCHW') === 'NCHW';
  const plane = width * height;
  const data = new Float32Array(images.length * plane * 3);
  images.forEach((img, n) => {
    if (img.width !== width || img.height !== height) {
      throw new InvalidInputError(`image ${n} is ${img.width}×${img.height}, the first is ${width}×${height}: resize them to one size first`);
    }
    const base = n * plane * 3;
    for (let p = 0; p < plane; p++) {
      for (let ch = 0; ch < 3; ch++) {
        const value = (img.data[p * 4 + ch]! / 255 - mean[ch]!) / std[ch]!;
        data[nchw ? base + ch * plane + p : base + p * 3 + ch] = value;
      }
    }
  });
  const shape = nchw ? [images.length, 3, height, width] : [images.length, height, width, 3];
  return { datatype: 'FP32', shape, data };
}

/** The indexes of the k largest values of each row of a [rows, classes] array, largest first (ties: lower index first). */
export function topK(scores: ArrayLike<number>, rows: number, k: number): number[][] {
  const classes = rows === 0 ? 0 : scores.length / rows;
  const result: number[][] = [];
  for (let r = 0; r < rows; r++) {
    const order = Array.from({ length: classes }, (_, i) => i);
    order.sort((a, b) => scores[r * classes + b]! - scores[r * classes + a]! || a - b);
    result.push(order.slice(0, Math.min(k, classes)));
  }
  return result;
}
