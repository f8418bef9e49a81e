// Retention edges: the same cut as summing the records from the newest back, reading only the records removed.
import { describe, expect, it } from 'vitest';
import { asyncByteEdge, byteEdge, excessRecords } from './retention-edge.js';

/** The edge as the definition reads: the newest record whose bytes with every newer record's exceed the bound. */
function edgeFromNewest(records: { id: number; bytes: number }[], keepBytes: number): number | undefined {
  let newer = 0;
  for (let i = records.length - 1; i >= 0; i--) {
    newer += records[i]!.bytes;
    if (newer > keepBytes) return records[i]!.id;
  }
  return undefined;
}

describe('retention edges', () => {
  it('removes the oldest records beyond a count', () => {
    expect(excessRecords(100, 60)).toBe(40);
    expect(excessRecords(60, 60)).toBe(0);
    expect(excessRecords(10, 60)).toBe(0);
    expect(excessRecords(5, 0)).toBe(5);
  });

  it('cuts by size where summing from the newest would, for any sizes, zero-byte records included', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let trial = 0; trial < 500; trial++) {
      const records = Array.from({ length: random(30) }, (_, i) => ({ id: 10 + 3 * i, bytes: random(4) === 0 ? 0 : random(50) }));
      const total = records.reduce((n, r) => n + r.bytes, 0);
      const keep = random(total + 20);
      expect(byteEdge(total, keep, records)).toBe(edgeFromNewest(records, keep));
    }
  });

  it('cuts the same over records read as they are needed, and stops reading at the edge', async () => {
    let read = 0;
    async function* pages(): AsyncGenerator<{ id: number; bytes: number }> {
      for (let page = 0; page < 100; page++) {
        for (let i = 0; i < 10; i++) {
          read++;
          yield { id: page * 10 + i, bytes: (i % 3) * 7 };
        }
      }
    }
    const all = Array.from({ length: 1000 }, (_, k) => ({ id: k, bytes: ((k % 10) % 3) * 7 }));
    const total = all.reduce((n, r) => n + r.bytes, 0);
    for (const keep of [0, 5, total / 2, total - 1, total]) {
      read = 0;
      expect(await asyncByteEdge(total, keep, pages())).toBe(edgeFromNewest(all, keep));
    }
    read = 0;
    expect(await asyncByteEdge(total, total - 30, pages())).toBe(edgeFromNewest(all, total - 30));
    expect(read).toBeLessThan(20);
  });

  it('reads the oldest records only up to the edge', () => {
    let read = 0;
    function* oldestFirst(): Generator<{ id: number; bytes: number }> {
      for (let id = 1; id <= 1_000_000; id++) {
        read++;
        yield { id, bytes: 10 };
      }
    }
    // 10 MB in all, 9.99 MB kept: the oldest 1,000 records go, and the scan stops at the first one kept.
    expect(byteEdge(10_000_000, 9_990_000, oldestFirst())).toBe(1_000);
    expect(read).toBe(1_001);
    expect(byteEdge(10_000_000, 10_000_000, oldestFirst())).toBeUndefined();
  });
});
