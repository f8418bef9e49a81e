// Capture on a Slipway server as the bench drives and reads it over HTTP: the endpoint's capture setting, its counters
// in /metrics (requests finished, records written and dropped, the buffer), and a bounded wait for the buffer to drain,
// so a run's records can be compared with its requests.

/** How long captures may take to reach storage after a load run before the counters are read. */
export const DRAIN_MS = 10_000;

/** PUT /api/v1/endpoints/{endpoint}/capture. */
export async function setCapture(baseUrl: string, endpoint: string, capture: { enabled: boolean; sampleRate?: number }): Promise<void> {
  const res = await fetch(`${baseUrl}/api/v1/endpoints/${endpoint}/capture`, {
    method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(capture),
  });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`PUT capture ${JSON.stringify(capture)}: HTTP ${res.status}: ${text}`);
}

/** Slipway's counters for the endpoint that say whether captures kept up: requests it answered, records written or dropped. */
export interface CaptureCounters {
  /** Requests the server finished for the endpoint (successes and failures: both are captured). */
  finished: number;
  records: number;
  dropped: Record<string, number>;
  buffered: number;
}

export async function captureCounters(baseUrl: string, endpoint: string): Promise<CaptureCounters> {
  const res = await fetch(`${baseUrl}/metrics`);
  const text = await res.text();
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}: ${text.slice(0, 200)}`);
  const out: CaptureCounters = { finished: 0, records: 0, dropped: {}, buffered: 0 };
  for (const line of text.split('\n')) {
    const m = /^([a-z_]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (!m) continue;
    const [, name = '', labels = '', raw = ''] = m;
    const value = Number(raw);
    if (name === 'slipway_capture_buffered') out.buffered = value;
    if (name === 'slipway_capture_records_total' && labels.includes(`endpoint="${endpoint}"`)) out.records += value;
    if (name === 'slipway_capture_dropped_total' && labels.includes(`endpoint="${endpoint}"`)) {
      const reason = /reason="([^"]*)"/.exec(labels)?.[1] ?? 'unknown';
      out.dropped[reason] = (out.dropped[reason] ?? 0) + value;
    }
    if ((name === 'nv_inference_request_success' || name === 'nv_inference_request_failure') && labels.includes(`model="${endpoint}"`)) out.finished += value;
  }
  return out;
}

export const droppedTotal = (c: CaptureCounters): number => Object.values(c.dropped).reduce((a, b) => a + b, 0);

/**
 * Waits until every capture has reached storage or been dropped, bounded: the buffer is empty and the counters stand
 * still across two scrapes (the buffer gauge does not count a batch being written), and with `since` until as many
 * records were written or dropped as requests finished after it. Returns the counters then.
 */
export async function drained(baseUrl: string, endpoint: string, since?: CaptureCounters): Promise<CaptureCounters> {
  const deadline = Date.now() + DRAIN_MS;
  const settled = (c: CaptureCounters): number => c.records + droppedTotal(c);
  let last = await captureCounters(baseUrl, endpoint);
  for (;;) {
    await new Promise((r) => setTimeout(r, 300));
    const c = await captureCounters(baseUrl, endpoint);
    const still = c.buffered === 0 && settled(c) === settled(last);
    const complete = since === undefined || settled(c) - settled(since) >= c.finished - since.finished;
    if ((still && complete) || Date.now() > deadline) return c;
    last = c;
  }
}
