// A JSON body read in two parts gives what one reader gives: for a split at every comma of varied bodies (nesting,
// several tensors, non-numeric data, malformed numbers, depth past the limit), through the shared-memory hand-over in
// every order the two workers can take, and through a real pool of two decode workers.

import { afterAll, describe, expect, it } from 'vitest';
import { InvalidInputError } from '../core/errors.js';
import { MAX_DEPTH, scanJson, scanNumberRun, type NumberRunSource } from '../protocols/json-scan.js';
import { DecodePool } from './decode-pool.js';
import { BufferPool } from '../runtime/buffer-pool.js';
import { planSplit, readRun, releaseSplit, runSource, SPLIT_BYTES } from './split-decode.js';

/** What scanJson answers, or the error it throws, as comparable values. */
function outcome(read: () => unknown): unknown {
  try {
    return { value: read() };
  } catch (err) {
    return { error: (err as Error).constructor.name, message: (err as Error).message };
  }
}

/** A source whose run is read on the spot from the comma at `at` (the pure logic both workers share). */
function runAt(body: Buffer, at: number, float32: boolean): NumberRunSource {
  return { at, take: () => scanNumberRun(body, at + 1, float32, new Float64Array(body.length)) };
}

function commas(body: Buffer): number[] {
  const list: number[] = [];
  for (let i = body.indexOf(0x2c); i >= 0; i = body.indexOf(0x2c, i + 1)) list.push(i);
  return list;
}

const nested = (depth: number, inner: string): string => '['.repeat(depth) + inner + ']'.repeat(depth);

const BODIES: Record<string, string> = {
  flat: '{"inputs":[{"name":"x","datatype":"FP32","shape":[6],"data":[1.5,-2,3e2,0.1000000000000000055511151231257827,4,5]}],"id":"r"}',
  nested: '{"inputs":[{"name":"x","datatype":"FP64","shape":[2,2,2],"data":[[[1,2],[3,4]],[ [5 , 6],[7,8]] ]}]}',
  'two tensors': '{"inputs":[{"name":"a","datatype":"FP32","shape":[3],"data":[1,2,3]},{"name":"b","datatype":"INT64","shape":[4],"data":[9,8,7,6]}],"outputs":[{"name":"y"}]}',
  'empty arrays': '{"inputs":[{"name":"x","datatype":"FP32","shape":[0],"data":[[],[],[1,[]]]}]}',
  'strings in data': '{"inputs":[{"name":"s","datatype":"BYTES","shape":[3],"data":["a,b","1,2",  "c"]},{"name":"n","datatype":"FP32","shape":[2],"data":[1,2]}]}',
  'booleans after numbers': '{"inputs":[{"name":"x","datatype":"BOOL","shape":[4],"data":[1,2,true,false]}]}',
  'malformed number': '{"inputs":[{"name":"x","datatype":"FP32","shape":[4],"data":[1,2,01,3]}]}',
  'comma before bracket': '{"inputs":[{"name":"x","datatype":"FP32","shape":[3],"data":[1,2,3,]}]}',
  'missing comma': '{"inputs":[{"name":"x","datatype":"FP32","shape":[3],"data":[1,2 3]}]}',
  'datatype after data': '{"inputs":[{"name":"x","data":[0.30000001192092896,0.1,2],"datatype":"FP32","shape":[3]}]}',
  'too deep': `{"inputs":[{"name":"x","datatype":"FP32","shape":[2],"data":[1,${nested(MAX_DEPTH, '2,3')}]}]}`,
  'just deep enough': `{"inputs":[{"name":"x","datatype":"FP32","shape":[2],"data":[1,${nested(MAX_DEPTH - 4, '2,3')}]}]}`,
  unterminated: '{"inputs":[{"name":"x","datatype":"FP32","shape":[3],"data":[1,2,3',
};

describe('a body read in two parts', () => {
  for (const [name, text] of Object.entries(BODIES)) {
    it(`equals one reader's answer wherever it is split: ${name}`, () => {
      const body = Buffer.from(text);
      const whole = outcome(() => scanJson(body));
      for (const at of commas(body)) {
        for (const float32 of [true, false]) {
          expect(outcome(() => scanJson(body, runAt(body, at, float32))), `split at ${at}, float32 ${float32}`).toEqual(whole);
        }
      }
    });
  }

  it('uses the run where it applies (the reader does not read those numbers itself)', () => {
    const body = Buffer.from(BODIES.flat!);
    const at = body.indexOf(',3e2');
    const run = scanNumberRun(body, at + 1, true, new Float64Array(16));
    // Poison the run's numbers: if the reader used them, they show.
    run.values.fill(42);
    const value = scanJson(body, { at, take: () => run }) as { inputs: { data: { values: Float64Array } }[] };
    expect(Array.from(value.inputs[0]!.data.values)).toEqual([1.5, -2, 42, 42, 42, 42]);
    // Between plain numbers too, which the reader otherwise reads many at a time: it stops at the run's comma.
    const early = body.indexOf(',-2');
    const second = scanNumberRun(body, early + 1, true, new Float64Array(16));
    second.values.fill(42);
    const joined = scanJson(body, { at: early, take: () => second }) as { inputs: { data: { values: Float64Array } }[] };
    expect(Array.from(joined.inputs[0]!.data.values)).toEqual([1.5, 42, 42, 42, 42, 42]);
  });

  it('a run that ran out of room ends early, and the reader reads the rest itself', () => {
    const body = Buffer.from(BODIES.flat!);
    const at = body.indexOf(',-2');
    const whole = scanJson(body);
    expect(scanJson(body, { at, take: () => scanNumberRun(body, at + 1, true, new Float64Array(2)) })).toEqual(whole);
  });
});

