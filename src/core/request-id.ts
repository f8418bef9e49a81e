// Request ids Slipway hands out: UUID version 7 (RFC 9562) — a millisecond timestamp, a counter, then random bits — so
// ids of captured requests arrive in order and their index grows at its end instead of at random places (measured: a
// random UUID index made each capture insert cost 43 µs instead of 20 µs at 100k rows).

import { randomFillSync } from 'node:crypto';

/** rand_a's 12 bits hold a counter within the millisecond (RFC 9562 §6.2, method 1): 4,096 ids per ms per process. */
const COUNTER_MAX = 0xfff;
/** ASCII codes of the hex digits. */
const HEX = Buffer.from('0123456789abcdef', 'latin1');
/**
 * Random bytes for 512 ids at a time: each id takes 8 (62 bits of rand_b), so an id cannot be guessed from another one
 * (a feedback poster could otherwise label other clients' requests of the same millisecond). One refill per 512 ids
 * instead of a randomUUID() per id: with the counter, 0.36–0.53 → 0.11–0.14 µs per id in a loop here.
 */
const pool = Buffer.alloc(8 * 512);
let poolAt = pool.length;
/** The id being written: "tttttttt-tttt-7ccc-Vrrr-rrrrrrrrrrrr"; the time part changes once per millisecond. */
const text = Buffer.from('00000000-0000-7000-8000-000000000000', 'latin1');

/** The millisecond in the text; ahead of the clock after a burst of more than 4,096 ids. */
let currentMs = -1;
let counter = 0;

function startMillisecond(ms: number): void {
  currentMs = ms;
  counter = 0;
  const time = ms.toString(16).padStart(12, '0').slice(-12);
  text.write(time.slice(0, 8), 0, 'latin1');
  text.write(time.slice(8), 9, 'latin1');
}

/**
 * A UUIDv7 string, strictly greater than every earlier one this process made: a clock that steps back, or more than
 * 4,096 ids in one millisecond, continue from the last millisecond used (RFC 9562 §6.2) rather than repeat or reorder.
 * Another process's ids of the same millisecond differ in their random bits.
 */
export function timeOrderedId(now = Date.now()): string {
  if (now > currentMs) startMillisecond(now);
  else if (counter < COUNTER_MAX) counter++;
  else startMillisecond(currentMs + 1);
  text[15] = HEX[counter >> 8]!;
  text[16] = HEX[(counter >> 4) & 15]!;
  text[17] = HEX[counter & 15]!;
  if (poolAt === pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r0 = pool[poolAt]!;
  const r1 = pool[poolAt + 1]!;
  // The RFC variant (binary 10) and 2 random bits, then 10 more, then 48.
  text[19] = HEX[8 | (r0 & 3)]!;
  text[20] = HEX[r1 >> 4]!;
  text[21] = HEX[r1 & 15]!;
  text[22] = HEX[r0 >> 4]!;
  for (let k = 0; k < 6; k++) {
    const b = pool[poolAt + 2 + k]!;
    text[24 + 2 * k] = HEX[b >> 4]!;
    text[25 + 2 * k] = HEX[b & 15]!;
  }
  poolAt += 8;
  return text.toString('latin1');
}
