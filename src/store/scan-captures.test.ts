// scanCaptures over a store's captures(): pages keyed by the last id, the query passed on, the end at a short page,
// a turn of the event loop between pages unless asked not to, and a stop when the consumer breaks off.
import { describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../core/capture-config.js';
import type { CaptureQuery } from './loop-store.js';
import { scanCaptures } from './scan-captures.js';

function fakeStore(ids: number[]): { captures: (q: CaptureQuery) => Promise<CaptureRecord[]>; queries: CaptureQuery[] } {
  const queries: CaptureQuery[] = [];
  return {
    queries,
    async captures(q) {
      queries.push(q);
      return ids
        .filter((id) => id > (q.afterId ?? 0) && (q.sampleEvery === undefined || q.sampleEvery <= 1 || id % q.sampleEvery === 0))
        .slice(0, q.limit)
        .map((id) => ({ id, requestId: `r${id}` }) as CaptureRecord);
    },
  };
}

async function collect(scan: AsyncIterable<CaptureRecord[]>): Promise<number[][]> {
  const pages: number[][] = [];
  for await (const page of scan) pages.push(page.map((r) => r.id!));
  return pages;
}

describe('scanCaptures', () => {
  it('reads pages after the last id until a short page, passing the query on', async () => {
    const store = fakeStore([1, 2, 3, 5, 8, 13, 21]);
    const pages = await collect(scanCaptures(store, { endpoint: 'e', statuses: ['ok'], until: 9 }, { pageSize: 3 }));
    expect(pages).toEqual([[1, 2, 3], [5, 8, 13], [21]]);
    expect(store.queries.map((q) => q.afterId)).toEqual([0, 3, 13]);
    expect(store.queries[0]).toEqual({ endpoint: 'e', statuses: ['ok'], until: 9, afterId: 0, limit: 3 });
  });

  it('starts after the given id, samples every k-th id, and yields no empty page', async () => {
    const store = fakeStore(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(await collect(scanCaptures(store, { endpoint: 'e', afterId: 4, sampleEvery: 5 }, { pageSize: 2 }))).toEqual([[5, 10], [15, 20]]);
    expect(store.queries).toHaveLength(3); // the third page was empty: the scan ends without yielding it
    expect(await collect(scanCaptures(fakeStore([]), { endpoint: 'e' }))).toEqual([]);
  });

  it('uses pages of 2000 unless told otherwise', async () => {
    const store = fakeStore(Array.from({ length: 4500 }, (_, i) => i + 1));
    expect((await collect(scanCaptures(store, { endpoint: 'e' }))).map((p) => p.length)).toEqual([2000, 2000, 500]);
  });

  it('gives the event loop a turn between pages unless asked not to', async () => {
    for (const pauseBetweenPages of [true, false]) {
      const store = fakeStore([1, 2, 3, 4]);
      let turns = 0;
      let spinning = true;
      const spin = (): void => {
        if (!spinning) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      const before: number[] = [];
      for await (const page of scanCaptures(store, { endpoint: 'e' }, { pageSize: 1, pauseBetweenPages })) {
        expect(page).toHaveLength(1);
        before.push(turns);
      }
      spinning = false;
      if (pauseBetweenPages) expect(before[3]! - before[0]!).toBeGreaterThanOrEqual(3);
      else expect(before[3]).toBe(before[0]);
    }
  });

  it('stops reading when the consumer breaks off', async () => {
    const store = fakeStore([1, 2, 3, 4, 5, 6]);
    for await (const page of scanCaptures(store, { endpoint: 'e' }, { pageSize: 2 })) {
      if (page[0]!.id === 3) break;
    }
    expect(store.queries).toHaveLength(2);
  });
});
