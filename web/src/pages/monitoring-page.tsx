// Monitoring: an endpoint's capture, monitor settings and problem, its last windows and recent alerts. (A first
// version: the drift heatmap, histograms, accuracy over time and webhook attempts come later.)

import { DataTable } from '../components/data-table.js';
import { EndpointPicker } from '../components/endpoint-picker.js';
import { ErrorBox } from '../components/error-box.js';
import { Link } from '../components/link.js';
import { StatusBadge } from '../components/status-badge.js';
import { api, seg } from '../lib/api-client.js';
import type { LoopStatus } from '../lib/api-types.js';
import { when } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';

type MonitorWindow = Pick<import('../lib/api-types.js').MonitorWindow, 'id' | 'start' | 'end' | 'baseline' | 'drifted' | 'firstCapture' | 'lastCapture'>;

export function MonitoringPage({ name }: Record<string, string>) {
  if (!name) {
    return <section><h1>Monitoring</h1><p>Pick an endpoint to see its monitor.</p><EndpointPicker base="/monitoring" what="monitoring" /></section>;
  }
  return <MonitoringOf name={name} />;
}

function MonitoringOf({ name }: { name: string }) {
  const status = usePoll((signal) => api.get<LoopStatus>(`/api/v1/endpoints/${seg(name)}/monitor/status`, signal), 5000, [name]);
  const windows = usePoll((signal) => api.get<MonitorWindow[]>(`/api/v1/endpoints/${seg(name)}/monitor/windows?limit=20`, signal), 10000, [name]);
  const s = status.data;
  return (
    <section>
      <h1>Monitoring <Link href={`/endpoints/${seg(name)}`}>{name}</Link></h1>
      {status.error ? <ErrorBox error={status.error} retry={status.refresh} /> : null}
      {s ? (
        <dl class="facts">
          <dt>Capture</dt><dd><StatusBadge status={s.capture.enabled ? 'on' : 'off'} /> {s.capture.stats.records} records stored</dd>
          <dt>Monitor</dt><dd>{s.monitor ? <StatusBadge status={s.monitor.problem ? 'warning' : 'on'} /> : <StatusBadge status="off" />} {s.monitor?.problem ?? (s.monitor ? `${s.monitor.pendingRows} rows towards the next window` : 'not configured')}</dd>
          <dt>Recent alerts</dt><dd>{s.monitor ? s.monitor.recentEvents.length : 0}</dd>
        </dl>
      ) : null}
      {windows.error ? <ErrorBox error={windows.error} retry={windows.refresh} /> : null}
      {windows.data ? (
        <DataTable<MonitorWindow>
          caption="Monitor windows, newest first"
          rows={windows.data}
          rowKey={(w) => w.id}
          empty="No window evaluated yet."
          columns={[
            { header: 'Window', numeric: true, cell: (w) => w.id },
            { header: 'From', cell: (w) => when(w.start) },
            { header: 'To', cell: (w) => when(w.end) },
            { header: 'Captures', numeric: true, cell: (w) => w.lastCapture - w.firstCapture + 1 },
            { header: 'Baseline', cell: (w) => w.baseline },
            { header: 'Drift', cell: (w) => <StatusBadge status={w.drifted ? 'warning' : 'ready'} /> },
          ]}
        />
      ) : null}
    </section>
  );
}
