// Parquet's RLE / bit-packed hybrid encoding for bit width 1: the definition levels of flat nullable columns.

/** A bit-packed stretch ends where a run this long begins: an RLE run (2–6 bytes) then beats bit-packing it. */
const MIN_RLE_RUN = 16;

/**
 * Encodes `levels[start, end)` (each 0 or 1) as RLE runs where values repeat and bit-packed groups of 8 where they
 * alternate. Returns the bare encoding; a data page v1 prefixes it with its 4-byte length, which the caller adds.
 */
export function encodeBitWidth1Levels(levels: Uint8Array, start = 0, end = levels.length): Uint8Array {
  const out = new GrowableOutput(Math.ceil((end - start) / 8) + 16);
  let i = start;
  while (i < end) {
    const value = levels[i]!;
    const run = runLength(levels, i, end, Number.POSITIVE_INFINITY);
    if (run >= 8) {
      // RLE run: header is the count shifted left with a 0 flag bit, then the value in ceil(1 / 8) = 1 byte.
      out.varint(run * 2);
      out.byte(value);
      i += run;
      continue;
    }
    // Bit-packed run: whole groups of 8 (only the very last group may be padded, past `end`, where readers stop).
    const runStart = i;
    let groups = 0;
    do {
      groups++;
      i += 8;
    } while (i < end && runLength(levels, i, end, MIN_RLE_RUN) < MIN_RLE_RUN);
    const runEnd = Math.min(i, end);
    i = runEnd;
    out.varint(groups * 2 + 1);
    for (let g = 0; g < groups; g++) {
      let packed = 0;
      const groupStart = runStart + g * 8;
      const groupEnd = Math.min(groupStart + 8, runEnd);
      // Least significant bit first: value k of the group is bit k.
      for (let k = groupStart; k < groupEnd; k++) packed |= levels[k]! << (k - groupStart);
      out.byte(packed);
    }
  }
  return out.bytes();
}

/** How many values from `from` equal `levels[from]`, counting no further than `cap`. */
function runLength(levels: Uint8Array, from: number, end: number, cap: number): number {
  const value = levels[from];
  let j = from + 1;
  while (j < end && j - from < cap && levels[j] === value) j++;
  return j - from;
}

class GrowableOutput {
  private buffer: Uint8Array;
  private length = 0;

  constructor(capacity: number) {
    this.buffer = new Uint8Array(capacity);
  }

  /** Unsigned LEB128; arithmetic rather than bit operators so counts past 2^31 stay exact. */
  varint(value: number): void {
    while (value >= 0x80) {
      this.byte((value % 0x80) | 0x80);
      value = Math.floor(value / 0x80);
    }
    this.byte(value);
  }

  byte(value: number): void {
    if (this.length === this.buffer.byteLength) {
      const grown = new Uint8Array(this.buffer.byteLength * 2);
      grown.set(this.buffer);
      this.buffer = grown;
    }
    this.buffer[this.length++] = value;
  }

  bytes(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}
