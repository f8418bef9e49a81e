// The handler context's image work: decoding what jpeg-js and pngjs wrote, resizing, normalising, top-k.

import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { decodeImage, imagesToTensor, resizeImage, topK } from './image-ops.js';

const pixels = (w: number, h: number, rgba: (x: number, y: number) => number[]): Uint8Array => {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data.set(rgba(x, y), (y * w + x) * 4);
  return data;
};

describe('decodeImage', () => {
  it('decodes a PNG exactly and a JPEG closely, from base64 text or bytes', () => {
    const data = pixels(5, 3, (x, y) => [x * 50, y * 100, 7, 255]);
    const png = PNG.sync.write(Object.assign(new PNG({ width: 5, height: 3 }), { data: Buffer.from(data) }));
    expect(decodeImage(png.toString('base64'))).toEqual({ width: 5, height: 3, data });
    expect(decodeImage(`data:image/png;base64,${png.toString('base64')}`).data).toEqual(data);
    const flat = pixels(16, 16, () => [200, 30, 60, 255]);
    const img = decodeImage(new Uint8Array(jpeg.encode({ data: flat, width: 16, height: 16 }, 100).data));
    expect([img.width, img.height]).toEqual([16, 16]);
    for (let i = 0; i < flat.length; i++) expect(Math.abs(img.data[i]! - flat[i]!)).toBeLessThanOrEqual(3);
  });

  it('takes an empty element as one black pixel and refuses what is not an image', () => {
    expect(decodeImage('')).toEqual({ width: 1, height: 1, data: new Uint8Array([0, 0, 0, 255]) });
    expect(() => decodeImage(Buffer.from('hello').toString('base64'))).toThrow(InvalidInputError);
    expect(() => decodeImage(Buffer.from([0xff, 0xd8, 1, 2, 3]).toString('base64'))).toThrow('the image does not decode');
  });
});

describe('resizeImage, imagesToTensor, topK', () => {
  it('resizes bilinearly with half-pixel centres', () => {
    const img = { width: 2, height: 1, data: new Uint8Array([0, 0, 0, 255, 100, 200, 40, 255]) };
    const wide = resizeImage(img, 4, 1);
    expect([...wide.data.filter((_, i) => i % 4 === 0)]).toEqual([0, 25, 75, 100]);
    expect(resizeImage(img, 2, 1)).toBe(img);
  });

  it('lays images out as normalised NCHW or NHWC', () => {
    const img = { width: 1, height: 2, data: new Uint8Array([255, 0, 51, 255, 0, 255, 102, 255]) };
    const nchw = imagesToTensor([img, img], { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] });
    expect(nchw.shape).toEqual([2, 3, 2, 1]);
    expect([...nchw.data.slice(0, 6)].map((v) => Math.round(v * 100) / 100)).toEqual([1, -1, -1, 1, -0.6, -0.2]);
    expect(imagesToTensor([img], { layout: 'NHWC' }).shape).toEqual([1, 2, 1, 3]);
    expect(() => imagesToTensor([img, { width: 2, height: 2, data: new Uint8Array(16) }])).toThrow('resize them to one size first');
  });

  it('picks the k largest per row, ties to the lower index', () => {
    expect(topK(new Float32Array([0.1, 0.5, 0.5, 0.2, 0.9, 0, 0, 0.1]), 2, 3)).toEqual([[1, 2, 3], [0, 3, 1]]);
  });
});
