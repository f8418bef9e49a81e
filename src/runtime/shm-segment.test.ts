// Shared-memory segments: written and read back at any size (grown in place), removed on dispose; segments of servers
// that no longer run are swept, those of live ones kept.

import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { segmentPath, SHM_DIR, ShmSegment, sweepDeadSegments } from './shm-segment.js';

describe('ShmSegment', () => {
  it('writes parts one after another and reads them back, growing as needed, and removes its file', async () => {
    const segment = new ShmSegment(segmentPath('test'));
    try {
      await segment.write([new Uint8Array([1, 2]), new Uint8Array([3])], 3);
      expect([...(await segment.read(3))]).toEqual([1, 2, 3]);
      const big = new Uint8Array(3 << 20).map((_, i) => i % 251);
      await segment.write([big], big.length);
      expect((await segment.read(big.length)).every((v, i) => v === i % 251)).toBe(true);
      expect(existsSync(segment.path)).toBe(true);
    } finally {
      await segment.dispose();
    }
    expect(existsSync(segment.path)).toBe(false);
  });

  it('sweeps the segments of a process that no longer runs, and keeps a live one\'s', async () => {
    // A pid above the kernel's maximum (4194304) never runs.
    const dead = join(SHM_DIR, 'slipway-4999999-x-0-in');
    const live = join(SHM_DIR, `slipway-${process.ppid}-x-0-in`);
    writeFileSync(dead, 'x');
    writeFileSync(live, 'x');
    try {
      expect(await sweepDeadSegments()).toContain('slipway-4999999-x-0-in');
      expect(existsSync(dead)).toBe(false);
      expect(existsSync(live)).toBe(true);
    } finally {
      for (const f of [dead, live]) rmSync(f, { force: true });
    }
  });
});
