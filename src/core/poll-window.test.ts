import { describe, expect, it } from 'vitest';
import { PollWindow } from './poll-window.js';

describe('PollWindow', () => {
  it('starts at the largest window and keeps it while gaps fall within it', () => {
    const w = new PollWindow(200);
    expect(w.micros).toBe(200);
    for (const gap of [10, 150, 200, 0]) w.observe(gap);
    expect(w.micros).toBe(200);
  });

  it('halves for each gap no poll could have caught, down to 0', () => {
    const w = new PollWindow(200);
    const seen: number[] = [];
    for (let i = 0; i < 7; i++) {
      w.observe(10_000);
      seen.push(w.micros);
    }
    expect(seen).toEqual([100, 50, 25, 12.5, 6.25, 0, 0]);
  });

  it('grows back, doubling from an eighth of the largest, when gaps come within reach again', () => {
    const w = new PollWindow(200);
    for (let i = 0; i < 8; i++) w.observe(1e6);
    expect(w.micros).toBe(0);
    w.observe(1); // caught by any poll, but a 0 window polls not at all: a gap of 1 µs is longer than 0
    expect(w.micros).toBe(25);
    w.observe(20); // within 25: kept
    expect(w.micros).toBe(25);
    w.observe(120);
    expect(w.micros).toBe(50);
    w.observe(120);
    expect(w.micros).toBe(100);
    w.observe(120);
    expect(w.micros).toBe(200);
    w.observe(199);
    expect(w.micros).toBe(200);
  });

  it('sparse traffic costs at most twice the largest window of polling in all, however long it lasts', () => {
    const w = new PollWindow(200);
    let spent = 0;
    for (let i = 0; i < 1000; i++) {
      spent += w.micros; // every poll runs to its end: the request comes later
      w.observe(50_000 + i);
    }
    expect(spent).toBeLessThanOrEqual(400);
    expect(w.micros).toBe(0);
  });

  it('a largest window of 0 never polls, and a negative or non-finite one is refused', () => {
    const off = new PollWindow(0);
    off.observe(1);
    off.observe(1e9);
    expect(off.micros).toBe(0);
    expect(() => new PollWindow(-1)).toThrow(/≥ 0, got -1/);
    expect(() => new PollWindow(Number.NaN)).toThrow(RangeError);
  });
});
