// Prometheus metrics of serving: Triton-compatible names (so existing Grafana dashboards work) plus Slipway's own.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HandlerMicros } from '../runtime/runner.js';
import type { RateLimitReason, RejectionReason, RequestObservation, ServingObserver, ServingState } from '../serving/serving-observer.js';
import { idlePoll } from '../serving/idle-poll.js';
import { LocalHistogram, type HistogramChild } from './local-histogram.js';

/** The per-(model, version) counters of one variant, added up here and handed to prom-client when it is scraped. */
class PendingCounts {
  success = 0;
  inferences = 0;
  requestMicros = 0;
  queueMicros = 0;
  computeMicros = 0;
  executions = 0;
  /** Which counts were added to (even by 0) since the last scrape: prom-client shows a series from its first inc. */
  touched = 0;

  constructor(readonly labels: { model: string; version: string }) {}
}

const SUCCESS = 1;
const INFERENCES = 2;
const REQUEST_MICROS = 4;
const QUEUE_MICROS = 8;
const COMPUTE_MICROS = 16;
const EXECUTIONS = 32;

/** What one request or batch touches, bound once per (endpoint, variant, version). */
interface Bound {
  counts: PendingCounts;
  latency: HistogramChild;
  queueLatency: HistogramChild;
  computeLatency: HistogramChild;
  batchSize: HistogramChild;
}

const LATENCY_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_BUCKETS = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

export class ServingMetrics implements ServingObserver {
  readonly registry = new Registry();
  private readonly success: Counter<'model' | 'version'>;
  private readonly failure: Counter<'model' | 'version' | 'reason'>;
  private readonly inferences: Counter<'model' | 'version'>;
  private readonly executions: Counter<'model' | 'version'>;
  private readonly requestMicros: Counter<'model' | 'version'>;
  private readonly queueMicros: Counter<'model' | 'version'>;
  private readonly computeMicros: Counter<'model' | 'version'>;
  private readonly latency: LocalHistogram;
  private readonly queueLatency: LocalHistogram;
  private readonly computeLatency: LocalHistogram;
  private readonly batchSize: LocalHistogram;
  private readonly rateLimited: Counter<'endpoint' | 'reason'>;
  private readonly handlerLatency: Histogram<'endpoint' | 'variant' | 'stage'>;

  /** Until serving registers, nothing is pending and no variant has a window. */
  private state: ServingState = { pendingByVersion: () => [], variantWindows: () => [] };

