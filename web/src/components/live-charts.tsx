// An endpoint's live charts, one a second: throughput, latency p50/p99, errors by reason, queue depth, batch size and
// agreement, per variant, from GET /api/v1/endpoints/:name/series (polled for the seconds after the last one held).

import { useRef, useState } from 'preact/hooks';
import { api, seg } from '../lib/api-client.js';
import type { EndpointSeries, SeriesReason } from '../lib/api-types.js';
import { SeriesWindow } from '../lib/series-window.js';
import { usePoll } from '../lib/use-poll.js';
import { ErrorBox } from './error-box.js';
import { TimeChart, type ChartLine } from './time-chart.js';

/** Seconds on screen: five minutes. */
const SECONDS = 300;
const REASONS: SeriesReason[] = ['error', 'overloaded', 'deadline', 'cancelled', 'invalid'];

export function LiveCharts({ endpoint }: { endpoint: string }) {
  const buffer = useRef(new SeriesWindow(SECONDS));
  const [version, setVersion] = useState(0);
  const { error, refresh } = usePoll(async (signal) => {
    const held = buffer.current;
    const query = held.last > 0 ? `since=${held.last}` : `seconds=${SECONDS}`;
    const reply = await api.get<EndpointSeries>(`/api/v1/endpoints/${seg(endpoint)}/series?${query}`, signal);
    held.add(reply);
    setVersion((v) => v + 1);
    return reply.now;
  }, 1000, [endpoint]);

  const held = buffer.current;
  const times = held.times();
  const variants = held.list();
  const per = (read: Parameters<SeriesWindow['column']>[2], only?: (v: (typeof variants)[number]) => boolean, suffix = ''): ChartLine[] =>
    variants.filter(only ?? (() => true)).map((v) => ({ label: `${v.variant}${v.shadow ? ' (shadow)' : ''}${suffix}`, values: held.column(times, v, read) }));
  const errors: ChartLine[] = REASONS.map((reason) => ({
    label: reason,
    values: times.map((t) => {
      let sum: number | null = null;
      for (const v of variants) {
        const p = v.byTime.get(t);
        if (p) sum = (sum ?? 0) + p.errors[reason];
      }
      return sum;
    }),
  }));
  const comparing = variants.filter((v) => [...v.byTime.values()].some((p) => p.agreement !== null));

  return (
    <section class="live" aria-labelledby="live-title" data-version={version}>
      <h2 id="live-title">Live, last {SECONDS / 60} minutes</h2>
      {error ? <ErrorBox error={error} retry={refresh} /> : null}
      <div class="chart-grid">
        <TimeChart title="Throughput" unit="req/s" times={times} lines={per((p) => p.requests)} />
        <TimeChart title="Latency p50 / p99" unit="ms" times={times} lines={[...per((p) => p.p50Ms, undefined, ' p50'), ...per((p) => p.p99Ms, undefined, ' p99')]} />
        <TimeChart title="Errors and refusals by reason" unit="per s" times={times} lines={errors} />
        <TimeChart title="Queue depth" unit="requests" times={times} lines={per((p) => p.queue)} />
        <TimeChart title="Batch size" unit="rows" times={times} lines={per((p) => p.batchSize)} />
        {comparing.length > 0
          ? <TimeChart title="Agreement" unit="share" times={times} lines={per((p) => p.agreement, (v) => comparing.includes(v))} />
          : <figure class="chart"><figcaption>Agreement</figcaption><p class="muted">No shadow or compared variant: nothing to agree with.</p></figure>}
      </div>
    </section>
  );
}
