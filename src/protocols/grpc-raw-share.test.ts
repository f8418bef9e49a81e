import type { MethodDefinition } from '@grpc/proto-loader';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { loadService } from '../api/grpc-proto.js';
import { bytesBesideRawContents } from './grpc-raw-share.js';

const method = loadService()['ModelInfer'] as MethodDefinition<unknown, unknown>;
const image = Buffer.alloc(4 * 3 * 224 * 224, 7);

describe('bytesBesideRawContents', () => {
  it('leaves raw contents out and counts everything else, typed contents included', () => {
    const raw = method.requestSerialize({ model_name: 'resnet', id: 'r1', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 3, 224, 224] }], raw_input_contents: [image, image] });
    const beside = bytesBesideRawContents(raw);
    expect(beside).toBeLessThan(100);
    expect(beside).toBe(raw.length - 2 * image.length);
    const typed = method.requestSerialize({ model_name: 'm', inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 50_000], contents: { fp32_contents: Array.from({ length: 50_000 }, (_, i) => i) } }] });
    expect(bytesBesideRawContents(typed)).toBe(typed.length);
    expect(bytesBesideRawContents(new Uint8Array(0))).toBe(0);
  });

  it('counts a message that is not protobuf at its top level whole, and never throws', () => {
    const raw = method.requestSerialize({ model_name: 'm', raw_input_contents: [image] });
    expect(bytesBesideRawContents(raw.subarray(0, raw.length - 1))).toBe(raw.length - 1); // a length past the end
    expect(bytesBesideRawContents(Uint8Array.of(0x0b, 1, 2))).toBe(3); // wire type 3 (a group): not in this message
    expect(bytesBesideRawContents(Uint8Array.of(0x08, 0xff, 0xff))).toBe(3); // a varint that never ends
    expect(bytesBesideRawContents(Uint8Array.of(0x09, 1, 2))).toBe(3); // a fixed64 cut short
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
      const n = bytesBesideRawContents(bytes);
      return n >= 0 && n <= bytes.length;
    }));
  });
});
