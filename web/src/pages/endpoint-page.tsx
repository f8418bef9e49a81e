// Endpoint: its state and variants, live charts every second, capture, and the spec with its revisions.

import { CapturePanel } from '../components/capture-panel.js';
import { DataTable } from '../components/data-table.js';
import { ErrorBox } from '../components/error-box.js';
import { Link } from '../components/link.js';
import { LiveCharts } from '../components/live-charts.js';
import { SpecHistory } from '../components/spec-history.js';
import { StatusBadge } from '../components/status-badge.js';
import { api, seg } from '../lib/api-client.js';
import type { EndpointView } from '../lib/api-types.js';
import { when } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';

type Variant = EndpointView['variants'][number];

function runtimeOf(v: Variant): string {
  const r = (v.running ?? v.runtime) as { instances?: number; maxBatchSize?: number; onEventLoop?: boolean };
  return [r.instances !== undefined ? `${r.instances} instance${r.instances === 1 ? '' : 's'}` : '', r.maxBatchSize !== undefined ? `batch ≤ ${r.maxBatchSize}` : '', r.onEventLoop ? 'event loop' : '']
    .filter(Boolean).join(', ');
}

export function EndpointPage({ name = '' }: Record<string, string>) {
  const { data, error, refresh } = usePoll((signal) => api.get<EndpointView>(`/api/v1/endpoints/${seg(name)}`, signal), 5000, [name]);
  return (
    <section class="endpoint">
      <h1>Endpoint <span class="mono">{name}</span> {data ? <StatusBadge status={data.state} /> : null}</h1>
      <p class="sub">
        <Link href={`/rollouts/${seg(name)}`}>Rollout</Link> · <Link href={`/monitoring/${seg(name)}`}>Monitoring</Link>
        {data ? <> · revision {data.revision}, updated {when(data.updatedAt)}</> : null}
      </p>
      {error ? <ErrorBox error={error} retry={refresh} /> : null}
      {data?.error ? <div class="error-box" role="alert">{data.error}</div> : null}
      {data ? (
        <DataTable<Variant>
          caption="Variants"
          rows={data.variants}
          rowKey={(v) => v.name}
          columns={[
            { header: 'Variant', cell: (v) => v.name },
            { header: 'Model', cell: (v) => <Link href={`/models/${seg(v.model.split(':')[0] ?? v.model)}`}>{v.model}</Link> },
            { header: 'Weight', numeric: true, cell: (v) => v.weight },
            { header: 'Runtime', cell: (v) => <span title={v.picked}>{runtimeOf(v)}</span> },
          ]}
        />
      ) : null}
      <LiveCharts endpoint={name} />
      <div class="cards">
        <CapturePanel endpoint={name} />
      </div>
      <SpecHistory endpoint={name} onRestored={refresh} />
    </section>
  );
}
