// A JSON reader for inference bodies: like JSON.parse, except that the value of every "data" member that is a
// (possibly nested) array of numbers comes back as one flat Float64Array. Big tensors then cost no per-element JS
// values, and no JS array is built only to be copied into a typed array (a 600 KB FP32 image sent as ~3 MB of JSON
// reads in 0.4x the time of JSON.parse and Float32Array.from here).

import { InvalidInputError } from '../core/errors.js';
import { decimalQuotient } from './decimal-double.js';

/** The flattened numbers of a `data` member. */
export class FlatNumbers {
  constructor(readonly values: Float64Array) {}
  get length(): number {
    return this.values.length;
  }
}

/**
 * Numbers of a `data` array parsed ahead, from just after the comma at `at` (another thread read them while this one
 * read the body up to there; see scanNumberRun). `closes[k]` is where the run's nesting, relative to `at`, first fell
 * to -(k+1): the position of that `]`, how many numbers came before it, and the deepest the run nested before it. The
 * array a reader is in at `at`, `d` levels deep, ends at `closes[d - 1]`; a run stops at the first byte it could not
 * read as the inside of a numeric data array, so a close it reports was reached with nothing wrong on the way.
 */
export interface NumberRun {
  float32: boolean;
  values: Float64Array;
  closes: { at: number; count: number; maxDepth: number }[];
}

/** Hands the scanner a run parsed ahead, when it reaches `at` inside a numeric data array. */
export interface NumberRunSource {
  readonly at: number;
  /** The run, or undefined to read on here (its reader has not started, or failed). Called at most once. */
  take(): NumberRun | undefined;
}

/**
 * How deep arrays and objects may nest in a body. The scanner recurses once per level, so without a bound a body of
 * 100,000 brackets would overflow the stack; tensors need a level per dimension plus three around them.
 */
export const MAX_DEPTH = 64;

/** The most numbers a shape may make the scanner make room for up front (beyond, the array grows as they come). */
const MAX_HINT = 1 << 24;

/** The element count of a parsed `shape` value, or 0 when it is not an array of non-negative integers. */
function elementCount(shape: unknown): number {
  if (!Array.isArray(shape)) return 0;
  let count = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) return 0;
    count *= d;
  }
  return Number.isSafeInteger(count) ? count : 0;
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22];
const decoder = new TextDecoder('utf-8', { fatal: true });

class Scanner {
  i = 0;
  /** Arrays and objects open around the current position. */
  private depth = 0;
  private readonly text: Buffer;
  constructor(
    private readonly b: Uint8Array,
    private ahead?: NumberRunSource,
  ) {
    this.text = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  }

  fail(what: string): never {
    throw new InvalidInputError(`request body is not valid JSON: ${what} at position ${this.i}`);
  }

