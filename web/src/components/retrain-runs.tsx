// Retraining runs of an endpoint, newest first: status, trigger, start and end, the exported dataset, the version it
// produced (to the Models page) and the rollout started for it (to the Rollout page); each run's log opens in place.

import { useState } from 'preact/hooks';
import { api, seg } from '../lib/api-client.js';
import { when } from '../lib/format.js';
import type { RetrainRun } from '../lib/monitoring-types.js';
import { usePoll } from '../lib/use-poll.js';
import { DataTable } from './data-table.js';
import { ErrorBox } from './error-box.js';
import { Link } from './link.js';
import { StatusBadge } from './status-badge.js';

/** "name:3" → the Models page of that model (the version named in the link's text). */
function versionLink(ref: string) {
  const name = ref.split(':')[0] ?? ref;
  return <Link href={`/models/${seg(name)}`}>{ref}</Link>;
}

function RunLog({ id }: { id: number }) {
  // The list carries the log too, but the run's own route is the one that stays current while it runs.
  const run = usePoll((signal) => api.get<RetrainRun>(`/api/v1/retrain/runs/${id}`, signal), 3000, [id]);
  return (
    <section class="run-log" aria-labelledby="run-log-title">
      <h3 id="run-log-title">Log of run #{id}{run.data ? <> <StatusBadge status={run.data.status} /></> : null}</h3>
      {run.error ? <ErrorBox error={run.error} retry={run.refresh} /> : null}
      {run.data ? (
        <>
          {run.data.error ? <p><strong>Error:</strong> {run.data.error}</p> : null}
          <p class="muted">Exit code {run.data.exitCode ?? '–'}; output in {run.data.outputDir ?? '–'}. The last 64 KiB of stdout and stderr:</p>
          <pre class="code" tabIndex={0} aria-label={`Log of retraining run ${id}`}>{run.data.log || '(empty)'}</pre>
        </>
      ) : null}
    </section>
  );
}

export function RetrainRuns({ endpoint }: { endpoint: string }) {
  const runs = usePoll((signal) => api.get<RetrainRun[]>(`/api/v1/endpoints/${seg(endpoint)}/retrain/runs?limit=20`, signal), 10_000, [endpoint]);
  const [open, setOpen] = useState<number | null>(null);
  return (
    <section aria-labelledby="retrain-title">
      <h2 id="retrain-title">Retraining runs</h2>
      {runs.error ? <ErrorBox error={runs.error} retry={runs.refresh} /> : null}
      {runs.data ? (
        <DataTable<RetrainRun>
          caption="Retraining runs, newest first"
          rows={runs.data}
          rowKey={(r) => r.id}
          empty={`No retraining run yet. Configure one with slipway retrain set ${endpoint} --on --command '["python3","retrain.py"]', or start one by hand with slipway retrain run ${endpoint}.`}
          columns={[
            { header: 'Run', numeric: true, cell: (r) => `#${r.id}` },
            { header: 'Status', cell: (r) => <StatusBadge status={r.status} /> },
            { header: 'Trigger', cell: (r) => (r.eventId !== null ? `${r.trigger} (alert #${r.eventId})` : r.trigger) },
            { header: 'Started', cell: (r) => when(r.startedAt) },
            { header: 'Ended', cell: (r) => (r.finishedAt ? when(r.finishedAt) : 'running') },
            { header: 'Dataset', cell: (r) => (r.dataset ? <><code>{r.dataset}</code>{r.datasetRows !== null ? ` (${r.datasetRows} rows)` : ''}</> : '–') },
            { header: 'Produced version', cell: (r) => (r.producedVersion ? versionLink(r.producedVersion) : '–') },
            { header: 'Validation', cell: (r) => (r.validationPassed === null ? '–' : <StatusBadge status={r.validationPassed ? 'succeeded' : 'failed'} />) },
            { header: 'Rollout', cell: (r) => (r.rolloutId ? <Link href={`/rollouts/${seg(endpoint)}`}>{r.rolloutId}</Link> : '–') },
            {
              header: 'Log',
              cell: (r) => (
                <button type="button" class="link-button" aria-expanded={open === r.id} onClick={() => setOpen(open === r.id ? null : r.id)}>
                  {open === r.id ? 'Hide log' : 'Show log'}
                </button>
              ),
            },
          ]}
        />
      ) : null}
      {open !== null ? <RunLog id={open} /> : null}
    </section>
  );
}
