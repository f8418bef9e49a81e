// Runs each endpoint's monitor: cuts its captures into tumbling windows (by rows or by time), compares each window
// with the baseline, stores the window with its alert events (and the new cursor) in one transaction, and hands the
// events on (webhook, retraining). Works from stored captures only, so a restart resumes exactly at the cursor.

import type { BaselineProfile, Finding } from '../core/baseline.js';
import { decodeTensors } from '../core/capture-codec.js';
import { ColumnCollector, layoutOf } from '../core/capture-layout.js';
import type { CaptureRecord } from '../core/capture-config.js';
import type { MonitorConfig } from '../core/monitor-config.js';
import type { MonitorEvent, MonitorWindow, WebhookDelivery } from '../core/monitor-event.js';
import type { ModelVersion } from '../core/model-version.js';
import { IntervalTask } from '../core/interval-task.js';
import type { LoopStore, NewDelivery } from '../store/loop-store.js';
import { scanCaptures } from '../store/scan-captures.js';
import { evaluateWindow, resolveThresholds } from './drift-check.js';
import { windowHistograms } from './feature-histograms.js';
import type { LoopMetrics } from './loop-metrics.js';

/** A time window is closed this long after its end: captures of its last moments may still be in the buffer. */
const CLOSE_GRACE_MS = 2000;
const TICK_MS = 1000;
/**
 * A time window with more captures than this is evaluated on an even sample of them (every k-th id): memory stays
 * bounded at any traffic, and the drift tests compare far fewer rows than this anyway (drift-check's testRowsCap).
 */
export const MAX_WINDOW_RECORDS = 50_000;
/**
 * Pending rows shown by status are counted up to this many records, past which status says "at least": a dashboard
 * polls status every few seconds, and in SQLite each record counted is a row read on the event loop (~0.3 µs; a
 * million pending records stalled serving ~0.3 s per poll).
 */
const STATUS_SCAN = 20_000;

export interface MonitorDeps {
  store: LoopStore;
  /** Whether this replica holds the monitor duty: windows are cut and judged by one replica only (all when absent). */
  holdsDuty?: () => boolean;
  /** A registry version (NotFoundError when gone). */
  version: (name: string, version: number) => Promise<ModelVersion>;
  /** The version's baseline (undefined while it has none). */
  baseline: (version: ModelVersion) => Promise<BaselineProfile | undefined>;
  metrics: LoopMetrics;
  /** The webhook delivery an event calls for, if any: queued in the transaction that stores the window and its events. */
  deliveryOf?: (event: MonitorEvent, window: MonitorWindow, config: MonitorConfig) => NewDelivery | undefined;
  /** Every event stored, with the window it came from and the delivery queued for it. */
  onEvent: (event: MonitorEvent, window: MonitorWindow, config: MonitorConfig, delivery: WebhookDelivery | undefined) => void;
  log: (details: object, message: string) => void;
  /** Records status counts pending rows over at most (default STATUS_SCAN). */
  statusScan?: number;
}

export interface MonitorStatus {
  endpoint: string;
  config: MonitorConfig;
  /** Why windows are not being evaluated right now (no baseline, …); null when all is well. */
  problem: string | null;
  /** Rows captured since the last window, towards the next one. */
  pendingRows: number;
  /** Whether the count stopped at its bound (STATUS_SCAN records, or the window's size): then at least pendingRows. */
  pendingAtLeast: boolean;
}

/** Groups a window's findings into one event per kind: a 64-feature drift is one alert, not 64. */
export function eventsOf(endpoint: string, findings: Finding[]): Omit<MonitorEvent, 'id' | 'windowId' | 'time'>[] {
  const byKind = new Map<Finding['kind'], Finding[]>();
  for (const f of findings) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f]);
  return [...byKind.entries()].map(([kind, list]) => ({
    endpoint,
    kind,
    severity: list.some((f) => f.severity === 'critical') ? 'critical' : 'warning',
    features: [...new Set(list.map((f) => f.feature))],
    findings: list,
  }));
}

export class MonitorRunner {
  private readonly configs = new Map<string, MonitorConfig>();
  private readonly problems = new Map<string, string | null>();
  /** The evaluation under way per endpoint: close waits for it. */
  private readonly running = new Map<string, Promise<MonitorWindow[]>>();
  private readonly ticker = new IntervalTask(() => this.tick(), TICK_MS);
  private closed = false;

