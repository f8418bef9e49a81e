// Live model quality from feedback, per variant over the last hour in one-minute buckets: accuracy and F1 for a
// classifier, MAE and RMSE for a regressor (GET /api/v1/endpoints/:name/quality).

import { api, seg } from '../lib/api-client.js';
import type { QualityBucket, QualityReport } from '../lib/monitoring-types.js';
import { usePoll } from '../lib/use-poll.js';
import { ErrorBox } from './error-box.js';
import { TimeChart, type ChartLine } from './time-chart.js';

type Metric = 'accuracy' | 'f1' | 'mae' | 'rmse';

const HOUR_S = 3600;

/**
 * One line per variant on the union of bucket times (seconds), null where a variant had no feedback; the hour's two
 * ends are added as empty points so the time axis always spans the hour asked for, however few buckets have feedback.
 */
export function qualityLines(buckets: QualityBucket[], metric: Metric, span: { from: number; to: number }): { times: number[]; lines: ChartLine[] } {
  const times = [...new Set([span.from, ...buckets.map((b) => Date.parse(b.start) / 1000), span.to])].sort((a, b) => a - b);
  const index = new Map(times.map((t, i) => [t, i]));
  const variants = [...new Set(buckets.map((b) => b.variant))];
  const lines = variants.map((variant) => {
    const values: (number | null)[] = times.map(() => null);
    for (const b of buckets) if (b.variant === variant) values[index.get(Date.parse(b.start) / 1000)!] = b[metric] ?? null;
    return { label: variant, values };
  });
  return { times, lines };
}

export function QualityCharts({ endpoint }: { endpoint: string }) {
  const report = usePoll(async (signal) => {
    const reply = await api.get<QualityReport>(`/api/v1/endpoints/${seg(endpoint)}/quality?since=${HOUR_S}s&bucket=1m`, signal);
    const now = Math.floor(Date.now() / 1000);
    return { reply, span: { from: now - HOUR_S, to: now } };
  }, 15_000, [endpoint]);
  const r = report.data?.reply;
  const span = report.data?.span ?? { from: 0, to: 0 };
  const charts: { title: string; unit: string; metric: Metric }[] = r?.kind === 'regression'
    ? [{ title: 'Mean absolute error', unit: 'target units', metric: 'mae' }, { title: 'Root mean squared error', unit: 'target units', metric: 'rmse' }]
    : [{ title: 'Accuracy', unit: 'share correct', metric: 'accuracy' }, { title: 'F1 (macro)', unit: 'F1', metric: 'f1' }];
  return (
    <section aria-labelledby="live-quality-title">
      <h2 id="live-quality-title">Live quality from feedback, last hour</h2>
      {report.error ? <ErrorBox error={report.error} retry={report.refresh} /> : null}
      {r && r.buckets.length === 0 ? (
        <p class="muted">
          No feedback in the last hour. Post ground truth for served requests (capture on), e.g.{' '}
          <code>slipway feedback {endpoint} --id &lt;request id&gt; {r.kind === 'regression' ? '--value 151' : '--label 3'}</code>
          {' '}or <code>POST /api/v1/endpoints/{endpoint}/feedback</code>.
        </p>
      ) : null}
      {r && r.buckets.length > 0 ? (
        <>
          <div class="chart-grid">
            {charts.map((c) => {
              const { times, lines } = qualityLines(r.buckets, c.metric, span);
              return <TimeChart title={`${c.title} per variant (1-minute buckets)`} unit={c.unit} times={times} lines={lines} points />;
            })}
          </div>
          <p class="muted">{r.buckets.reduce((a, b) => a + b.labelled, 0)} labelled rows{r.skipped > 0 ? `; ${r.skipped} feedback entries could not be compared` : ''}.</p>
        </>
      ) : null}
    </section>
  );
}
