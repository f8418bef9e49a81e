// Prometheus metrics of serving: Triton-compatible names (so existing Grafana dashboards work) plus Slipway's own.

import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { HandlerMicros } from '../runtime/runner.js';
import type { RateLimitReason, RejectionReason, RequestObservation, ServingObserver, ServingState } from '../serving/serving-observer.js';

type MvCounter = Counter.Internal;
type EvHistogram = Histogram.Internal<'endpoint' | 'variant'>;

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
  private readonly latency: Histogram<'endpoint' | 'variant'>;
  private readonly queueLatency: Histogram<'endpoint' | 'variant'>;
  private readonly computeLatency: Histogram<'endpoint' | 'variant'>;
  private readonly batchSize: Histogram<'endpoint' | 'variant'>;
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
    this.success = new Counter({ name: 'nv_inference_request_success', help: 'Number of successful inference requests', labelNames: mv, registers: r });
    this.failure = new Counter({ name: 'nv_inference_request_failure', help: 'Number of failed inference requests', labelNames: [...mv, 'reason'], registers: r });
    this.inferences = new Counter({ name: 'nv_inference_count', help: 'Number of inferences performed (a batch of N rows counts N)', labelNames: mv, registers: r });
    this.executions = new Counter({ name: 'nv_inference_exec_count', help: 'Number of model executions (batches run)', labelNames: mv, registers: r });
    this.requestMicros = new Counter({ name: 'nv_inference_request_duration_us', help: 'Cumulative inference request duration in microseconds', labelNames: mv, registers: r });
    this.queueMicros = new Counter({ name: 'nv_inference_queue_duration_us', help: 'Cumulative time requests spent queued, in microseconds', labelNames: mv, registers: r });
    this.computeMicros = new Counter({ name: 'nv_inference_compute_infer_duration_us', help: 'Cumulative compute time of requests, in microseconds', labelNames: mv, registers: r });
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
    this.latency = new Histogram({ name: 'slipway_request_duration_seconds', help: 'Inference latency inside the server (queue + compute)', labelNames: ev, buckets: LATENCY_BUCKETS, registers: r });
    this.queueLatency = new Histogram({ name: 'slipway_request_queue_seconds', help: 'Time a request waited for an instance', labelNames: ev, buckets: LATENCY_BUCKETS, registers: r });
    this.computeLatency = new Histogram({ name: 'slipway_request_compute_seconds', help: 'Time the batch holding a request took to run', labelNames: ev, buckets: LATENCY_BUCKETS, registers: r });
    this.batchSize = new Histogram({ name: 'slipway_batch_size', help: 'Rows per model execution', labelNames: ev, buckets: BATCH_BUCKETS, registers: r });
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

  /** Label-bound children per (endpoint, variant, version): looked up once, not hashed on every request. */
  private readonly bound = new Map<string, {
    success: MvCounter; inferences: MvCounter; requestMicros: MvCounter; queueMicros: MvCounter;
    computeMicros: MvCounter; latency: EvHistogram; queueLatency: EvHistogram; computeLatency: EvHistogram;
  }>();

  private children(endpoint: string, variant: string, version: number): NonNullable<ReturnType<typeof this.bound.get>> {
    const key = `${endpoint}\u0000${variant}\u0000${version}`;
    let c = this.bound.get(key);
    if (!c) {
      const mv = { model: endpoint, version: String(version) };
      const ev = { endpoint, variant };
      c = {
        success: this.success.labels(mv), inferences: this.inferences.labels(mv), requestMicros: this.requestMicros.labels(mv),
        queueMicros: this.queueMicros.labels(mv), computeMicros: this.computeMicros.labels(mv),
        latency: this.latency.labels(ev), queueLatency: this.queueLatency.labels(ev), computeLatency: this.computeLatency.labels(ev),
      };
      this.bound.set(key, c);
    }
    return c;
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
    c.success.inc();
    c.requestMicros.inc(o.durationMicros);
    c.latency.observe(o.durationMicros / 1e6);
    if (o.queueMicros !== undefined) {
      c.queueMicros.inc(o.queueMicros);
      c.queueLatency.observe(o.queueMicros / 1e6);
    }
    if (o.computeMicros !== undefined) {
      c.computeMicros.inc(o.computeMicros);
      c.computeLatency.observe(o.computeMicros / 1e6);
    }
    if (o.rows !== undefined) c.inferences.inc(o.rows);
  }

  observeBatch(endpoint: string, variant: string, version: number, rows: number, handler?: HandlerMicros): void {
    this.executions.inc({ model: endpoint, version: String(version) });
    this.batchSize.observe({ endpoint, variant }, rows);
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
