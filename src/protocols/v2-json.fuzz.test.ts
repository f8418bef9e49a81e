// Fuzzing the v2 JSON decoders: valid requests decode to what JSON.parse and the schema say, through both parse paths
// (JSON.parse for small bodies, the scanner for large ones); the scanner reads every number as JSON.parse does; any
// bytes at all are answered with the client's error, never another exception.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzz, mutated, onlyClientErrors } from '../../test/support/fuzz.js';
import { dataOf, expected, sameTensorData, tensorCase, type TensorCase } from '../../test/support/tensor-cases.js';
import { FlatNumbers, scanJson, scanNumberRun } from './json-scan.js';
import { decodeInferRequest, parseJsonBody } from './v2-json.js';

/** A request body; `pad` bytes of id push it over the scanner threshold. */
function bodyOf(cases: TensorCase[], pad: number): string {
  const inputs = cases.map((c, i) => ({ name: `x${i}`, datatype: c.datatype, shape: c.shape, data: dataOf(c) }));
  return JSON.stringify({ id: 'p'.repeat(pad), inputs });
}

const LARGE = 17 * 1024;

describe('v2 JSON decoding, fuzzed', () => {
  it('decodes valid requests to what JSON.parse and the schema say, small and large bodies alike', () => {
    fuzz('v2-json valid (both paths)', 150, fc.array(tensorCase, { minLength: 1, maxLength: 3 }), (cases) => {
      for (const pad of [0, LARGE]) {
        const text = bodyOf(cases, pad);
        const request = decodeInferRequest(parseJsonBody(Buffer.from(text)));
        expect(request.id).toBe('p'.repeat(pad));
        const parsed = (JSON.parse(text) as { inputs: { data: unknown }[] }).inputs;
        cases.forEach((c, i) => {
          const input = request.inputs[i]!;
          expect(input.shape).toEqual(c.shape);
          expect(parsed[i]!.data).toEqual(dataOf(c));
          sameTensorData(input.data, expected(c));
        });
      }
    });
  });

  it('answers any bytes, and bytes close to valid requests, with the client\'s error only', () => {
    const valid = fc.array(tensorCase, { minLength: 1, maxLength: 2 }).map((cs) => Buffer.from(bodyOf(cs, 0)) as Uint8Array);
    const validLarge = fc.array(tensorCase, { minLength: 1, maxLength: 2 }).map((cs) => Buffer.from(bodyOf(cs, LARGE)) as Uint8Array);
    const anyBytes = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.json().map((t) => Buffer.from(t) as Uint8Array),
      mutated(valid),
      mutated(validLarge),
    );
    fuzz('v2-json arbitrary and mutated bytes', 600, anyBytes, (bytes) => {
      onlyClientErrors(() => decodeInferRequest(parseJsonBody(bytes)));
    });
  });
});

/** JSON number texts from the grammar, long mantissas and far exponents included. */
const numberText: fc.Arbitrary<string> = fc.oneof(
  fc.tuple(
    fc.boolean(),
    fc.oneof(fc.constant('0'), fc.stringMatching(/^[1-9][0-9]{0,24}$/)),
    fc.option(fc.stringMatching(/^[0-9]{1,24}$/), { nil: undefined }),
    fc.option(fc.tuple(fc.constantFrom('e', 'E'), fc.constantFrom('', '+', '-'), fc.stringMatching(/^[0-9]{1,4}$/)), { nil: undefined }),
  ).map(([neg, int, frac, exp]) => `${neg ? '-' : ''}${int}${frac === undefined ? '' : `.${frac}`}${exp === undefined ? '' : exp.join('')}`),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
  fc.float({ noNaN: true, noDefaultInfinity: true }).map((f) => JSON.stringify(f)),
);

