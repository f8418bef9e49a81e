// Where retention by count or by size cuts an endpoint's captures, from the endpoint's totals and its oldest records
// first: the work grows with what is removed, not with what is kept.

/** How many of the oldest records go so that at most `keep` remain (0 when within the bound). */
export function excessRecords(records: number, keep: number): number {
  return Math.max(0, records - keep);
}

/**
 * The id of the newest record to remove so that the newest records kept hold at most `keepBytes` together (the record
 * that would cross the bound goes too); undefined when `totalBytes` is within it. Reads `oldestFirst` (records in id
 * order) only up to that edge.
 */
export function byteEdge(totalBytes: number, keepBytes: number, oldestFirst: Iterable<{ id: number; bytes: number }>): number | undefined {
  const cut = new ByteCut(totalBytes - keepBytes);
  for (const r of oldestFirst) if (!cut.take(r)) break;
  return cut.edge;
}

/** byteEdge over records read as they are needed (pages of a query). */
export async function asyncByteEdge(totalBytes: number, keepBytes: number, oldestFirst: AsyncIterable<{ id: number; bytes: number }>): Promise<number | undefined> {
  const cut = new ByteCut(totalBytes - keepBytes);
  for await (const r of oldestFirst) if (!cut.take(r)) break;
  return cut.edge;
}

/** The walk from the oldest record: each record is offered in id order until one is kept. */
class ByteCut {
  /** Bytes of the records offered so far. */
  private older = 0;
  edge: number | undefined;

  constructor(private readonly excess: number) {}

  /** Whether `r` goes: it does while the bytes older than it are fewer than the excess (the rest would not fit). */
  take(r: { id: number; bytes: number }): boolean {
    if (this.older >= this.excess) return false;
    this.edge = r.id;
    this.older += r.bytes;
    return true;
  }
}
