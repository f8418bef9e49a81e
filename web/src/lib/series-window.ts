// The endpoint page's live data: each variant's points for the last N seconds, merged from polls and pruned as time
// moves on, so memory stays bounded however long the page is open; and the columns a chart draws from them.

import type { EndpointSeries, SeriesPoint } from './api-types.js';

export interface VariantPoints {
  variant: string;
  shadow: boolean;
  live: boolean;
  byTime: Map<number, SeriesPoint>;
}

export class SeriesWindow {
  readonly variants = new Map<string, VariantPoints>();
  /** The newest second any poll returned; the next poll asks for points after it. */
  last = 0;

  constructor(readonly seconds: number) {}

  add(reply: EndpointSeries): void {
    const oldest = reply.now - this.seconds;
    for (const v of reply.variants) {
      let held = this.variants.get(v.variant);
      if (!held) this.variants.set(v.variant, (held = { variant: v.variant, shadow: v.shadow ?? false, live: v.live, byTime: new Map() }));
      held.live = v.live;
      held.shadow = v.shadow ?? held.shadow;
      for (const p of v.points) {
        held.byTime.set(p.t, p);
        if (p.t > this.last) this.last = p.t;
      }
    }
    for (const [name, held] of this.variants) {
      for (const t of held.byTime.keys()) if (t < oldest) held.byTime.delete(t);
      if (held.byTime.size === 0 && !held.live) this.variants.delete(name);
    }
  }

  /** The seconds shown: from the oldest point held to the newest, one a second. */
  times(): number[] {
    let first = Infinity;
    for (const held of this.variants.values()) for (const t of held.byTime.keys()) if (t < first) first = t;
    if (first === Infinity) return [];
    const out: number[] = [];
    for (let t = first; t <= this.last; t++) out.push(t);
    return out;
  }

  /** One column per variant: `read` of its point at each second, null where it has none. */
  column(times: readonly number[], variant: VariantPoints, read: (p: SeriesPoint) => number | null): (number | null)[] {
    return times.map((t) => {
      const p = variant.byTime.get(t);
      return p === undefined ? null : read(p);
    });
  }

  list(): VariantPoints[] {
    return [...this.variants.values()].sort((a, b) => Number(a.shadow) - Number(b.shadow) || a.variant.localeCompare(b.variant));
  }
}
