import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { FlatNumbers, scanJson } from './json-scan.js';

const scan = (text: string): unknown => scanJson(Buffer.from(text, 'utf8'));

/** Replaces FlatNumbers by plain arrays so results compare with JSON.parse. */
function plain(v: unknown): unknown {
  if (v instanceof FlatNumbers) return Array.from(v.values);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

describe('scanJson', () => {
  it('reads every number exactly as JSON.parse does', () => {
    const texts = [
      '0', '-0', '1', '-1', '12345678901234567', '9007199254740993', '1e308', '1.7976931348623157e308', '5e-324', '2.2250738585072014e-308',
      '0.1', '0.30000000000000004', '123.456e-7', '1E+2', '-1.5e-10', '3.4028234663852886e38', '1.401298464324817e-45',
      '0.000060975551605224609375', '100000000000000000000000', '1e23', '8.98846567431158e307', '4.35', '2.675',
    ];
    let seed = 7;
    for (let i = 0; i < 2000; i++) {
      seed = (seed * 16807) % 2147483647;
      const x = (seed / 2147483647 - 0.5) * 10 ** ((seed % 40) - 20);
      texts.push(String(x), String(Math.fround(x)), x.toExponential(seed % 17), x.toFixed(seed % 12));
    }
    for (const t of texts) expect(Object.is(scan(t), JSON.parse(t)), t).toBe(true);
  });

  it('flattens numeric "data" arrays of any nesting into one Float64Array', () => {
    const v = scan('{"inputs":[{"name":"x","data":[[1,2,3],[4,5.5,-6e2]]}],"data":[]}') as { inputs: { data: unknown }[]; data: unknown };
    expect(v.inputs[0]!.data).toBeInstanceOf(FlatNumbers);
    expect(Array.from((v.inputs[0]!.data as FlatNumbers).values)).toEqual([1, 2, 3, 4, 5.5, -600]);
    expect((v.data as FlatNumbers).length).toBe(0);
  });

  it('reads data the same whatever its shape says (the shape only sizes the room made for it)', () => {
    const numbers = Array.from({ length: 3000 }, (_, i) => i / 3);
    for (const shape of [[3000], [2, 1500], [10], [1e9], [5000], [-1, 3000], ['a'], [], [2 ** 40, 2 ** 40]]) {
      const text = JSON.stringify({ name: 'x', datatype: 'FP64', shape, data: numbers });
      const v = scan(text) as { data: FlatNumbers };
      expect(Array.from(v.data.values), JSON.stringify(shape)).toEqual(numbers);
      expect(v.data.values.length).toBe(numbers.length);
    }
  });

  it('keeps non-numeric data as ordinary arrays, and other keys untouched', () => {
    const text = '{"data":[true,false],"b":{"data":["a",["b"]]},"c":[1,[2]],"d":[1,"x"]}';
    expect(scan(text)).toEqual(JSON.parse(text));
    expect(plain(scan('{"data":[1,2,"x"]}'))).toEqual({ data: [1, 2, 'x'] });
  });

  it('agrees with JSON.parse on strings, escapes, unicode, literals and whitespace', () => {
    const text = ' { "s" : "a\\"b\\\\c\\n\\u00e9\\ud83d\\ude00" , "u":"ünï ✓", "t":true,"f":false,"n":null,"e":{},"a":[] ,"o":{"x":[{"y":[]}]}}\n';
    expect(scan(text)).toEqual(JSON.parse(text));
  });

  it('treats "__proto__" as an own key, like JSON.parse', () => {
    const v = scan('{"__proto__":{"polluted":true}}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('rejects what JSON.parse rejects, with the position', () => {
    const bad = ['', '{', '{"a":}', '[1,]', '{"data":[1,]}', '{"data":[1 2]}', '01', '1.', '-', '1e', '.5', '+1', 'tru', '"abc', '{"a":1}x', '{"a" 1}', '[1}', '{"data":[[1,2]}', '"\u0001"', 'NaN', '{"data":[1,-]}',
      // inside runs of numbers, where the scanner reads many at a time
      '{"data":[1,2,01]}', '{"data":[1,2.,3]}', '{"data":[1,2,-,3]}', '{"data":[1,2e,3]}', '{"data":[1,2 3]}', '{"data":[1,2,,3]}',
      '{"data":[1,2, ]}', '{"data":[1.5,2.5,.5]}', '{"data":[1,2,3', '{"data":[1,-01]}', '{"data":[0.5,1e5x]}'];
    for (const t of bad) {
      expect(() => JSON.parse(t), t).toThrow();
      expect(() => scan(t), t).toThrow(InvalidInputError);
    }
    expect(() => scan('{"a":1}x')).toThrow('request body is not valid JSON: unexpected data after the JSON value at position 7');
    expect(() => scan('{"data":[1.5,2.25,02]}')).toThrow('request body is not valid JSON: invalid number (leading zero) at position 19');
    expect(() => scan('{"data":[1.5,2.25 3]}')).toThrow("request body is not valid JSON: expected ',' or ']' at position 18");
  });

  it('rejects invalid UTF-8 in strings', () => {
    expect(() => scanJson(Uint8Array.from([0x22, 0xff, 0x22]))).toThrow('invalid UTF-8 in string');
  });
});

describe('FP32 data printed as doubles (16-17 digits, as numpy tolist() writes float32 arrays)', () => {
  const f32 = new Float32Array(1);
  const u32 = new Uint32Array(f32.buffer);
  /** The double exactly halfway between a float32 and the next one up: the hardest case for rounding. */
  const midpoint = (bits: number): number => {
    u32[0] = bits;
    const lo = f32[0]!;
    u32[0] = bits + 1;
    return (lo + f32[0]!) / 2;
  };

  it('rounds every value to the same float32 as JSON.parse followed by Math.fround, edge cases included', () => {
    let seed = 11;
    const values: number[] = [];
    for (let i = 0; i < 20000; i++) {
      seed = (seed * 48271) % 2147483647;
      values.push(Math.fround((seed / 2147483647) * 4 - 2));
      values.push(midpoint(0x3f800000 + (seed % 100000)));
      // a hair either side of a midpoint, printed with 17 digits
      const m = midpoint(0x3e000000 + (seed % 50000));
      values.push(Number(m.toPrecision(17)), Number((m * (1 + 2e-16)).toPrecision(17)), Number((m * (1 - 2e-16)).toPrecision(17)));
    }
    const text = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [values.length], data: values }] });
    const scanned = (scan(text) as { inputs: { data: FlatNumbers }[] }).inputs[0]!.data.values;
    const expected = Float32Array.from(JSON.parse(text).inputs[0].data as number[]);
    const got = Float32Array.from(scanned);
    let mismatches = 0;
    for (let i = 0; i < values.length; i++) if (!Object.is(got[i], expected[i])) mismatches++;
    expect(mismatches).toBe(0);
  });

  it('keeps exact doubles when the datatype is not FP32 or comes after the data', () => {
    const x = 0.30000000000000004;
    const late = scan(`{"data":[${x}],"datatype":"FP32"}`) as { data: FlatNumbers };
    expect(late.data.values[0]).toBe(x);
    const fp64 = scan(`{"datatype":"FP64","data":[${x}, 1.2870866060256958]}`) as { data: FlatNumbers };
    expect(Array.from(fp64.data.values)).toEqual([x, 1.2870866060256958]);
  });
});
