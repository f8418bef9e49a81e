// Servers measured in alternating windows (A, B, C, A, B, C, …) at each concurrency, medians per server: on a shared
// machine whose speed drifts by tens of percent over minutes, a ratio of windows seconds apart is the fair one.

import type { Measurement } from './measurement.js';
import { median } from './stats.js';

export interface Contender {
  label: string;
  /** One measured window at `connections`. */
  measure: (connections: number) => Promise<Measurement>;
}

export interface HeadToHeadRow {
  connections: number;
  /** Per contender, in the order given: every window, and the medians of rate and p50. */
  sides: { label: string; windows: Measurement[]; medianRate: number; medianP50Ms: number }[];
}

/**
 * Contender `of` against contender `against` (indexes into sides), round by round (windows seconds apart), then the
 * median over rounds: a drift that slows both servers for a round cancels out of its ratio, where the medians of each
 * side do not pair.
 */
export function pairedRatio(row: HeadToHeadRow, of: number, against: number, value: (m: Measurement) => number): number {
  const a = row.sides[against]?.windows;
  const b = row.sides[of]?.windows;
  return a && b ? median(a.map((m, round) => value(b[round]!) / value(m))) : Number.NaN;
}

/** `rounds` alternating windows per concurrency; the contender that goes first alternates too, so neither always warms the other's caches. */
export async function headToHead(contenders: readonly Contender[], connections: readonly number[], rounds: number, onWindow: (m: Measurement) => void = () => undefined): Promise<HeadToHeadRow[]> {
  const rows: HeadToHeadRow[] = [];
  for (const c of connections) {
    const windows = contenders.map(() => [] as Measurement[]);
    for (let round = 0; round < rounds; round++) {
      for (let k = 0; k < contenders.length; k++) {
        const i = (k + round) % contenders.length;
        const m = await contenders[i]!.measure(c);
        windows[i]!.push(m);
        onWindow(m);
      }
    }
    rows.push({
      connections: c,
      sides: contenders.map((x, i) => ({
        label: x.label,
        windows: windows[i]!,
        medianRate: median(windows[i]!.map((m) => m.requestsPerSec)),
        medianP50Ms: median(windows[i]!.map((m) => m.latency.p50Ms)),
      })),
    });
  }
  return rows;
}
