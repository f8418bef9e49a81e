// One large JSON body decoded by two workers at once: one reads the numbers after the body's middle while the other
// reads the body from its start, and takes them over through shared memory when it gets there (json-scan NumberRun).
//
// Why: a client that sends an image as JSON (numpy's tolist()) sends ~3 MB of text for 600 KB of floats, and reading it
// took longer than the model's run; at low load the second core sat idle meanwhile. The result is the same as one
// worker's in every case: the run is used only where it covers exactly what the first reader would have read.
//
// The body moves to the first reader as before; the second gets a copy of the bytes after the split (a pooled buffer,
// moved there and back), so both start at once. Sharing the body instead cost more: written into shared memory on the
// event loop, ~1 ms per 3 MB (V8 copies into shared memory word by word); copied there by the first reader, the second
// started that much later and the first waited for it.

import { MAX_DEPTH, scanNumberRun, type NumberRun, type NumberRunSource } from '../protocols/json-scan.js';
import type { BufferPool } from '../runtime/buffer-pool.js';

/** Shared between the two workers: where the run starts and where its results go. */
export interface RunShare {
  /** Position in the body of the comma the run starts after. */
  at: number;
  float32: boolean;
  /** Int32 control words (see the offsets below) and the closes. */
  control: SharedArrayBuffer;
  /** Float64 numbers of the run. */
  values: SharedArrayBuffer;
}

/** Bodies from this size up are split when two decode workers are idle; below, one worker reads it sooner than two agree. */
export const SPLIT_BYTES = 512 * 1024;

// Control words.
const STATE = 0;
const COUNT = 1;
const CLOSES = 2;
/** Then per close: position, numbers before it, deepest nesting before it. */
const CLOSE_AT = 3;
const CONTROL_WORDS = CLOSE_AT + 3 * (MAX_DEPTH + 1);

// States: the run waits for its worker, is being read, is read, or was given up by the reader (who reads on alone).
const QUEUED = 0;
const RUNNING = 1;
const DONE = 2;
const ABANDONED = 3;

/** A split's buffers are pooled in multiples of this many bytes, so bodies of about one size share them. */
const SHARE_CLASS = 64 * 1024;

/** How long the first reader waits for a run that is being read before it reads on alone (a crashed worker). */
const READER_WAIT_MS = 2000;

const roundUp = (bytes: number): number => Math.ceil(bytes / SHARE_CLASS) * SHARE_CLASS;

/**
 * A share for a body that has a comma after its middle (undefined if not), and the bytes from that comma on for the
 * second worker, in a buffer from `bodies` (give it back when the worker hands it back). `float32`: whether the body
 * declares FP32 data (then numbers need only round to the right float32; the reader checks it was so). The control
 * words and numbers come from `shared` (fresh shared memory costs page faults); give them back with releaseSplit once
 * neither worker reads them.
 */
export function planSplit(
  body: Buffer,
  float32: boolean,
  shared: BufferPool<SharedArrayBuffer>,
  bodies: BufferPool,
): { share: RunShare; tail: Uint8Array } | undefined {
  const at = body.indexOf(0x2c, body.length >> 1);
  if (at < 0) return undefined;
  const control = shared.take(CONTROL_WORDS * 4);
  Atomics.store(new Int32Array(control), STATE, QUEUED);
  // A number and its comma take two bytes at least.
  const numbers = ((body.length - at) >> 1) + 1;
  const tail = new Uint8Array(bodies.take(roundUp(body.length - at)), 0, body.length - at);
  body.copy(tail, 0, at);
  return { share: { at, float32, control, values: shared.take(roundUp(numbers * 8)) }, tail };
}

/** Once both workers have answered: the share's buffers serve the next split. */
export function releaseSplit(share: RunShare, shared: BufferPool<SharedArrayBuffer>): void {
  shared.give([share.control, share.values]);
}

/**
 * The second worker's part: reads the run from `tail` (the body's bytes from the share's comma on) unless the first
 * reader has already given it up.
 */
export function readRun(share: RunShare, tail: Uint8Array): boolean {
  const control = new Int32Array(share.control);
  if (Atomics.compareExchange(control, STATE, QUEUED, RUNNING) !== QUEUED) return false;
  try {
    const run = scanNumberRun(tail, 1, share.float32, new Float64Array(share.values));
    control[COUNT] = run.values.length;
    control[CLOSES] = run.closes.length;
    run.closes.forEach((c, k) => {
      control[CLOSE_AT + 3 * k] = share.at + c.at;
      control[CLOSE_AT + 3 * k + 1] = c.count;
      control[CLOSE_AT + 3 * k + 2] = c.maxDepth;
    });
  } catch {
    control[CLOSES] = 0; // nothing usable: the reader reads on alone
  }
  Atomics.store(control, STATE, DONE);
  Atomics.notify(control, STATE);
  return true;
}

/**
 * The first worker's side: the run when the scanner reaches its comma, waiting while it is being read; a run not yet
 * started is given up (its worker is busy), so the scanner never waits for work that has not begun.
 */
export function runSource(share: RunShare): NumberRunSource & { release(): void } {
  const control = new Int32Array(share.control);
  return {
    at: share.at,
    take(): NumberRun | undefined {
      if (Atomics.compareExchange(control, STATE, QUEUED, ABANDONED) === QUEUED) return undefined;
      if (Atomics.wait(control, STATE, RUNNING, READER_WAIT_MS) === 'timed-out') {
        Atomics.store(control, STATE, ABANDONED);
        return undefined;
      }
      if (Atomics.load(control, STATE) !== DONE) return undefined;
      const closes: NumberRun['closes'] = [];
      for (let k = 0; k < control[CLOSES]!; k++) {
        closes.push({ at: control[CLOSE_AT + 3 * k]!, count: control[CLOSE_AT + 3 * k + 1]!, maxDepth: control[CLOSE_AT + 3 * k + 2]! });
      }
      return { float32: share.float32, values: new Float64Array(share.values, 0, control[COUNT]!), closes };
    },
    /** Once the body is read: a run that never started need not start. */
    release(): void {
      Atomics.compareExchange(control, STATE, QUEUED, ABANDONED);
    },
  };
}