  constructor(private readonly deps: MonitorDeps) {}

  configure(endpoint: string, config: MonitorConfig | undefined): void {
    if (config) this.configs.set(endpoint, config);
    else this.configs.delete(endpoint);
    this.problems.delete(endpoint);
  }

  start(): void {
    this.ticker.start();
  }

  /**
   * Stops evaluating and waits for the window being judged: it is stored with its events handed on (or not at all).
   * Its webhook deliveries are queued in the same transaction, so not even a crash leaves an alert unsent; what a crash
   * between the save and the hand-on loses is the events' retraining trigger, which is not stored.
   * Later evaluations do nothing.
   */
  async close(): Promise<void> {
    this.closed = true;
    this.ticker.stop();
    await Promise.all(this.running.values());
  }

  async status(endpoint: string): Promise<MonitorStatus | undefined> {
    const config = this.configs.get(endpoint);
    if (!config) return undefined;
    const cursor = await this.deps.store.monitorCursor(endpoint);
    const scan = this.deps.statusScan ?? STATUS_SCAN;
    const cap = Math.min(config.windowRows ?? scan, scan);
    const pending = await this.deps.store.rowsAfter(endpoint, cursor.afterId, cap);
    return { endpoint, config, problem: this.problems.get(endpoint) ?? null, pendingRows: pending.rows, pendingAtLeast: pending.records >= cap };
  }

  /** The endpoint's evaluated windows, newest first. */
  windows(endpoint: string, limit: number): Promise<MonitorWindow[]> {
    return this.deps.store.windows(endpoint, limit);
  }

  /** Alert events (of one endpoint, or all), newest first. */
  events(endpoint: string | undefined, options: { limit: number; since?: number; kind?: string }): Promise<MonitorEvent[]> {
    return this.deps.store.events(endpoint, options);
  }

  /** Evaluates every window that is complete, for every enabled monitor. */
  async tick(now = Date.now()): Promise<void> {
    await Promise.all([...this.configs.entries()].filter(([, c]) => c.enabled).map(([endpoint]) => this.evaluate(endpoint, now)));
  }

  /** Evaluates the endpoint's complete windows (one at a time; a call while one runs returns at once). */
  async evaluate(endpoint: string, now = Date.now()): Promise<MonitorWindow[]> {
    const config = this.configs.get(endpoint);
    if (this.closed || !config?.enabled || this.running.has(endpoint) || this.deps.holdsDuty?.() === false) return [];
    const evaluation = this.windowsFrom(endpoint, config, now).finally(() => this.running.delete(endpoint));
    this.running.set(endpoint, evaluation);
    return evaluation;
  }

  private async windowsFrom(endpoint: string, config: MonitorConfig, now: number): Promise<MonitorWindow[]> {
    const done: MonitorWindow[] = [];
    try {
      while (!this.closed) {
        const window = await this.nextWindow(endpoint, config, now);
        if (!window) break;
        done.push(window);
      }
    } catch (err) {
      this.problems.set(endpoint, (err as Error).message);
      this.deps.log({ endpoint, err: (err as Error).message }, 'monitor window failed');
    }
    return done;
  }

