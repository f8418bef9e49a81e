// Keeps every variant's per-second series (variant-series.ts) from what serving reports, and samples queue depth and
// agreement once a second: the source of the dashboard's live charts and overview numbers.

import { IntervalTask } from '../core/interval-task.js';
import type { RejectionReason, RequestObservation, ServingObserver, ServingState } from '../serving/serving-observer.js';
import { VariantSeries, type SeriesPoint } from './variant-series.js';

/** Seconds of history kept per variant: the longest window a chart asks for (15 minutes). */
export const SERIES_SECONDS = 900;

export interface VariantSeriesView {
  variant: string;
  /** Absent when the variant is no longer live (its points stay until they age out of the ring). */
  shadow?: boolean;
  live: boolean;
  points: SeriesPoint[];
}

/** A summary of the last seconds of one variant: what the overview shows next to its sparkline. */
export interface VariantSummary {
  requestsPerSecond: number;
  errorRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

interface Tracked {
  series: VariantSeries;
  version: number;
  /** A shadow's window request count at the last tick: shadows' copies reach only their window, not the observer. */
  windowRequests: number;
}

export class SeriesRecorder implements ServingObserver {
  private readonly endpoints = new Map<string, Map<string, Tracked>>();
  private state: ServingState | undefined;
  private readonly ticker = new IntervalTask(() => this.tick(), 1000);

  constructor(private readonly clock: () => number = Date.now, readonly capacity = SERIES_SECONDS) {}

  /** The live table to sample queue depth and agreement from, once a second from start() on. */
  observe(state: ServingState): void {
    this.state = state;
  }

  start(): void {
    this.ticker.start();
  }

  stop(): void {
    this.ticker.stop();
  }

  observeRequest(o: RequestObservation, reason?: RejectionReason): void {
    this.track(o.endpoint, o.variant, o.version).record(this.second(), o.ok, o.durationMicros / 1000, o.ok ? undefined : (reason ?? 'error'));
  }

  observeBatch(endpoint: string, variant: string, version: number, rows: number): void {
    this.track(endpoint, variant, version).recordBatch(this.second(), rows);
  }

  /** One endpoint's variants with their finished seconds after `since` (epoch seconds), oldest first. */
  series(endpoint: string, since = -Infinity): VariantSeriesView[] {
    const now = this.second();
    const shadows = this.liveVariants(endpoint);
    const tracked = this.endpoints.get(endpoint) ?? new Map<string, Tracked>();
    const names = new Set([...shadows.keys(), ...tracked.keys()]);
    return [...names].map((variant) => {
      const shadow = shadows.get(variant);
      const points = tracked.get(variant)?.series.points(now, since) ?? [];
      return { variant, live: shadow !== undefined, ...(shadow !== undefined ? { shadow } : {}), points };
    });
  }

  /** Throughput, error rate and latency over the last `seconds` finished seconds of one variant's points. */
  static summarize(points: readonly SeriesPoint[], seconds: number): VariantSummary {
    const recent = points.slice(-seconds);
    let requests = 0;
    let errors = 0;
    let p50: number | null = null;
    let p99: number | null = null;
    for (const p of recent) {
      requests += p.requests;
      errors += p.errors.error;
      // The worst second's p99 and the median second's p50 would need the raw samples; the latest second that had
      // traffic is what a glance at an overview wants.
      if (p.p50Ms !== null) p50 = p.p50Ms;
      if (p.p99Ms !== null) p99 = p.p99Ms;
    }
    const answered = requests + errors;
    return { requestsPerSecond: recent.length === 0 ? 0 : requests / recent.length, errorRate: answered === 0 ? null : errors / answered, p50Ms: p50, p99Ms: p99 };
  }

  /** Samples queue depth and agreement into each live variant's current second; forgets variants long gone. */
  tick(): void {
    const state = this.state;
    if (!state) return;
    const now = this.second();
    const pending = new Map(state.pendingByVersion().map((p) => [`${p.endpoint}\u0000${p.version}`, p.pending]));
    const live = new Set<string>();
    for (const w of state.variantWindows()) {
      live.add(`${w.endpoint}\u0000${w.variant}`);
      let tracked = this.endpoints.get(w.endpoint)?.get(w.variant);
      if (!tracked && w.shadow && w.requests > 0) {
        this.track(w.endpoint, w.variant, -1);
        tracked = this.endpoints.get(w.endpoint)?.get(w.variant);
      }
      if (!tracked) continue; // nothing happened to it yet; its first request starts its series
      if (w.shadow) {
        // A window restarts at each rollout step: then everything in it is new.
        const added = w.requests >= tracked.windowRequests ? w.requests - tracked.windowRequests : w.requests;
        tracked.windowRequests = w.requests;
        if (added > 0) tracked.series.addRequests(now, added);
      }
      tracked.series.sample(now, pending.get(`${w.endpoint}\u0000${tracked.version}`) ?? 0, w.agreement);
    }
    for (const [endpoint, variants] of this.endpoints) {
      for (const [variant, tracked] of variants) {
        if (!live.has(`${endpoint}\u0000${variant}`) && now - tracked.series.lastSecond > this.capacity) variants.delete(variant);
      }
      if (variants.size === 0) this.endpoints.delete(endpoint);
    }
  }

  private liveVariants(endpoint: string): Map<string, boolean> {
    const out = new Map<string, boolean>();
    for (const w of this.state?.variantWindows() ?? []) if (w.endpoint === endpoint) out.set(w.variant, w.shadow);
    return out;
  }

  private track(endpoint: string, variant: string, version: number): VariantSeries {
    let variants = this.endpoints.get(endpoint);
    if (!variants) this.endpoints.set(endpoint, (variants = new Map()));
    let tracked = variants.get(variant);
    if (!tracked) variants.set(variant, (tracked = { series: new VariantSeries(this.capacity), version, windowRequests: 0 }));
    if (version >= 0) tracked.version = version;
    return tracked.series;
  }

  private second(): number {
    return Math.floor(this.clock() / 1000);
  }
}
