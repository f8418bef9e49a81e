// ModelInferRequest bytes decoded with their packed FP32/FP64 contents taken out as typed arrays give what decoding the
// whole message with protobufjs gave: the same request, or the same error.

import fc from 'fast-check';
import type { MethodDefinition } from '@grpc/proto-loader';
import { describe, expect, it } from 'vitest';
import { fuzz, mutated } from '../../test/support/fuzz.js';
import { InternalError } from '../core/errors.js';
import { splitPackedContents } from '../protocols/grpc-packed-contents.js';
import { varintLength, writeVarint } from '../protocols/protobuf-wire.js';
import { decodeModelInferRequest, type GrpcModelInferRequest } from '../protocols/v2-grpc.js';
import { decodeModelInferBytes, loadService, UNDECODABLE_MESSAGE } from './grpc-proto.js';

const method = loadService()['ModelInfer'] as MethodDefinition<GrpcModelInferRequest, unknown>;

/** What decodeModelInferBytes did before packed contents were taken out: protobufjs decodes the whole message. */
function wholeMessage(bytes: Uint8Array): unknown {
  let message: GrpcModelInferRequest;
  try {
    message = method.requestDeserialize(Buffer.from(bytes));
  } catch {
    throw new InternalError(UNDECODABLE_MESSAGE);
  }
  return decodeModelInferRequest(message);
}

function outcome(read: () => unknown): unknown {
  try {
    return { value: read() };
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message };
  }
}

const same = (bytes: Uint8Array): void => {
  expect(outcome(() => decodeModelInferBytes(Buffer.from(bytes)))).toEqual(outcome(() => wholeMessage(bytes)));
};

// A few protobuf writers, for messages a serializer would not write (split or unpacked fields, repeated contents).
const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));
const varint = (v: number): Uint8Array => {
  const out = new Uint8Array(varintLength(v));
  writeVarint(out, 0, v);
  return out;
};
const len = (field: number, payload: Uint8Array): Uint8Array => concat(varint((field << 3) | 2), varint(payload.length), payload);
const text = (field: number, s: string): Uint8Array => len(field, Buffer.from(s));
const shape = (...dims: number[]): Uint8Array => len(3, concat(...dims.map(varint)));
const f32 = (values: number[]): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);
const f64 = (values: number[]): Uint8Array => new Uint8Array(Float64Array.from(values).buffer);
const unpacked32 = (values: number[]): Uint8Array => concat(...values.map((v) => concat(varint((6 << 3) | 5), f32([v]))));
const input = (...fields: Uint8Array[]): Uint8Array => len(5, concat(...fields));
const request = (...inputs: Uint8Array[]): Uint8Array => concat(text(1, 'm'), text(3, 'r'), ...inputs);
const numbers = (n: number, seed = 1): number[] => Array.from({ length: n }, (_, i) => Math.fround(Math.sin(i * seed) * 100));

describe('ModelInferRequest with packed typed contents', () => {
  it('takes FP32 and FP64 contents out as typed arrays and decodes the rest as before', () => {
    const bytes = method.requestSerialize({
      model_name: 'm', model_version: '2', id: 'r', parameters: { p: { int64_param: 3 } }, outputs: [{ name: 'y' }],
      inputs: [
        { name: 'a', datatype: 'FP32', shape: [2, 1000], contents: { fp32_contents: numbers(2000) }, parameters: { q: { string_param: 'x' } } },
        { name: 'b', datatype: 'INT32', shape: [3], contents: { int_contents: [1, -2, 3] } },
        { name: 'c', datatype: 'FP64', shape: [600], contents: { fp64_contents: numbers(600, 3).map((v) => v / 7) } },
        { name: 'd', datatype: 'FP32', shape: [2], contents: { fp32_contents: [0.5, -1] } },
      ],
    });
    const split = splitPackedContents(bytes);
    expect(split?.packed.map((p) => [p.input, p.field, p.values.length])).toEqual([[0, 'fp32_contents', 2000], [2, 'fp64_contents', 600], [3, 'fp32_contents', 2]]);
    expect(split!.rest.length).toBeLessThan(bytes.length - 2000 * 4 - 600 * 8 + 64);
    same(bytes);
    const decoded = decodeModelInferBytes(bytes);
    expect(decoded.inputs[0]!.data).toEqual(Float32Array.from(numbers(2000)));
    expect(decoded.inputs[2]!.data).toBeInstanceOf(Float64Array);
  });

  it('reads contents written in pieces, with fields after them, as the whole-message decoder does', () => {
    const a = numbers(1500);
    same(request(input(text(1, 'x'), len(5, concat(len(6, f32(a.slice(0, 700))), len(6, f32(a.slice(700))))), text(2, 'FP32'), shape(1500))));
  });

  it('leaves to the decoder what it must read itself: unpacked floats, contents in two pieces, partial elements', () => {
    const a = numbers(1200);
    const header = [text(1, 'x'), text(2, 'FP32'), shape(1200)];
    const cases = {
      'unpacked and packed mixed': request(input(...header, len(5, concat(unpacked32(a.slice(0, 10)), len(6, f32(a.slice(10))))))),
      'contents twice': request(input(...header, len(5, len(6, f32(a.slice(0, 600)))), len(5, len(6, f32(a.slice(600)))))),
      'a partial float': request(input(...header, len(5, len(6, f32(a).subarray(0, 4 * 1200 - 1)))), text(3, 'after')),
      'count mismatch': request(input(text(1, 'x'), text(2, 'FP32'), shape(1201), len(5, len(6, f32(a))))),
      'FP64 data for FP32': request(input(...header, len(5, len(7, f64(a))))),
      'two kinds at once': request(input(...header, len(5, concat(len(6, f32(a)), len(7, f64(a)))))),
    };
    for (const [name, bytes] of Object.entries(cases)) {
      expect(outcome(() => decodeModelInferBytes(Buffer.from(bytes))), name).toEqual(outcome(() => wholeMessage(bytes)));
    }
    expect(splitPackedContents(cases['contents twice'])).toBeUndefined();
  });

  it('decodes any mutation of such a message as the whole-message decoder does', () => {
    const valid = fc.tuple(fc.integer({ min: 1025, max: 2000 }), fc.boolean(), fc.nat({ max: 3 })).map(([n, fp64, extra]) =>
      request(
        ...Array.from({ length: extra }, (_, i) => input(text(1, `e${i}`), text(2, 'INT32'), shape(1), len(5, len(2, varint(i))))),
        input(text(1, 'x'), text(2, fp64 ? 'FP64' : 'FP32'), shape(n), len(5, len(fp64 ? 7 : 6, fp64 ? f64(numbers(n)) : f32(numbers(n))))),
      ),
    );
    fuzz('grpc packed contents, mutated', 300, mutated(valid), same);
    // Edits only where the structure is (keys, lengths, names, shapes), not in the numbers, which most random edits hit.
    const structural = fc.tuple(valid, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()), { minLength: 1, maxLength: 4 })).map(([bytes, edits]) => {
      const payload = splitPackedContents(bytes)!.packed.reduce((n, p) => n + p.values.byteLength, 0);
      const out = Array.from(bytes);
      // The numbers are the message's last bytes: every input before them and the last input's header are structure.
      const structure = bytes.length - payload;
      for (const [at, byte, insert] of edits) {
        const i = at % structure;
        if (insert) out.splice(i, 0, byte);
        else out[i] = byte;
      }
      return Uint8Array.from(out);
    });
    fuzz('grpc packed contents, structure mutated', 400, structural, same);
  });
});
