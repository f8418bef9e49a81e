// Slipway's own view of a measurement window, from /metrics: nv_inference_* counters (batch sizes, queue and compute time) and
// prom-client's event-loop delay gauges (reset on every scrape, so the second scrape of a window describes that window).

export interface ServerWindow {
  /** Successful requests the server counted for the endpoint. */
  requests: number;
  /** Failed requests by reason (overloaded, deadline, cancelled, invalid, error). */
  failures: Record<string, number>;
  /** Model executions (batches) and rows they ran. */
  executions: number;
  meanBatchRows: number;
  /** Per successful request, inside the server: waiting for an instance, running, and both (excludes HTTP/gRPC decode and encode). */
  meanQueueMs: number;
  meanComputeMs: number;
  meanInServerMs: number;
  /** Main-thread event-loop delay over the window (prom-client's monitorEventLoopDelay). */
  eventLoopLagMeanMs: number;
  eventLoopLagP99Ms: number;
  eventLoopLagMaxMs: number;
}

type Counters = Map<string, number>;

const LINE = /^(nv_inference_[a-z_]+)\{([^}]*)\} (\S+)$/;
const LAG = /^nodejs_eventloop_lag_(mean|p99|max)_seconds(?:\{[^}]*\})? (\S+)$/;

async function scrape(baseUrl: string, endpoint: string): Promise<Counters> {
  const res = await fetch(`${baseUrl}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${text.slice(0, 200)}`);
  const counters: Counters = new Map();
  for (const line of text.split('\n')) {
    const lag = LAG.exec(line);
    if (lag) counters.set(`lag:${lag[1] ?? ''}`, Number(lag[2]));
    const m = LINE.exec(line);
    if (!m) continue;
    const [, name = '', labels = '', value = ''] = m;
    if (!labels.includes(`model="${endpoint}"`)) continue;
    const reason = /reason="([^"]*)"/.exec(labels)?.[1];
    const key = reason === undefined ? name : `${name}:${reason}`;
    counters.set(key, (counters.get(key) ?? 0) + Number(value));
  }
  return counters;
}

/** Scrapes at begin() and end(), and reports the difference for one endpoint. */
export class ServerMetricsProbe {
  private before: Counters | undefined;

  constructor(
    private readonly baseUrl: string,
    private readonly endpoint: string,
  ) {}

  async begin(): Promise<void> {
    this.before = await scrape(this.baseUrl, this.endpoint);
  }

  async end(): Promise<ServerWindow> {
    const after = await scrape(this.baseUrl, this.endpoint);
    const before = this.before ?? new Map<string, number>();
    const d = (key: string): number => (after.get(key) ?? 0) - (before.get(key) ?? 0);
    const requests = d('nv_inference_request_success');
    const executions = d('nv_inference_exec_count');
    const failures: Record<string, number> = {};
    for (const key of after.keys()) {
      if (key.startsWith('nv_inference_request_failure:')) {
        const n = d(key);
        if (n > 0) failures[key.slice('nv_inference_request_failure:'.length)] = n;
      }
    }
    const perRequestMs = (key: string): number => (requests > 0 ? d(key) / requests / 1000 : Number.NaN);
    return {
      requests,
      failures,
      executions,
      meanBatchRows: executions > 0 ? d('nv_inference_count') / executions : Number.NaN,
      meanQueueMs: perRequestMs('nv_inference_queue_duration_us'),
      meanComputeMs: perRequestMs('nv_inference_compute_infer_duration_us'),
      meanInServerMs: perRequestMs('nv_inference_request_duration_us'),
      eventLoopLagMeanMs: (after.get('lag:mean') ?? Number.NaN) * 1000,
      eventLoopLagP99Ms: (after.get('lag:p99') ?? Number.NaN) * 1000,
      eventLoopLagMaxMs: (after.get('lag:max') ?? Number.NaN) * 1000,
    };
  }
}
