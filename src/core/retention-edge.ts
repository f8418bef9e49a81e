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
  const excess = totalBytes - keepBytes;
  if (excess <= 0) return undefined;
  let older = 0;
  let edge: number | undefined;
  for (const r of oldestFirst) {
    // A record goes while the bytes older than it are fewer than the excess: the ones from it on would not fit.
    if (older >= excess) break;
    edge = r.id;
    older += r.bytes;
  }
  return edge;
}