describe('the JSON scanner, fuzzed', () => {
  it('reads every number as JSON.parse does (FP32 data: the same float32)', () => {
    fuzz('json-scan numbers', 2000, numberText, (text) => {
      const want = JSON.parse(text) as number;
      expect(scanJson(Buffer.from(`[${text}]`))).toEqual([want]);
      const flat = (scanJson(Buffer.from(`{"data":[[${text}],[${text}]]}`)) as { data: FlatNumbers }).data;
      expect(Object.is(flat.values[1], want)).toBe(true);
      const fp32 = (scanJson(Buffer.from(`{"datatype":"FP32","data":[${text}]}`)) as { data: FlatNumbers }).data;
      expect(Object.is(Math.fround(fp32.values[0]!), Math.fround(want))).toBe(true);
    });
  });

  it('reads runs of numbers, however spaced and nested, as JSON.parse does (FP32 data: the same float32), whole or split', () => {
    const spacing = fc.constantFrom(',', ', ', ' ,', ',\n  ', ' , ', '\t,\r\n', '],[');
    const run = fc.array(fc.tuple(numberText, spacing), { minLength: 1, maxLength: 40 });
    fuzz('json-scan number runs', 500, fc.tuple(run, fc.boolean(), fc.nat()), ([items, float32, pick]) => {
      const inner = items.map(([t, sep], i) => (i === items.length - 1 ? t : t + sep)).join('');
      const text = `{"datatype":"${float32 ? 'FP32' : 'FP64'}","data":[[${inner}]]}`;
      const want = (JSON.parse(text) as { data: number[][] }).data.flat();
      const body = Buffer.from(text);
      const got = (scanJson(body) as { data: FlatNumbers }).data.values;
      expect(got.length).toBe(want.length);
      want.forEach((w, i) => expect(float32 ? Object.is(Math.fround(got[i]!), Math.fround(w)) : Object.is(got[i], w), `${i}: ${text}`).toBe(true));
      // The same body with its second part read ahead from one of its commas gives the same numbers.
      const commas = [...text.matchAll(/,/g)].map((m) => m.index);
      if (commas.length === 0) return;
      const at = commas[pick % commas.length]!;
      const ahead = { at, take: () => scanNumberRun(body, at + 1, float32, new Float64Array(body.length)) };
      expect(Array.from((scanJson(body, ahead) as { data: FlatNumbers }).data.values)).toEqual(Array.from(got));
    });
  });

  it('parses any JSON document to what JSON.parse gives (data arrays of numbers flattened)', () => {
    const flatten = (v: unknown): unknown => {
      if (v instanceof FlatNumbers) return Array.from(v.values);
      if (Array.isArray(v)) return v.map(flatten);
      if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, flatten(x)]));
      return v;
    };
    const flattenDataLikeScanner = (v: unknown, key?: string): unknown => {
      if (Array.isArray(v)) {
        if (key === 'data') {
          const leaves: unknown[] = [];
          const stack: unknown[] = [v];
          let allNumbers = true;
          while (stack.length > 0) {
            const x = stack.pop();
            if (Array.isArray(x)) for (let i = x.length - 1; i >= 0; i--) stack.push(x[i]);
            else if (typeof x === 'number') leaves.push(x);
            else allNumbers = false;
          }
          if (allNumbers) return leaves;
        }
        return v.map((x) => flattenDataLikeScanner(x));
      }
      if (typeof v === 'object' && v !== null) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, flattenDataLikeScanner(x, k)]));
      return v;
    };
    const withData = fc.jsonValue({ maxDepth: 5 }).map((v) => JSON.stringify({ data: v, other: v }));
    fuzz('json-scan documents', 500, fc.oneof(fc.json({ maxDepth: 6 }), withData), (text) => {
      expect(flatten(scanJson(Buffer.from(text)))).toEqual(flattenDataLikeScanner(JSON.parse(text)));
    });
  });

  it('reads any document split at any comma (its second part read ahead, as two decode workers do) as it reads it whole', () => {
    const withData = fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify({ datatype: 'FP32', data: v, other: v }));
    const documents = fc.oneof(withData, withData.map((t) => t.replace(/,/g, ' , ')), fc.string().map((junk) => `{"data":[1,2,${junk}]}`));
    fuzz('json-scan split documents', 400, fc.tuple(documents, fc.nat(), fc.boolean()), ([text, pick, float32]) => {
      const body = Buffer.from(text);
      const commas = [...text.matchAll(/,/g)].map((m) => Buffer.byteLength(text.slice(0, m.index)));
      if (commas.length === 0) return;
      const at = commas[pick % commas.length]!;
      const ahead = { at, take: () => scanNumberRun(body, at + 1, float32, new Float64Array(body.length)) };
      const read = (source?: typeof ahead): unknown => {
        try {
          return JSON.stringify(scanJson(body, source), (_key, v: unknown) => (v instanceof FlatNumbers ? Array.from(v.values) : v));
        } catch (err) {
          return (err as Error).message;
        }
      };
      expect(read(ahead)).toEqual(read());
    });
  });
});