  constructor() {
    const state = (): ServingState => this.state;
    collectDefaultMetrics({ register: this.registry });
    const mv = ['model', 'version'] as const;
    const ev = ['endpoint', 'variant'] as const;
    const r = [this.registry];
    // Counted per request in plain numbers (PendingCounts) and added to these when scraped: a prom-client inc hashes
    // and checks its labels every time. Whichever counter is read first moves every pending count.
    const collect = (): void => this.flushCounts();
    this.success = new Counter({ name: 'nv_inference_request_success', help: 'Number of successful inference requests', labelNames: mv, registers: r, collect });
    this.failure = new Counter({ name: 'nv_inference_request_failure', help: 'Number of failed inference requests', labelNames: [...mv, 'reason'], registers: r });
    this.inferences = new Counter({ name: 'nv_inference_count', help: 'Number of inferences performed (a batch of N rows counts N)', labelNames: mv, registers: r, collect });
    this.executions = new Counter({ name: 'nv_inference_exec_count', help: 'Number of model executions (batches run)', labelNames: mv, registers: r, collect });
    this.requestMicros = new Counter({ name: 'nv_inference_request_duration_us', help: 'Cumulative inference request duration in microseconds', labelNames: mv, registers: r, collect });
    this.queueMicros = new Counter({ name: 'nv_inference_queue_duration_us', help: 'Cumulative time requests spent queued, in microseconds', labelNames: mv, registers: r, collect });
    this.computeMicros = new Counter({ name: 'nv_inference_compute_infer_duration_us', help: 'Cumulative compute time of requests, in microseconds', labelNames: mv, registers: r, collect });
    this.rateLimited = new Counter({
      name: 'slipway_rate_limited_total', help: 'Inference requests refused by a rate limit (reason: endpoint or token), before their body was read',
      labelNames: ['endpoint', 'reason'], registers: r,
    });
    new Gauge({
      name: 'nv_inference_pending_request_count',
      help: 'Requests queued or running, per model version',
      labelNames: mv,
      registers: r,
      collect() {
        this.reset();
        for (const p of state().pendingByVersion()) this.set({ model: p.endpoint, version: String(p.version) }, p.pending);
      },
    });
    // What polling for the next request costs this process (serving/idle-poll.ts), read when scraped.
    new Counter({
      name: 'slipway_idle_poll_seconds_total',
      help: 'Time the event loop spent polling for the next request after the last one in flight finished (CPU spent for latency)',
      registers: r,
      collect() {
        this.reset();
        this.inc(idlePoll.polledSeconds);
      },
    });
    new Gauge({
      name: 'slipway_idle_poll_window_seconds',
      help: 'How long the event loop polls for the next request now (adapts to the gaps between requests; 0: it sleeps at once; with workers, the longest)',
      registers: r,
      aggregator: 'max',
      collect() {
        this.set(idlePoll.windowMicros / 1e6);
      },
    });
    // Four gauges read the same windows in one scrape; a snapshot sorts latency samples, so take it once per scrape.
    let windows: { at: number; list: ReturnType<ServingState['variantWindows']> } = { at: 0, list: [] };
    const currentWindows = (): ReturnType<ServingState['variantWindows']> => {
      const now = Date.now();
      if (now - windows.at > 1000) windows = { at: now, list: state().variantWindows() };
      return windows.list;
    };
    const windowGauge = (name: string, help: string, read: (w: ReturnType<ServingState['variantWindows']>[number]) => number | null): void => {
      new Gauge({
        name,
        help,
        labelNames: ['endpoint', 'variant', 'shadow'],
        registers: r,
        collect() {
          this.reset();
          for (const w of currentWindows()) {
            const value = read(w);
            if (value !== null) this.set({ endpoint: w.endpoint, variant: w.variant, shadow: String(w.shadow) }, value);
          }
        },
      });
    };
    windowGauge('slipway_variant_window_requests', 'Requests a variant answered in its current window (shadows: copies run)', (w) => w.requests);
    windowGauge('slipway_variant_error_rate', 'Share of failed or NaN answers in the variant\'s current window', (w) => w.errorRate);
    windowGauge('slipway_variant_p99_seconds', 'p99 latency of the variant in its current window', (w) => (w.p99Ms === null ? null : w.p99Ms / 1000));
    windowGauge('slipway_variant_agreement', 'Share of rows where the variant (shadow or compared canary) agreed with the live answer', (w) => w.agreement);
    this.latency = new LocalHistogram({ name: 'slipway_request_duration_seconds', help: 'Inference latency inside the server (queue + compute)', labelNames: ev, buckets: LATENCY_BUCKETS, registers: r });
    this.queueLatency = new LocalHistogram({ name: 'slipway_request_queue_seconds', help: 'Time a request waited for an instance', labelNames: ev, buckets: LATENCY_BUCKETS, registers: r });
    this.computeLatency = new LocalHistogram({ name: 'slipway_request_compute_seconds', help: 'Time the batch holding a request took to run', labelNames: ev, buckets: LATENCY_BUCKETS, registers: r });
    this.batchSize = new LocalHistogram({ name: 'slipway_batch_size', help: 'Rows per model execution', labelNames: ev, buckets: BATCH_BUCKETS, registers: r });
    this.handlerLatency = new Histogram({
      name: 'slipway_handler_seconds',
      help: 'Time a package handler took per execution (stage pre: preprocess, post: postprocess), apart from the model',
      labelNames: [...ev, 'stage'], buckets: LATENCY_BUCKETS, registers: r,
    });
  }

  /** Registers the serving state the gauges read at scrape time (once, when the endpoints are built). */
  observe(state: ServingState): void {
    this.state = state;
  }

