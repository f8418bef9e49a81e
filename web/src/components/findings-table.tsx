// Monitor findings: the data-quality table of the last windows (missing rates, out-of-range values, schema problems)
// and a short list of one cell's findings.

import { api, seg } from '../lib/api-client.js';
import { formatStat } from '../lib/drift-scale.js';
import { when } from '../lib/format.js';
import type { Finding, WindowFindings } from '../lib/monitoring-types.js';
import { usePoll } from '../lib/use-poll.js';
import { DataTable } from './data-table.js';
import { ErrorBox } from './error-box.js';
import { StatusBadge } from './status-badge.js';

export function FindingsList({ findings }: { findings: Finding[] }) {
  return (
    <ul class="findings-list" aria-label="Findings">
      {findings.map((f) => <li><StatusBadge status={f.severity} /> {f.message}</li>)}
    </ul>
  );
}

interface Row extends Finding {
  key: string;
  windowId: number;
  end: number;
}

export function DataQualityTable({ endpoint, windows }: { endpoint: string; windows: number }) {
  const polled = usePoll(
    (signal) => api.get<WindowFindings[]>(`/api/v1/endpoints/${seg(endpoint)}/monitor/findings?kind=data_quality&windows=${windows}`, signal),
    10_000,
    [endpoint, windows],
  );
  const rows: Row[] = (polled.data ?? []).flatMap((w) => w.findings.map((f, i) => ({ ...f, key: `${w.windowId}:${i}`, windowId: w.windowId, end: w.end })));
  return (
    <section aria-labelledby="quality-findings-title">
      <h2 id="quality-findings-title">Data quality</h2>
      {polled.error ? <ErrorBox error={polled.error} retry={polled.refresh} /> : null}
      {polled.data ? (
        <DataTable<Row>
          caption={`Data-quality findings of the last ${windows} windows, newest first`}
          rows={rows}
          rowKey={(r) => r.key}
          empty="No data-quality finding: no missing values, out-of-range values or schema problems past their thresholds."
          columns={[
            { header: 'Window', numeric: true, cell: (r) => `#${r.windowId}` },
            { header: 'Window end', cell: (r) => when(r.end) },
            { header: 'Feature', cell: (r) => r.feature },
            { header: 'Check', cell: (r) => r.check.replace(/_/g, ' ') },
            { header: 'Severity', cell: (r) => <StatusBadge status={r.severity} /> },
            { header: 'Value', numeric: true, cell: (r) => formatStat(r.value) },
            { header: 'Threshold', numeric: true, cell: (r) => formatStat(r.threshold) },
            { header: 'Message', cell: (r) => r.message },
          ]}
        />
      ) : null}
    </section>
  );
}
