// An endpoint's spec as YAML, its revision history, the diff between any two revisions, and restoring one (confirmed).

import { useState } from 'preact/hooks';
import { stringify } from 'yaml';
import { api, seg } from '../lib/api-client.js';
import type { HistoryEvent } from '../lib/api-types.js';
import { when } from '../lib/format.js';
import { lineDiff } from '../lib/line-diff.js';
import { usePoll } from '../lib/use-poll.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { DataTable } from './data-table.js';
import { ErrorBox, messageOf } from './error-box.js';

function yamlOf(spec: unknown): string {
  return spec === null || spec === undefined ? '' : stringify(spec);
}

export function SpecHistory({ endpoint, onRestored }: { endpoint: string; onRestored: () => void }) {
  const spec = usePoll((signal) => api.get<Record<string, unknown>>(`/api/v1/endpoints/${seg(endpoint)}/spec`, signal), 0, [endpoint]);
  const history = usePoll((signal) => api.get<HistoryEvent[]>(`/api/v1/endpoints/${seg(endpoint)}/history`, signal), 0, [endpoint]);
  const [from, setFrom] = useState<number | undefined>(undefined);
  const [to, setTo] = useState<number | undefined>(undefined);
  const [restoring, setRestoring] = useState<HistoryEvent | undefined>(undefined);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);

  const events = (history.data ?? []).filter((e) => e.spec !== null).sort((a, b) => b.id - a.id);
  const a = events.find((e) => e.id === from) ?? events[1];
  const b = events.find((e) => e.id === to) ?? events[0];

  const restore = async (event: HistoryEvent): Promise<void> => {
    setRestoring(undefined);
    try {
      const reply = await api.post<{ revision: number }>(`/api/v1/endpoints/${seg(endpoint)}/restore`, { event: event.id, reason: 'restored from the dashboard' });
      setResult({ ok: true, text: `Restored revision ${event.revision}: the endpoint is now at revision ${reply.revision}.` });
      spec.refresh();
      history.refresh();
      onRestored();
    } catch (err) {
      setResult({ ok: false, text: messageOf(err) });
    }
  };

  const option = (e: HistoryEvent) => <option value={e.id}>revision {e.revision} · {e.action} · {when(e.time)}</option>;
  return (
    <section class="card spec" aria-labelledby="spec-title">
      <h2 id="spec-title">Spec and history</h2>
      {result ? <p role="status" class={result.ok ? 'notice' : 'error-box'}>{result.text}</p> : null}
      {spec.error ? <ErrorBox error={spec.error} retry={spec.refresh} /> : null}
      <details open>
        <summary>Current spec (YAML, as <code>slipway apply -f</code> takes it)</summary>
        <pre class="code" data-field="spec-yaml">{spec.data ? yamlOf(spec.data) : 'Loading…'}</pre>
      </details>
      {history.error ? <ErrorBox error={history.error} retry={history.refresh} /> : null}
      <DataTable<HistoryEvent>
        caption="Revisions, newest first"
        rows={events}
        rowKey={(e) => e.id}
        columns={[
          { header: 'Revision', numeric: true, cell: (e) => e.revision },
          { header: 'When', cell: (e) => when(e.time) },
          { header: 'Who', cell: (e) => e.actor },
          { header: 'What', cell: (e) => e.action },
          { header: 'Why', cell: (e) => e.reason ?? '' },
          { header: '', cell: (e) => <button type="button" onClick={() => { setResult(undefined); setRestoring(e); }} aria-label={`Restore revision ${e.revision} (event ${e.id})`}>Restore…</button> },
        ]}
      />
      {events.length >= 2 && a && b ? (
        <div class="diff">
          <h3>Compare revisions</h3>
          <div class="diff-pick">
            <label>From <select value={a.id} onChange={(e) => setFrom(Number((e.target as HTMLSelectElement).value))}>{events.map(option)}</select></label>
            <label>To <select value={b.id} onChange={(e) => setTo(Number((e.target as HTMLSelectElement).value))}>{events.map(option)}</select></label>
          </div>
          <pre class="code diff-lines" aria-label={`Changes from revision ${a.revision} to revision ${b.revision}`}>
            {lineDiff(yamlOf(a.spec), yamlOf(b.spec)).map((line) => (
              <span class={`diff-${line.kind}`}>{line.kind === 'added' ? '+ ' : line.kind === 'removed' ? '- ' : '  '}{line.text}{'\n'}</span>
            ))}
          </pre>
        </div>
      ) : <p class="muted">One revision so far: nothing to compare.</p>}
      {restoring ? (
        <ConfirmDialog title={`Restore revision ${restoring.revision}?`} confirmLabel="Restore" onCancel={() => setRestoring(undefined)} onConfirm={() => void restore(restoring)}>
          <p>The endpoint will serve the spec recorded at revision {restoring.revision} ({restoring.action}, {when(restoring.time)}). Variants that differ load, warm up and take over; this makes a new revision.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