  ws(): void {
    const b = this.b;
    let c = b[this.i];
    while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++this.i];
  }

  dataValue(float32: boolean, count = 0): unknown {
    this.ws();
    return this.b[this.i] === 0x5b ? this.data(float32, count) : this.value();
  }

  value(): unknown {
    this.ws();
    const c = this.b[this.i];
    if (c === 0x7b || c === 0x5b) {
      this.enter();
      const v = c === 0x7b ? this.object() : this.array();
      this.depth--;
      return v;
    }
    if (c === 0x22) return this.string();
    if (c === 0x74) return this.literal('true', true);
    if (c === 0x66) return this.literal('false', false);
    if (c === 0x6e) return this.literal('null', null);
    if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) return this.number();
    return this.fail(c === undefined ? 'unexpected end of input' : `unexpected character ${JSON.stringify(String.fromCharCode(c))}`);
  }

  enter(levels = 1): void {
    this.depth += levels;
    if (this.depth > MAX_DEPTH) this.fail(`arrays and objects nested deeper than ${MAX_DEPTH} levels`);
  }

  literal<T>(text: string, value: T): T {
    for (let k = 0; k < text.length; k++) if (this.b[this.i + k] !== text.charCodeAt(k)) this.fail(`expected ${text}`);
    this.i += text.length;
    return value;
  }

  object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    // Tensors name their datatype and shape before their data in practice: the datatype lets FP32 data take the fast
    // path, the shape sizes the numbers' array once (growing it by doubling cost copies and garbage of a few MB for a
    // 600 KB image).
    let datatype: unknown;
    let count = 0;
    this.i++;
    this.ws();
    if (this.b[this.i] === 0x7d) {
      this.i++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.b[this.i] !== 0x22) this.fail('expected a property name');
      const key = this.string();
      this.ws();
      if (this.b[this.i] !== 0x3a) this.fail("expected ':'");
      this.i++;
      const v = key === 'data' ? this.dataValue(datatype === 'FP32', count) : this.value();
      if (key === 'datatype') datatype = v;
      else if (key === 'shape') count = elementCount(v);
      // Same semantics as JSON.parse for "__proto__": an own property, not a prototype change. Any other key is a plain
      // assignment, far cheaper than defining it.
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
      this.ws();
      const c = this.b[this.i];
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x7d) {
        this.i++;
        return out;
      }
      this.fail("expected ',' or '}'");
    }
  }

  array(): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.ws();
    if (this.b[this.i] === 0x5d) {
      this.i++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.b[this.i];
      if (c === 0x2c) {
        this.i++;
        continue;
      }
      if (c === 0x5d) {
        this.i++;
        return out;
      }
      this.fail("expected ',' or ']'");
    }
  }

  /**
   * A `data` value: nested arrays of numbers become one FlatNumbers; anything else parses as usual. With `float32`
   * the numbers only need to round to the right float32 (see number()). `count`: how many the tensor's shape says
   * (only a hint: never more than the rest of the body could hold, a number and its comma taking two bytes).
   */
  data(float32: boolean, count = 0): unknown {
    const start = this.i;
    // Room for what the shape says (exactly, so no copy trims it), else for 1024; a small tensor's 8 KB were most of
    // its decode.
    let values = new Float64Array(Math.max(1, Math.min(count > 0 ? count : 1024, (this.b.length - this.i) >> 1, MAX_HINT)));
    let n = 0;
    let depth = 0;
    const b = this.b;
    for (;;) {
      this.ws();
      const c = b[this.i];
      if (c === 0x5b) {
        depth++;
        this.enter();
        this.i++;
        this.ws();
        if (b[this.i] === 0x5d) continue; // an empty array: the closing bracket is handled below
        continue;
      }
      if (c === 0x5d) {
        depth--;
        this.depth--;
        this.i++;
      } else if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
        if (n === values.length) {
          const grown = new Float64Array(values.length * 2);
          grown.set(values);
          values = grown;
        }
        // A bare number (depth 0) is the whole value: what follows its comma is the next member, not more data.
        let read = depth > 0 ? this.readNumbers(values, n, float32, this.ahead?.at ?? -1) : n;
        if (read === n) values[read++] = this.number(float32);
        n = read;
      } else {
        // Not all numbers (BOOL or BYTES data, or an error): parse the whole value the general way.
        this.i = start;
        this.depth -= depth;
        return this.value();
      }
      if (depth === 0) return new FlatNumbers(n === values.length ? values : values.subarray(0, n).slice());
      this.ws();
      const next = b[this.i];
      if (next === 0x2c) {
        if (this.i === this.ahead?.at) {
          const close = this.joinRun(depth, float32);
          if (close) {
            if (n + close.values.length > values.length) {
              const grown = new Float64Array(n + close.values.length);
              grown.set(values.subarray(0, n));
              values = grown;
            }
            values.set(close.values, n);
            n += close.values.length;
            this.i = close.end;
            this.depth -= depth;
            return new FlatNumbers(n === values.length ? values : values.subarray(0, n).slice());
          }
        }
        this.i++;
        this.ws();
        if (b[this.i] === 0x5d) this.fail('unexpected "]" after ","');
      } else if (next !== 0x5d) this.fail("expected ',' or ']'");
    }
  }

  /**
   * At the comma `ahead.at`, `depth` levels inside a numeric data array: the numbers up to the array's end and where
   * reading resumes, from the run parsed ahead, when it covers them as this scanner would have read them; otherwise
   * undefined, and this scanner reads on itself.
   */
  private joinRun(depth: number, float32: boolean): { values: Float64Array; end: number } | undefined {
    const run = this.ahead?.take();
    this.ahead = undefined;
    if (!run || run.float32 !== float32) return undefined;
    const close = run.closes[depth - 1];
    if (!close || this.depth + close.maxDepth > MAX_DEPTH) return undefined;
    return { values: run.values.subarray(0, close.count), end: close.at + 1 };
  }

  /**
   * The body after the comma at `from - 1`, read as the rest of a numeric data array (scanNumberRun): the same steps
   * as data(), at a nesting relative to the start, stopping at the first byte data() would not accept.
   */
  numberRun(from: number, float32: boolean, out: Float64Array): NumberRun {
    const b = this.b;
    const closes: NumberRun['closes'] = [];
    let n = 0;
    let depth = 0;
    let maxDepth = 0;
    this.i = from;
    this.ws();
    if (b[this.i] === 0x5d) return { float32, values: out.subarray(0, 0), closes }; // "," then "]"
    try {
      for (;;) {
        this.ws();
        const c = b[this.i];
        if (c === 0x5b) {
          if (++depth > maxDepth) maxDepth = depth;
          this.i++;
          continue;
        }
        if (c === 0x5d) {
          depth--;
          this.i++;
          if (-depth > closes.length) closes.push({ at: this.i - 1, count: n, maxDepth });
          if (closes.length > MAX_DEPTH) break;
        } else if (c === 0x2d || (c !== undefined && c >= 0x30 && c <= 0x39)) {
          if (n === out.length) break;
          let read = this.readNumbers(out, n, float32, -1);
          if (read === n) out[read++] = this.number(float32);
          n = read;
        } else break;
        this.ws();
        const next = b[this.i];
        if (next === 0x2c) {
          this.i++;
          this.ws();
          if (b[this.i] === 0x5d) break;
        } else if (next !== 0x5d) break;
      }
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err; // a malformed number: the run ends before it
    }
    return { float32, values: out.subarray(0, n), closes };
  }

  string(): string {
    const b = this.b;
    const start = ++this.i;
    let escaped = false;
    let ascii = true;
    for (;;) {
      const c = b[this.i];
      if (c === undefined) this.fail('unterminated string');
      if (c === 0x22) break;
      if (c === 0x5c) {
        escaped = true;
        this.i += 2;
        continue;
      }
      if (c < 0x20) this.fail('control character in string');
      if (c >= 0x80) ascii = false;
      this.i++;
    }
    const end = this.i++;
    // Names, datatypes and ids are ASCII almost always: as latin1 their bytes are their characters, at a fraction of
    // a UTF-8 decode's cost per call.
    if (!escaped && ascii) return this.latin1(start, end);
    if (!escaped) {
      try {
        return decoder.decode(b.subarray(start, end));
      } catch {
        this.fail('invalid UTF-8 in string');
      }
    }
    // Escapes are rare in inference bodies: let JSON.parse do them exactly.
    try {
      return JSON.parse(decoder.decode(b.subarray(start - 1, end + 1))) as string;
    } catch {
      return this.fail('invalid escape in string');
    }
  }

  /**
   * The common case of data() and numberRun(), read in one tight loop: numbers, each followed by a comma and the next
   * number, from `this.i` into `out` from `n`. Returns the new count, with `this.i` just after the last number read (at
   * its comma, if one follows), so the general steps go on from there; it reads none, and moves nothing, when the first
   * number is malformed (number() then says how). It never passes the comma at `stopAt` (where a run parsed ahead
   * joins). Every value is the one number() gives, or for FP32 data one that rounds to the same float32.
   *
   * Why a loop of its own: number() called per value kept the position in `this.i`, a store and a load per byte, and
   * accumulated digits as a chain of double multiply-adds, and read every exact 16- or 17-digit double from a string;
   * with locals, 9-digit int32 chunks and decimalQuotient a 3 MB FP32 body reads in 0.58x the time, FP64 data in
   * 0.23x (bench/results/json-decode.md).
   */
  readNumbers(out: Float64Array, n: number, float32: boolean, stopAt: number): number {
    const b = this.b;
    const cap = out.length;
    let i = this.i;
    // Past the body's end b[i] is undefined, which fails every comparison below, so the loop stops there.
    let c = b[i]!;
    while (n < cap) {
      const start = i;
      let neg = false;
      if (c === 0x2d) {
        neg = true;
        c = b[++i]!;
      }
      let folded = 0; // the digits before the last 9-digit chunk, as a double
      let chunk = 0; // the digits since, at most 9: an int32
      let inChunk = 0;
      let digits = 0; // significant digits
      let scale = 0; // digits after the point
      if (c === 0x30) {
        c = b[++i]!;
        if (c >= 0x30 && c <= 0x39) break; // a leading zero: number() reports it
      } else if (c >= 0x31 && c <= 0x39) {
        do {
          chunk = (chunk * 10 + (c - 0x30)) | 0;
          if (++inChunk === 9) {
            folded = folded * 1e9 + chunk;
            chunk = inChunk = 0;
          }
          c = b[++i]!;
        } while (c >= 0x30 && c <= 0x39);
        digits = i - start - (neg ? 1 : 0);
      } else break;
      if (c === 0x2e) {
        c = b[++i]!;
        const fraction = i;
        if (digits === 0) while (c === 0x30) c = b[++i]!; // zeros after "0." are not significant
        const significant = i;
        while (c >= 0x30 && c <= 0x39) {
          chunk = (chunk * 10 + (c - 0x30)) | 0;
          if (++inChunk === 9) {
            folded = folded * 1e9 + chunk;
            chunk = inChunk = 0;
          }
          c = b[++i]!;
        }
        scale = i - fraction;
        digits += i - significant;
        if (scale === 0) break; // "1." is not JSON: number() reports it
      }
      let power = -scale;
      if (c === 0x65 || c === 0x45) {
        // An exponent: Python writes every float below 1e-4 with one ("8.414709736825898e-05").
        c = b[++i]!;
        let negative = false;
        if (c === 0x2b || c === 0x2d) {
          negative = c === 0x2d;
          c = b[++i]!;
        }
        if (!(c >= 0x30 && c <= 0x39)) break; // "1e" is not JSON: number() reports it
        let exponent = 0;
        do {
          if (exponent < 100000) exponent = exponent * 10 + (c - 0x30);
          c = b[++i]!;
        } while (c >= 0x30 && c <= 0x39);
        power += negative ? -exponent : exponent;
      }
      // Exact for up to 15 digits (every step an integer below 2^53, then Clinger's product or quotient with an exact
      // power of ten); longer ones as number() takes them for FP32 data: a few double ulps off, kept only when the whole
      // error interval rounds to one float32.
      let v = Number.NaN;
      if (power >= -22 && power <= 22) {
        const mantissa = folded * POW10[inChunk]! + chunk;
        v = power < 0 ? mantissa / POW10[-power]! : mantissa * POW10[power]!;
        const exact = digits <= 15 || (float32 && digits <= 19 && Math.fround(v * (1 - 1e-15)) === Math.fround(v * (1 + 1e-15)));
        // 16 or 17 digits (the shortest text of most doubles) after one 9-digit fold: the exact double without a string.
        if (!exact) v = digits <= 17 && power < 0 ? decimalQuotient(folded, chunk, inChunk, -power) : Number.NaN;
      }
      // NaN: a number only its text can say exactly (a far power of ten, more digits, a tie).
      out[n++] = Number.isNaN(v) ? Number(this.latin1(start, i)) : neg ? -v : v;
      this.i = i;
      if (c !== 0x2c || i === stopAt) break;
      // Go on past the comma only to another number; otherwise the general steps read from the comma.
      c = b[++i]!;
      while (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) c = b[++i]!;
      if (c !== 0x2d && !(c >= 0x30 && c <= 0x39)) break;
    }
    return n;
  }

  /** JSON number grammar; exact (same double as JSON.parse) through Clinger's fast path or Number() on the text. */
  number(float32 = false): number {
    const b = this.b;
    const start = this.i;
    let c = b[this.i];
    let neg = false;
    if (c === 0x2d) {
      neg = true;
      c = b[++this.i];
    }
    if (c === undefined || c < 0x30 || c > 0x39) this.fail('invalid number');
    let mantissa = 0;
    let digits = 0;
    let scale = 0;
    if (c === 0x30) {
      c = b[++this.i];
      if (c !== undefined && c >= 0x30 && c <= 0x39) this.fail('invalid number (leading zero)');
    } else {
      while (c !== undefined && c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        digits++;
        c = b[++this.i];
      }
    }
    if (c === 0x2e) {
      c = b[++this.i];
      if (c === undefined || c < 0x30 || c > 0x39) this.fail('invalid number (no digits after ".")');
      while (c !== undefined && c >= 0x30 && c <= 0x39) {
        mantissa = mantissa * 10 + (c - 0x30);
        if (mantissa !== 0) digits++;
        scale++;
        c = b[++this.i];
      }
    }
    let exponent = 0;
    if (c === 0x65 || c === 0x45) {
      c = b[++this.i];
      let expNeg = false;
      if (c === 0x2b || c === 0x2d) {
        expNeg = c === 0x2d;
        c = b[++this.i];
      }
      if (c === undefined || c < 0x30 || c > 0x39) this.fail('invalid number (no digits in exponent)');
      while (c !== undefined && c >= 0x30 && c <= 0x39) {
        exponent = exponent * 10 + (c - 0x30);
        if (exponent > 100000) exponent = 100000;
        c = b[++this.i];
      }
      if (expNeg) exponent = -exponent;
    }
    const power = exponent - scale;
    if (power >= -22 && power <= 22) {
      // Clinger: an exact integer mantissa (< 2^53) times or over an exact power of ten is correctly rounded.
      const v = power < 0 ? mantissa / POW10[-power]! : mantissa * POW10[power]!;
      if (digits <= 15) return neg ? -v : v;
      // Longer mantissas (a float32 printed as a double has 16-17 digits) make v off by a few double ulps. For FP32
      // data that is enough whenever both ends of the error interval round to the same float32: then the exact
      // double rounds there too. Only values sitting on a float32 rounding edge take the slow, exact path.
      if (float32 && digits <= 19 && Math.fround(v * (1 - 1e-15)) === Math.fround(v * (1 + 1e-15))) return neg ? -v : v;
    }
    return Number(this.latin1(start, this.i));
  }

  /** The bytes of a number as a string (numbers are ASCII): far cheaper than a UTF-8 decode. */
  latin1(start: number, end: number): string {
    return this.text.toString('latin1', start, end);
  }
}

