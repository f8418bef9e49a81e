// Overview: active rollouts and recent alerts at the top, then every endpoint with its variants, weights, last
// minute's req/s, p50/p99, error rate and a sparkline of each variant.

import { useEffect } from 'preact/hooks';
import { DataTable } from '../components/data-table.js';
import { ErrorBox } from '../components/error-box.js';
import { Link } from '../components/link.js';
import { Sparkline } from '../components/sparkline.js';
import { StatusBadge } from '../components/status-badge.js';
import { api } from '../lib/api-client.js';
import type { Overview, OverviewEndpoint } from '../lib/api-types.js';
import { ms, percent, rate, when } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';

export function OverviewPage() {
  const { data, error, refresh } = usePoll((signal) => api.get<Overview>('/api/v1/overview', signal), 2000, []);
  // When the first data was on screen: the first-render budget is measured against this mark (browser tests).
  useEffect(() => {
    if (data && performance.getEntriesByName('slipway:overview-drawn').length === 0) performance.mark('slipway:overview-drawn');
  }, [data !== undefined]);
  if (!data) return error ? <ErrorBox error={error} retry={refresh} /> : <p class="muted" role="status">Loading…</p>;
  return (
    <section class="overview">
      <h1>Overview</h1>
      {error ? <ErrorBox error={error} retry={refresh} /> : null}
      <div class="cards">
        <section class="card" aria-labelledby="rollouts-title">
          <h2 id="rollouts-title">Active rollouts</h2>
          {data.rollouts.length === 0 ? <p class="muted">None running.</p> : (
            <ul class="plain">
              {data.rollouts.map((r) => (
                <li key={r.id}>
                  <Link href={`/rollouts/${encodeURIComponent(r.endpoint)}`}>{r.endpoint}</Link>{' '}
                  <StatusBadge status={r.status} /> {r.stable} → {r.candidate}, step {r.stepIndex + 1} of {r.steps.length} ({r.steps[r.stepIndex] ?? 100}%)
                </li>
              ))}
            </ul>
          )}
        </section>
        <section class="card" aria-labelledby="alerts-title">
          <h2 id="alerts-title">Alerts in the last hour</h2>
          {data.alerts.length === 0 ? <p class="muted">None.</p> : (
            <ul class="plain">
              {data.alerts.slice(0, 8).map((a) => (
                <li key={a.id}>
                  <StatusBadge status={a.severity} /> <Link href={`/monitoring/${encodeURIComponent(a.endpoint)}`}>{a.endpoint}</Link>{' '}
                  {a.kind.replace('_', ' ')}{a.features.length > 0 ? `: ${a.features.slice(0, 4).join(', ')}${a.features.length > 4 ? '…' : ''}` : ''}{' '}
                  <span class="muted">{when(a.time)}</span>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <DataTable<OverviewEndpoint>
        caption="Endpoints (last minute)"
        rows={data.endpoints}
        rowKey={(e) => e.name}
        empty="No endpoints yet: deploy one with slipway deploy."
        columns={[
          { header: 'Endpoint', cell: (e) => <Link href={`/endpoints/${encodeURIComponent(e.name)}`}>{e.name}</Link> },
          { header: 'State', cell: (e) => <span title={e.error}><StatusBadge status={e.state} /></span> },
          { header: 'Variants (weight)', cell: (e) => <VariantList endpoint={e} /> },
          { header: 'req/s', numeric: true, cell: (e) => <span data-field="rps">{rate(e.summary.requestsPerSecond)}</span> },
          { header: 'p50', numeric: true, cell: (e) => ms(e.summary.p50Ms) },
          { header: 'p99', numeric: true, cell: (e) => ms(e.summary.p99Ms) },
          { header: 'errors', numeric: true, cell: (e) => percent(e.summary.errorRate) },
        ]}
      />
    </section>
  );
}

function VariantList({ endpoint }: { endpoint: OverviewEndpoint }) {
  const total = endpoint.variants.filter((v) => !v.shadow).reduce((sum, v) => sum + v.weight, 0);
  return (
    <ul class="variants">
      {endpoint.variants.map((v) => (
        <li key={v.name}>
          <span class="variant-name">{v.name}</span> <span class="muted">{v.model}</span>{' '}
          {v.shadow ? <StatusBadge status="shadow" /> : <span title={`weight ${v.weight}`}>{total > 0 ? percent(v.weight / total) : '0%'}</span>}{' '}
          <Sparkline values={v.spark} label={`${v.name} requests per second over the last minute`} />{' '}
          <span class="muted">{rate(v.summary.requestsPerSecond)} req/s · p99 {ms(v.summary.p99Ms)}</span>
        </li>
      ))}
    </ul>
  );
}
