// Monitoring: an endpoint's capture and monitor at a glance, the drift heatmap (feature × window, prediction drift
// apart) with a cell's histograms, data-quality findings, live quality from feedback, alerts with their webhook
// attempts, and retraining runs with their logs.

import { useState } from 'preact/hooks';
import { AlertList } from '../components/alert-list.js';
import { DriftCellPanel } from '../components/drift-cell-panel.js';
import { DriftHeatmapGrid, type CellRef } from '../components/drift-heatmap.js';
import '../components/monitoring.css';
import { EndpointPicker } from '../components/endpoint-picker.js';
import { ErrorBox } from '../components/error-box.js';
import { DataQualityTable } from '../components/findings-table.js';
import { Link } from '../components/link.js';
import { QualityCharts } from '../components/quality-charts.js';
import { RetrainRuns } from '../components/retrain-runs.js';
import { StatusBadge } from '../components/status-badge.js';
import { api, seg } from '../lib/api-client.js';
import type { LoopStatus } from '../lib/api-types.js';
import type { DriftHeatmap } from '../lib/monitoring-types.js';
import { usePoll } from '../lib/use-poll.js';

/** Windows on the heatmap: enough to see a trend, few enough for the columns to stay readable. */
const WINDOWS = 20;

export function MonitoringPage({ name }: Record<string, string>) {
  if (!name) {
    return <section><h1>Monitoring</h1><p>Pick an endpoint to see its monitor.</p><EndpointPicker base="/monitoring" what="monitoring" /></section>;
  }
  return <MonitoringOf key={name} name={name} />;
}

function MonitorFacts({ s }: { s: LoopStatus }) {
  return (
    <dl class="facts">
      <dt>Capture</dt>
      <dd>
        <StatusBadge status={s.capture.enabled ? 'on' : 'off'} /> {s.capture.stats.records} records stored
        {s.capture.enabled ? `, sampling ${Math.round(s.capture.sampleRate * 100)}% of requests` : <> — turn on with <code>slipway capture {s.endpoint} --on</code></>}
      </dd>
      <dt>Monitor</dt>
      <dd>
        {s.monitor ? <StatusBadge status={s.monitor.problem ? 'warning' : 'on'} /> : <StatusBadge status="off" />}{' '}
        {s.monitor?.problem ?? (s.monitor ? `${s.monitor.pendingAtLeast ? 'at least ' : ''}${s.monitor.pendingRows} rows towards the next window` : <>not configured — <code>slipway monitor set {s.endpoint} --on --window-rows 1000</code></>)}
      </dd>
      <dt>Retraining</dt><dd>{s.retrain ? 'configured' : 'not configured'}</dd>
    </dl>
  );
}

function MonitoringOf({ name }: { name: string }) {
  const status = usePoll((signal) => api.get<LoopStatus>(`/api/v1/endpoints/${seg(name)}/monitor/status`, signal), 5000, [name]);
  const heatmap = usePoll((signal) => api.get<DriftHeatmap>(`/api/v1/endpoints/${seg(name)}/monitor/heatmap?windows=${WINDOWS}`, signal), 5000, [name]);
  const [selected, setSelected] = useState<CellRef | null>(null);
  const h = heatmap.data;
  // Closing the panel puts focus back on the cell that opened it, so keyboard users keep their place in the grid.
  const close = (cell: CellRef): void => {
    setSelected(null);
    const button = document.querySelector<HTMLButtonElement>(`button.heat-cell[data-window="${cell.windowId}"][data-feature="${CSS.escape(cell.feature)}"]`);
    button?.focus();
  };
  return (
    <section>
      <h1>Monitoring <Link href={`/endpoints/${seg(name)}`}>{name}</Link></h1>
      {status.error ? <ErrorBox error={status.error} retry={status.refresh} /> : null}
      {status.data ? <MonitorFacts s={status.data} /> : null}

      <section aria-labelledby="drift-title">
        <h2 id="drift-title">Drift, last {WINDOWS} windows</h2>
        {heatmap.error ? <ErrorBox error={heatmap.error} retry={heatmap.refresh} /> : null}
        {h && h.windows.length === 0 ? (
          <p class="muted">
            No window evaluated yet. With capture on and a monitor set (<code>slipway monitor set {name} --on --window-rows 1000</code>),
            a window is evaluated each time that many captured rows have arrived.
          </p>
        ) : null}
        {h && h.windows.length > 0 ? <DriftHeatmapGrid heatmap={h} selected={selected} onSelect={setSelected} /> : null}
        {selected ? <DriftCellPanel endpoint={name} cell={selected} onClose={() => close(selected)} /> : null}
      </section>

      <DataQualityTable endpoint={name} windows={WINDOWS} />
      <QualityCharts endpoint={name} />
      <AlertList endpoint={name} />
      <RetrainRuns endpoint={name} />
    </section>
  );
}