  /** Label-bound counts per (endpoint, variant, version): looked up once per request, never hashed by prom-client. */
  private readonly bound = new Map<string, Map<string, Bound>>();
  /** Each (model, version)'s pending counts, shared by the variants that serve it. */
  private readonly pending = new Map<string, PendingCounts>();

  private children(endpoint: string, variant: string, version: number): Bound {
    let variants = this.bound.get(endpoint);
    if (!variants) this.bound.set(endpoint, (variants = new Map()));
    // Variant names are unique within an endpoint; the version is checked, as a variant may be re-pointed.
    let c = variants.get(variant);
    if (!c || c.counts.labels.version !== String(version)) {
      const mvKey = `${endpoint}\u0000${version}`;
      let counts = this.pending.get(mvKey);
      if (!counts) this.pending.set(mvKey, (counts = new PendingCounts({ model: endpoint, version: String(version) })));
      const ev = { endpoint, variant };
      c = {
        counts, latency: this.latency.child(ev), queueLatency: this.queueLatency.child(ev), computeLatency: this.computeLatency.child(ev),
        batchSize: this.batchSize.child(ev),
      };
      variants.set(variant, c);
    }
    return c;
  }

  /** Adds the counts gathered since the last scrape to the prom-client counters. */
  private flushCounts(): void {
    for (const p of this.pending.values()) {
      const t = p.touched;
      if (t === 0) continue;
      if (t & SUCCESS) this.success.inc(p.labels, p.success);
      if (t & INFERENCES) this.inferences.inc(p.labels, p.inferences);
      if (t & REQUEST_MICROS) this.requestMicros.inc(p.labels, p.requestMicros);
      if (t & QUEUE_MICROS) this.queueMicros.inc(p.labels, p.queueMicros);
      if (t & COMPUTE_MICROS) this.computeMicros.inc(p.labels, p.computeMicros);
      if (t & EXECUTIONS) this.executions.inc(p.labels, p.executions);
      p.success = p.inferences = p.requestMicros = p.queueMicros = p.computeMicros = p.executions = 0;
      p.touched = 0;
    }
  }

  observeRateLimited(endpoint: string, reason: RateLimitReason): void {
    this.rateLimited.inc({ endpoint, reason });
  }

  observeRequest(o: RequestObservation, reason: RejectionReason = 'error'): void {
    if (!o.ok) {
      this.failure.inc({ model: o.endpoint, version: String(o.version), reason });
      return;
    }
    const c = this.children(o.endpoint, o.variant, o.version);
    const p = c.counts;
    p.success++;
    p.requestMicros += o.durationMicros;
    p.touched |= SUCCESS | REQUEST_MICROS;
    c.latency.observe(o.durationMicros / 1e6);
    if (o.queueMicros !== undefined) {
      p.queueMicros += o.queueMicros;
      p.touched |= QUEUE_MICROS;
      c.queueLatency.observe(o.queueMicros / 1e6);
    }
    if (o.computeMicros !== undefined) {
      p.computeMicros += o.computeMicros;
      p.touched |= COMPUTE_MICROS;
      c.computeLatency.observe(o.computeMicros / 1e6);
    }
    if (o.rows !== undefined) {
      p.inferences += o.rows;
      p.touched |= INFERENCES;
    }
  }

  observeBatch(endpoint: string, variant: string, version: number, rows: number, handler?: HandlerMicros): void {
    const c = this.children(endpoint, variant, version);
    c.counts.executions++;
    c.counts.touched |= EXECUTIONS;
    c.batchSize.observe(rows);
    if (handler) {
      this.handlerLatency.observe({ endpoint, variant, stage: 'pre' }, handler.pre / 1e6);
      this.handlerLatency.observe({ endpoint, variant, stage: 'post' }, handler.post / 1e6);
    }
  }

  /** Where the exposition text comes from: this process's registry, or (a --workers worker) the whole server's. */
  private source: () => Promise<string> = () => this.registry.metrics();

  text(): Promise<string> {
    return this.source();
  }

  /** Serves `source` at /metrics instead of this process's registry alone (the sum over every worker). */
  aggregateWith(source: () => Promise<string>): void {
    this.source = source;
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
