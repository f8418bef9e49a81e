// The runner <-> Python worker wire: frames survive any chunking of the stream, every datatype round-trips, numeric
// tensors are not copied on the way out.

import { describe, expect, it } from 'vitest';
import type { Tensor } from '../core/tensor.js';
import { decodeTensors, encodeFrame, FrameReader, type Frame } from './python-frames.js';

const TENSORS: Tensor[] = [
  { name: 'f', datatype: 'FP32', shape: [2, 2], data: new Float32Array([1.5, -2, 3, 4]) },
  { name: 's', datatype: 'BYTES', shape: [3], data: ['north', '', 'Zürich ✓'] },
  { name: 'i', datatype: 'INT64', shape: [2], data: new BigInt64Array([-1n, 2n ** 40n]) },
  { name: 'b', datatype: 'BOOL', shape: [3], data: new Uint8Array([1, 0, 1]) },
  { name: 'h', datatype: 'FP16', shape: [1], data: new Uint16Array([0x3c00]) },
];

function readAll(bytes: Buffer, chunk: number): Frame[] {
  const frames: Frame[] = [];
  const reader = new FrameReader((f) => frames.push(f));
  for (let at = 0; at < bytes.length; at += chunk) reader.push(bytes.subarray(at, at + chunk));
  return frames;
}

describe('python frames', () => {
  it('round-trips every datatype, whatever the chunks the pipe delivers', () => {
    const stream = Buffer.concat([...encodeFrame({ op: 'run', id: 7, outputs: ['y'] }, TENSORS), ...encodeFrame({ op: 'loaded', id: 8 })]);
    for (const chunk of [1, 3, 64, stream.length]) {
      const frames = readAll(stream, chunk);
      expect(frames.map((f) => [f.header.op, f.header.id])).toEqual([['run', 7], ['loaded', 8]]);
      expect(frames[0]!.header.outputs).toEqual(['y']);
      expect(decodeTensors(frames[0]!)).toEqual(TENSORS);
      expect(decodeTensors(frames[1]!)).toEqual([]);
    }
  });

  it('writes a numeric tensor as a view of its own memory', () => {
    const data = new Float32Array([1, 2, 3]);
    const parts = encodeFrame({ op: 'run', id: 1 }, [{ name: 'x', datatype: 'FP32', shape: [3], data }]);
    expect(parts.at(-1)!.buffer).toBe(data.buffer);
  });

  it('starts every tensor at an 8-byte boundary of the payload', () => {
    const [frame] = readAll(Buffer.concat(encodeFrame({ op: 'run', id: 1 }, TENSORS)), 5);
    expect(frame!.header.tensors!.map((t) => t.offset % 8)).toEqual(TENSORS.map(() => 0));
  });
});
