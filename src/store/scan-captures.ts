// Reading a range of an endpoint's captures in id order, one page at a time: the one paging loop over
// LoopStore.captures, for every store (it relies only on the contract that ids grow and pages are keyed by id).

import type { CaptureRecord } from '../core/capture-config.js';
import type { CaptureQuery, LoopStore } from './loop-store.js';

/** Records per query unless a caller asks otherwise: a page of captures stays a few MB in memory. */
export const SCAN_PAGE = 2000;

/** Which captures to read: a CaptureQuery without its page size; `afterId` is where the scan starts (default 0). */
export type CaptureScan = Omit<CaptureQuery, 'limit'>;

export interface ScanOptions {
  /** Records per query (SCAN_PAGE unless given). */
  pageSize?: number;
  /**
   * Whether to give the event loop a turn between two pages (default true): a large range is many pages, and requests
   * should be answered in between. Off for a caller that pauses by its own measure (dataset export, every N rows).
   */
  pauseBetweenPages?: boolean;
}

/**
 * The captures matching `scan`, as non-empty pages in id order, each page read when the previous one has been
 * consumed: at most one page is held here. The scan ends at the first page shorter than the page size; records
 * appended while it runs are seen when their ids come after the page being read (ids only grow), never twice.
 * Breaking out of the loop stops it.
 */
export async function* scanCaptures(
  store: Pick<LoopStore, 'captures'>, scan: CaptureScan, options: ScanOptions = {},
): AsyncGenerator<CaptureRecord[], void, undefined> {
  const limit = options.pageSize ?? SCAN_PAGE;
  const pause = options.pauseBetweenPages ?? true;
  let afterId = scan.afterId ?? 0;
  for (;;) {
    const page = await store.captures({ ...scan, afterId, limit });
    if (page.length > 0) yield page;
    if (page.length < limit) return;
    afterId = page[page.length - 1]!.id!;
    if (pause) await new Promise((resolve) => setImmediate(resolve));
  }
}