  /** Reads, evaluates and stores the next complete window; undefined when none is complete yet. */
  private async nextWindow(endpoint: string, config: MonitorConfig, now: number): Promise<MonitorWindow | undefined> {
    const { store } = this.deps;
    const cursor = await store.monitorCursor(endpoint);
    // A rows window needs only to know whether windowRows have arrived: the scan stops there.
    const pending = await store.rowsAfter(endpoint, cursor.afterId, config.windowRows ?? 1);
    if (pending.firstTime === null) return undefined;
    let windowEnd: number | undefined;
    if (config.windowMs !== null) {
      const start = Math.floor(pending.firstTime / config.windowMs) * config.windowMs;
      windowEnd = start + config.windowMs;
      if (now < windowEnd + CLOSE_GRACE_MS) return undefined;
    } else if (pending.rows < (config.windowRows ?? Infinity)) {
      return undefined;
    }
    const read = await this.readWindow(endpoint, cursor.afterId, config, windowEnd);
    const records = read.records;
    if (records.length === 0) return undefined;
    const served = records.filter((r) => r.status === 'ok');
    const baselineRef = config.baseline ?? mostServed(served.length > 0 ? served : records);
    const version = await this.deps.version(baselineRef.model, baselineRef.version);
    const baseline = await this.deps.baseline(version);
    const label = `${version.name}:${version.version}`;
    if (!baseline) {
      this.problems.set(endpoint, `model version ${label} has no baseline: push its package with a baseline file, or build one from captures with "slipway baseline ${label} --from-endpoint ${endpoint} --since …"`);
      return undefined;
    }
    this.problems.set(endpoint, null);
    const collector = new ColumnCollector(layoutOf(version));
    for (const r of served) {
      if (r.inputs === null && r.outputs === null) continue;
      collector.add(r.inputs && decodeTensors(r.inputs), r.outputs && decodeTensors(r.outputs), r.rows);
    }
    const schemaViolations = records.filter((r) => r.status === 'invalid').length;
    const columns = { features: collector.features(), outputs: collector.outputs() };
    const evaluation = evaluateWindow(
      baseline, { ...columns, requests: served.length + schemaViolations, schemaViolations }, resolveThresholds(config.thresholds),
    );
    const first = records[0]!;
    const last = records[records.length - 1]!;
    const events = eventsOf(endpoint, evaluation.findings);
    const saved = await store.saveWindow(
      {
        endpoint, start: windowEnd !== undefined ? windowEnd - config.windowMs! : first.time, end: windowEnd ?? last.time + 1,
        firstCapture: cursor.afterId + 1, lastCapture: read.lastId, baseline: label,
        drifted: evaluation.findings.some((f) => f.kind !== 'data_quality'), evaluation,
      },
      events,
      // Kept with the window now, on the baseline's bins: showing a heatmap cell later is a lookup.
      windowHistograms(baseline, columns),
      ({ window, events: stored }) => stored.flatMap((event) => this.deps.deliveryOf?.(event, window, config) ?? []),
    );
    // Another holder of the monitor duty (a lease changing hands) saved this window first: its events are its to send.
    if (!saved) return undefined;
    this.deps.metrics.window(endpoint, evaluation);
    for (const event of saved.events) {
      this.deps.metrics.alert(endpoint, event.kind, event.severity);
      try {
        this.deps.onEvent(event, saved.window, config, saved.deliveries.find((d) => d.eventId === event.id));
      } catch (err) {
        this.deps.log({ endpoint, event: event.id, err: (err as Error).message }, 'monitor event handler failed');
      }
    }
    return saved.window;
  }

  /**
   * The captures of the next window — up to `windowRows` served rows, or the captures before `windowEnd` (an even
   * sample of them past MAX_WINDOW_RECORDS) — and the id the window ends at (the monitor's next cursor).
   */
  private async readWindow(
    endpoint: string, afterId: number, config: MonitorConfig, windowEnd: number | undefined,
  ): Promise<{ records: CaptureRecord[]; lastId: number }> {
    const statuses: CaptureRecord['status'][] = ['ok', 'invalid'];
    let sampleEvery = 1;
    let lastId: number | undefined;
    if (windowEnd !== undefined) {
      const bounds = await this.deps.store.windowBounds(endpoint, afterId, windowEnd, statuses);
      if (bounds.lastId === null) return { records: [], lastId: afterId };
      lastId = bounds.lastId;
      sampleEvery = Math.ceil(bounds.records / MAX_WINDOW_RECORDS);
    }
    const records: CaptureRecord[] = [];
    let rows = 0;
    // A window is many pages at high traffic: the scan lets requests be answered between them.
    const scan = scanCaptures(this.deps.store, {
      endpoint, afterId, statuses, sampleEvery, ...(windowEnd !== undefined ? { until: windowEnd, untilId: lastId } : {}),
    });
    for await (const page of scan) {
      for (const r of page) {
        records.push(r);
        if (r.status === 'ok') rows += r.rows;
        if (windowEnd === undefined && rows >= config.windowRows!) return { records, lastId: r.id! };
      }
    }
    return { records, lastId: lastId ?? records[records.length - 1]?.id ?? afterId };
  }
}

/** The model version that served most rows of the window: its baseline is the one the window is compared with. */
function mostServed(records: CaptureRecord[]): { model: string; version: number } {
  const counts = new Map<string, { model: string; version: number; rows: number }>();
  for (const r of records) {
    const key = `${r.model}:${r.version}`;
    const entry = counts.get(key) ?? { model: r.model, version: r.version, rows: 0 };
    entry.rows += r.rows;
    counts.set(key, entry);
  }
  return [...counts.values()].sort((a, b) => b.rows - a.rows)[0]!;
}
