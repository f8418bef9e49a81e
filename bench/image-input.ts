// A realistic image-like ResNet input: a seeded, smooth-plus-noise picture, ImageNet-normalised to about [-2, 2], 7 significant digits.

import { RESNET_IMAGE_SHAPE } from './resnet18.js';
import { SeededRandom } from '../src/core/seeded-random.js';

const MEAN = [0.485, 0.456, 0.406];
const STD = [0.229, 0.224, 0.225];

/** One [3, 224, 224] image as float32 (values rounded to 7 significant digits, like a decoded and normalised photo). */
export function imageInput(seed = 7): Float32Array {
  const [channels, height, width] = RESNET_IMAGE_SHAPE;
  const rng = new SeededRandom(seed);
  const out = new Float32Array(channels * height * width);
  const phase = [rng.between(0, 6), rng.between(0, 6), rng.between(0, 6)];
  for (let c = 0; c < channels; c++) {
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const smooth = 0.5 + 0.25 * Math.sin(x / 17 + (phase[c] ?? 0)) * Math.cos(y / 23) + 0.15 * Math.sin((x + y) / 41);
        const pixel = Math.min(255, Math.max(0, Math.round(255 * smooth + rng.normalRedrawingZero() * 12)));
        const normalised = (pixel / 255 - (MEAN[c] ?? 0)) / (STD[c] ?? 1) + rng.normalRedrawingZero() * 1e-3; // resize/interpolation noise
        out[(c * height + y) * width + x] = Number(normalised.toPrecision(7));
      }
    }
  }
  return out;
}
