// Whether an endpoint's traffic is captured, how much is stored, and a switch to turn capture on or off.

import { useState } from 'preact/hooks';
import { api, seg } from '../lib/api-client.js';
import type { LoopStatus } from '../lib/api-types.js';
import { bytes, percent, when } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';
import { ErrorBox } from './error-box.js';
import { StatusBadge } from './status-badge.js';

export function CapturePanel({ endpoint }: { endpoint: string }) {
  const { data, error, refresh } = usePoll((signal) => api.get<LoopStatus>(`/api/v1/endpoints/${seg(endpoint)}/monitor/status`, signal), 5000, [endpoint]);
  const [actionError, setActionError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const toggle = async (enabled: boolean): Promise<void> => {
    setBusy(true);
    setActionError(undefined);
    try {
      await api.put(`/api/v1/endpoints/${seg(endpoint)}/capture`, { enabled });
      refresh();
    } catch (err) {
      setActionError(err);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card" aria-labelledby="capture-title">
      <h2 id="capture-title">Capture</h2>
      {error ? <ErrorBox error={error} retry={refresh} /> : null}
      {actionError ? <ErrorBox error={actionError} /> : null}
      {data ? (
        <>
          <p>
            <StatusBadge status={data.capture.enabled ? 'on' : 'off'} /> sampling {percent(data.capture.sampleRate)} of requests{' '}
            <button type="button" disabled={busy} onClick={() => void toggle(!data.capture.enabled)}>
              {data.capture.enabled ? 'Turn capture off' : 'Turn capture on'}
            </button>
          </p>
          <dl class="facts">
            <dt>Stored records</dt><dd data-field="capture-records">{data.capture.stats.records}</dd>
            <dt>Rows</dt><dd>{data.capture.stats.rows}</dd>
            <dt>Size</dt><dd>{bytes(data.capture.stats.bytes)}</dd>
            <dt>Buffered</dt><dd>{data.capture.buffered}</dd>
            <dt>Newest</dt><dd>{when(data.capture.stats.newest)}</dd>
          </dl>
        </>
      ) : error ? null : <p class="muted">Loading…</p>}
    </section>
  );
}