describe('the hand-over through shared memory', () => {
  const shared = new BufferPool<SharedArrayBuffer>((n) => new SharedArrayBuffer(n));
  const bodies = new BufferPool();
  const text = `{"inputs":[{"name":"x","datatype":"FP32","shape":[2,2000],"data":[${nested(1, Array.from({ length: 2000 }, (_, i) => (i / 7).toFixed(5)).join(','))},${nested(1, Array.from({ length: 2000 }, (_, i) => String(-i)).join(','))}]}]}`;
  const body = Buffer.from(text);

  it('the run read first: the reader takes it over', () => {
    const { share, tail } = planSplit(body, true, shared, bodies)!;
    expect(body[share.at]).toBe(0x2c);
    expect(share.at).toBeGreaterThanOrEqual(body.length >> 1);
    expect(Buffer.from(tail).equals(body.subarray(share.at))).toBe(true);
    expect(readRun(share, tail)).toBe(true);
    const source = runSource(share);
    let took = false;
    expect(scanJson(body, { at: source.at, take: () => ((took = true), source.take()) })).toEqual(scanJson(body));
    expect(took).toBe(true);
  });

  it('the reader first: the run, not yet begun, is given up and its worker skips it', () => {
    const { share, tail } = planSplit(body, true, shared, bodies)!;
    expect(runSource(share).take()).toBeUndefined();
    expect(readRun(share, tail)).toBe(false);
  });

  it('a reader done before reaching the comma releases the run, so it never starts', () => {
    const { share, tail } = planSplit(body, true, shared, bodies)!;
    runSource(share).release();
    expect(readRun(share, tail)).toBe(false);
  });

  it('a released share serves the next split from its start (its state reset), with the other\'s numbers gone', () => {
    const used = planSplit(body, true, shared, bodies)!;
    expect(readRun(used.share, used.tail)).toBe(true);
    releaseSplit(used.share, shared);
    const other = Buffer.from(text.replace(/"x"/, '"y"').replace(/(\d)\.(\d)/g, '$2.$1'));
    const again = planSplit(other, true, shared, bodies)!;
    expect(new Set([again.share.control, again.share.values])).toEqual(new Set([used.share.control, used.share.values]));
    expect(readRun(again.share, again.tail)).toBe(true);
    expect(scanJson(other, runSource(again.share))).toEqual(scanJson(other));
  });

  it('splits only a body with a comma after its middle', () => {
    expect(planSplit(Buffer.from('{"a":[1, 2], "b": "long text without one"}'), true, shared, bodies)).toBeUndefined();
  });
});

describe('DecodePool with two workers', () => {
  const pool = new DecodePool(2);
  afterAll(() => pool.close());
  const count = Math.ceil(SPLIT_BYTES / 9) + 1000;
  const data = Array.from({ length: count }, (_, i) => Math.fround(Math.cos(i) * 1e3));
  const request = { inputs: [{ name: 'x', datatype: 'FP32', shape: [count], data }], id: 'big' };
  const text = JSON.stringify(request);

  it('decodes a large JSON body split between them, equal to one decoder, and its buffer serves the next body', async () => {
    const body = pool.bodyBuffer(Buffer.byteLength(text));
    body.write(text);
    const before = pool.splitBodies;
    const decoded = await pool.decode(body, undefined);
    expect(pool.splitBodies).toBe(before + 1);
    expect(decoded.id).toBe('big');
    expect(Array.from(decoded.inputs[0]!.data as Float32Array)).toEqual(data);
    // The body moved to the first worker and came back with its answer.
    expect(body.buffer.byteLength).toBe(0);
    expect(pool.bodyBuffer(Buffer.byteLength(text) - 10).buffer.byteLength).toBeGreaterThan(0);
  });

  it('answers a broken large body with the same error as one decoder', async () => {
    const broken = text.replace(/,(?=[^,]*$)/, ',,'); // an empty element near the end, in the second half
    const body = pool.bodyBuffer(Buffer.byteLength(broken));
    body.write(broken);
    const one = new DecodePool(1);
    const single = await Promise.resolve(one.decode(Buffer.from(broken), undefined)).catch((e: unknown) => e);
    await one.close();
    const split = await Promise.resolve(pool.decode(body, undefined)).catch((e: unknown) => e);
    expect(split).toBeInstanceOf(InvalidInputError);
    expect((split as Error).message).toBe((single as Error).message);
  });

  it('many at once: each answer is its own request, split or not', async () => {
    const bodies = Array.from({ length: 6 }, (_, k) => {
      const t = JSON.stringify({ ...request, id: `r${k}`, inputs: [{ ...request.inputs[0]!, data: data.map((v) => v + k) }] });
      const b = pool.bodyBuffer(Buffer.byteLength(t));
      b.write(t);
      return b;
    });
    const answers = await Promise.all(bodies.map((b) => pool.decode(b, undefined)));
    answers.forEach((a, k) => {
      expect(a.id).toBe(`r${k}`);
      expect((a.inputs[0]!.data as Float32Array)[5]).toBe(Math.fround(data[5]! + k));
    });
  });
});
