// Checks the bit-width-1 RLE/bit-packed hybrid encoder byte for byte, and round-trips it through a reference decoder.

import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/seeded-random.js';
import { encodeBitWidth1Levels } from './rle-hybrid.js';

/** The format as the Parquet spec (Encodings.md) describes it, decoded as simply as possible. */
function decode(encoded: Uint8Array, count: number): number[] {
  const out: number[] = [];
  let i = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      const byte = encoded[i++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
      scale *= 0x80;
    }
  };
  while (out.length < count) {
    const header = varint();
    if (header % 2 === 0) {
      const value = encoded[i++]!;
      for (let k = 0; k < header / 2; k++) out.push(value);
    } else {
      const groups = (header - 1) / 2;
      for (let g = 0; g < groups; g++, i++) for (let b = 0; b < 8; b++) out.push((encoded[i]! >> b) & 1);
    }
  }
  expect(i).toBe(encoded.byteLength);
  return out.slice(0, count);
}

const levels = (values: number[]): Uint8Array => Uint8Array.from(values);

describe('encodeBitWidth1Levels', () => {
  it('writes a long run of one value as a single RLE run', () => {
    expect([...encodeBitWidth1Levels(levels(new Array<number>(100).fill(1)))]).toEqual([0xc8, 0x01, 0x01]);
    expect([...encodeBitWidth1Levels(levels(new Array<number>(8).fill(0)))]).toEqual([0x10, 0x00]);
  });

  it('bit-packs alternating values least significant bit first, padding only the last group', () => {
    expect([...encodeBitWidth1Levels(levels([1, 0, 1, 1, 0, 0, 0, 1, 1]))]).toEqual([0x05, 0x8d, 0x01]);
  });

  it('switches from bit-packing to RLE where a long run begins on a group boundary', () => {
    const values = [1, 0, 1, 0, 1, 0, 1, 0, ...new Array<number>(40).fill(1)];
    expect([...encodeBitWidth1Levels(levels(values))]).toEqual([0x03, 0x55, 0x50, 0x01]);
  });

  it('encodes a sub-range of the levels', () => {
    const all = levels([0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 0]);
    expect(decode(encodeBitWidth1Levels(all, 2, 10), 8)).toEqual([1, 1, 1, 1, 1, 1, 1, 1]);
    expect(encodeBitWidth1Levels(all, 3, 3)).toHaveLength(0);
  });

  it('round-trips random mixes of runs and noise', () => {
    const random = mulberry32(12345);
    for (let trial = 0; trial < 200; trial++) {
      const values: number[] = [];
      const length = Math.floor(random() * 400);
      while (values.length < length) {
        const runny = random() < 0.5;
        const span = Math.floor(random() * 40) + 1;
        const value = random() < 0.5 ? 0 : 1;
        for (let k = 0; k < span; k++) values.push(runny ? value : random() < 0.5 ? 0 : 1);
      }
      values.length = length;
      expect(decode(encodeBitWidth1Levels(levels(values)), length)).toEqual(values);
    }
  });
});
