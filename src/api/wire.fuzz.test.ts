// Fuzzing the binary decoders: the binary tensor extension (JSON header + raw bytes) and gRPC ModelInferRequest
// bytes. Valid requests decode to the tensors sent; any bytes are answered with the client's error (gRPC: or the
// INTERNAL "Error deserializing request" grpc-js itself answers for bytes that are not protobuf), never another one.

import type { MethodDefinition } from '@grpc/proto-loader';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InternalError } from '../core/errors.js';
import type { Tensor } from '../core/tensor.js';
import { tensorToRaw } from '../protocols/raw-tensor.js';
import { decodeBinaryInferRequest } from '../protocols/v2-binary.js';
import { fuzz, mutated, onlyClientErrors } from '../../test/support/fuzz.js';
import { expected, sameTensorData, tensorCase, type TensorCase } from '../../test/support/tensor-cases.js';
import { decodeModelInferBytes, loadService, UNDECODABLE_MESSAGE } from './grpc-proto.js';

const method = loadService()['ModelInfer'] as MethodDefinition<unknown, unknown>;
const undecodable = (err: unknown): boolean => err instanceof InternalError && err.message === UNDECODABLE_MESSAGE;

function tensorOf(c: TensorCase, i: number): Tensor {
  return { name: `x${i}`, datatype: c.datatype, shape: c.shape, data: expected(c) as Tensor['data'] };
}

/** A binary-extension body: the JSON header naming each input's byte size, then the raw bytes in input order. */
function binaryBody(cases: TensorCase[]): { body: Uint8Array; headerLength: number } {
  const raws = cases.map((c, i) => tensorToRaw(tensorOf(c, i)));
  const header = Buffer.from(JSON.stringify({
    inputs: cases.map((c, i) => ({ name: `x${i}`, datatype: c.datatype, shape: c.shape, parameters: { binary_data_size: raws[i]!.length } })),
  }));
  return { body: Buffer.concat([header, ...raws]), headerLength: header.length };
}

const TYPED_FIELD: Partial<Record<string, string>> = {
  BOOL: 'bool_contents', INT8: 'int_contents', INT16: 'int_contents', INT32: 'int_contents', INT64: 'int64_contents',
  UINT8: 'uint_contents', UINT16: 'uint_contents', UINT32: 'uint_contents', UINT64: 'uint64_contents',
  FP32: 'fp32_contents', FP64: 'fp64_contents', BYTES: 'bytes_contents',
};

/** A ModelInferRequest's bytes: raw contents for every input, or typed contents where the datatype has a field. */
function grpcBytes(cases: TensorCase[], raw: boolean): Uint8Array {
  const typed = !raw && cases.every((c) => TYPED_FIELD[c.datatype]);
  const inputs = cases.map((c, i) => ({
    name: `x${i}`, datatype: c.datatype, shape: c.shape,
    ...(typed ? { contents: { [TYPED_FIELD[c.datatype]!]: c.datatype === 'BYTES' ? (c.values as string[]).map((s) => Buffer.from(s)) : c.values } } : {}),
  }));
  const message = { model_name: 'm', id: 'r', inputs, ...(typed ? {} : { raw_input_contents: cases.map((c, i) => Buffer.from(tensorToRaw(tensorOf(c, i)))) }) };
  return method.requestSerialize(message);
}

const cases = fc.array(tensorCase, { minLength: 1, maxLength: 3 });

describe('binary extension decoding, fuzzed', () => {
  it('decodes valid bodies to the tensors sent', () => {
    fuzz('v2-binary valid', 200, cases, (cs) => {
      const { body, headerLength } = binaryBody(cs);
      const request = decodeBinaryInferRequest(body, headerLength);
      cs.forEach((c, i) => {
        expect(request.inputs[i]!.shape).toEqual(c.shape);
        sameTensorData(request.inputs[i]!.data, expected(c));
      });
    });
  });

  it('answers any bytes and any header length with the client\'s error only', () => {
    const framed = fc.oneof(
      fc.tuple(fc.uint8Array({ maxLength: 300 }), fc.nat({ max: 400 })).map(([body, headerLength]) => ({ body, headerLength })),
      cases.chain((cs) => {
        const valid = binaryBody(cs);
        return fc.tuple(mutated(fc.constant(valid.body)), fc.integer({ min: -3, max: 3 })).map(([body, shift]) => ({ body, headerLength: Math.max(0, valid.headerLength + shift) }));
      }),
    );
    fuzz('v2-binary arbitrary and mutated bytes', 600, framed, ({ body, headerLength }) => {
      onlyClientErrors(() => decodeBinaryInferRequest(body, headerLength));
    });
  });
});

describe('gRPC ModelInferRequest decoding, fuzzed', () => {
  it('decodes valid messages, raw and typed contents, to the tensors sent', () => {
    fuzz('grpc valid', 200, fc.tuple(cases, fc.boolean()), ([cs, raw]) => {
      const request = decodeModelInferBytes(Buffer.from(grpcBytes(cs, raw)));
      expect(request.id).toBe('r');
      cs.forEach((c, i) => {
        expect(request.inputs[i]!.shape).toEqual(c.shape);
        sameTensorData(request.inputs[i]!.data, expected(c));
      });
    });
  });

  it('answers any bytes with the client\'s error, or grpc-js\'s own error for bytes that are not protobuf', () => {
    const bytes = fc.oneof(fc.uint8Array({ maxLength: 300 }), mutated(fc.tuple(cases, fc.boolean()).map(([cs, raw]) => grpcBytes(cs, raw))));
    fuzz('grpc arbitrary and mutated bytes', 800, bytes, (b) => {
      onlyClientErrors(() => decodeModelInferBytes(Buffer.from(b)), undecodable);
    });
  });
});
