// A list of endpoints linking to one page kind (rollouts, monitoring) when the URL names none.

import { api } from '../lib/api-client.js';
import type { EndpointView } from '../lib/api-types.js';
import { usePoll } from '../lib/use-poll.js';
import { ErrorBox } from './error-box.js';
import { Link } from './link.js';
import { StatusBadge } from './status-badge.js';

export function EndpointPicker({ base, what }: { base: string; what: string }) {
  const { data, error, refresh } = usePoll((signal) => api.get<EndpointView[]>('/api/v1/endpoints', signal), 0, []);
  if (error) return <ErrorBox error={error} retry={refresh} />;
  if (!data) return <p class="muted">Loading…</p>;
  if (data.length === 0) return <p class="muted">No endpoints yet.</p>;
  return (
    <nav aria-label={`Endpoints: ${what}`}>
      <ul class="plain">
        {data.map((e) => <li key={e.name}><Link href={`${base}/${encodeURIComponent(e.name)}`}>{e.name}</Link> <StatusBadge status={e.state} /></li>)}
      </ul>
    </nav>
  );
}