/**
 * Throws the scanner's error when arrays and objects in `body` nest deeper than MAX_DEPTH. For bodies JSON.parse
 * reads (it does not recurse, but what reads its result may), so both paths refuse the same bodies.
 */
export function checkDepth(body: Uint8Array): void {
  let depth = 0;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === 0x22) {
      // Skip the string, escapes included; an unterminated one is JSON's error to report.
      for (i++; i < body.length && body[i] !== 0x22; i++) if (body[i] === 0x5c) i++;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > MAX_DEPTH) {
        const s = new Scanner(body);
        s.i = i;
        s.fail(`arrays and objects nested deeper than ${MAX_DEPTH} levels`);
      }
    } else if (c === 0x5d || c === 0x7d) depth--;
  }
}

/**
 * Parses a whole body. Errors are InvalidInputError with the position, as a client needs to fix its JSON. `ahead`: the
 * numbers after one comma, parsed by another thread meanwhile (api/split-decode.ts); the result is the same either way.
 */
export function scanJson(body: Uint8Array, ahead?: NumberRunSource): unknown {
  const s = new Scanner(body, ahead);
  const value = s.value();
  s.ws();
  if (s.i !== body.length) s.fail('unexpected data after the JSON value');
  return value;
}

/**
 * Reads `body` from `from` (just after a comma) as the rest of a numeric data array, into `out` (as many numbers as it
 * holds), for a scanner that will reach that comma later (NumberRun). `float32`: the numbers only need to round to the
 * right float32, as for FP32 data; the scanner uses the run only if its data is FP32 exactly when this was.
 */
export function scanNumberRun(body: Uint8Array, from: number, float32: boolean, out: Float64Array): NumberRun {
  return new Scanner(body).numberRun(from, float32, out);
}
