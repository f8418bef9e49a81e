// Rollouts across every endpoint: the active ones first, then the recent ones newest first, each linking to its
// timeline; empty, it says how to start one.

import { api, seg } from '../lib/api-client.js';
import type { EndpointView } from '../lib/api-types.js';
import { when } from '../lib/format.js';
import type { RolloutSummary } from '../lib/rollout-types.js';
import { usePoll } from '../lib/use-poll.js';
import { DataTable } from './data-table.js';
import { ErrorBox } from './error-box.js';
import { Link } from './link.js';
import { StatusBadge } from './status-badge.js';
import { duration } from './step-timeline.js';

const PER_ENDPOINT = 10;

const isActive = (r: RolloutSummary): boolean => r.status === 'running' || r.status === 'paused';

/** Active first, then by start, newest first. */
export function orderRollouts(all: RolloutSummary[]): RolloutSummary[] {
  return [...all].sort((a, b) => Number(isActive(b)) - Number(isActive(a)) || b.startedAt - a.startedAt);
}

export function rolloutHref(r: Pick<RolloutSummary, 'endpoint' | 'id'>): string {
  return `/rollouts/${seg(r.endpoint)}/${seg(r.id)}`;
}

export function RolloutList() {
  const { data, error, refresh } = usePoll(async (signal) => {
    const endpoints = await api.get<EndpointView[]>('/api/v1/endpoints', signal);
    const lists = await Promise.all(endpoints.map((e) => api.get<RolloutSummary[]>(`/api/v1/endpoints/${seg(e.name)}/rollouts?limit=${PER_ENDPOINT}`, signal)));
    return { endpoints: endpoints.map((e) => e.name), rollouts: orderRollouts(lists.flat()) };
  }, 3000, []);
  if (error && !data) return <ErrorBox error={error} retry={refresh} />;
  if (!data) return <p class="muted">Loading…</p>;
  const example = data.endpoints[0] ?? '<endpoint>';
  return (
    <>
      {error ? <ErrorBox error={error} retry={refresh} /> : null}
      <DataTable<RolloutSummary>
        caption={`Rollouts on ${data.endpoints.length} endpoint${data.endpoints.length === 1 ? '' : 's'}: active first, then the last ${PER_ENDPOINT} of each`}
        rows={data.rollouts}
        rowKey={(r) => r.id}
        empty={`No rollout yet. Start a canary with: slipway rollout ${example} --to ${example}:2 --strategy canary --steps 10,50,100 --bake 2m --gate "error_rate<=0.01"`}
        columns={[
          { header: 'Endpoint', cell: (r) => <Link href={rolloutHref(r)}>{r.endpoint}</Link> },
          { header: 'Status', cell: (r) => <StatusBadge status={r.status} /> },
          { header: 'Strategy', cell: (r) => r.strategy },
          { header: 'From → to', cell: (r) => <span class="mono">{r.from} → {r.to}</span> },
          { header: 'Step', cell: (r) => (r.strategy === 'canary' ? `${r.step} of ${r.steps.length} (${r.steps.join(' → ')}%)` : `${r.step} of ${r.steps.length}`) },
          { header: 'Started', cell: (r) => `${when(r.startedAt)} by ${r.actor}` },
          { header: 'Took', numeric: true, cell: (r) => (r.finishedAt === null ? `${duration(Date.now() - r.startedAt)} so far` : duration(r.finishedAt - r.startedAt)) },
          { header: 'Reason', cell: (r) => r.reason ?? '' },
        ]}
      />
      {data.endpoints.length > 0 ? (
        <nav aria-label="Rollout of an endpoint">
          <h2>By endpoint</h2>
          <ul class="plain inline-list">
            {data.endpoints.map((e) => <li key={e}><Link href={`/rollouts/${seg(e)}`}>{e}</Link></li>)}
          </ul>
        </nav>
      ) : <p class="muted">No endpoints yet: deploy one (slipway deploy) before rolling out a new version.</p>}
    </>
  );
}
