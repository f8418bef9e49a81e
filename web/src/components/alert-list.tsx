// The endpoint's alerts, newest first, each with its webhook deliveries and every delivery attempt (time, HTTP status
// or error, how long it took, when the next retry is due), so a silent receiver is visible here.

import { api, seg } from '../lib/api-client.js';
import { ms, when } from '../lib/format.js';
import type { Alert, AlertDelivery, DeliveryAttempt } from '../lib/monitoring-types.js';
import { usePoll } from '../lib/use-poll.js';
import { DataTable } from './data-table.js';
import { ErrorBox } from './error-box.js';
import { StatusBadge } from './status-badge.js';

function Attempts({ delivery }: { delivery: AlertDelivery }) {
  return (
    <DataTable<DeliveryAttempt & { n: number }>
      caption={`Attempts to deliver to ${delivery.url}`}
      rows={delivery.attemptLog.map((a, i) => ({ ...a, n: i + 1 }))}
      rowKey={(a) => a.n}
      empty={delivery.status === 'pending' ? `Not tried yet: first try due ${when(delivery.nextAttemptAt)}.` : 'No attempt recorded.'}
      columns={[
        { header: '#', numeric: true, cell: (a) => a.n },
        { header: 'Time', cell: (a) => when(a.time) },
        { header: 'HTTP status', numeric: true, cell: (a) => a.statusCode ?? 'no answer' },
        { header: 'Error', cell: (a) => a.error ?? '—' },
        { header: 'Took', numeric: true, cell: (a) => ms(a.durationMs) },
        { header: 'Next retry', cell: (a) => (a.nextAttemptAt === null ? (a.error ? 'none (given up)' : 'none (delivered)') : when(a.nextAttemptAt)) },
      ]}
    />
  );
}

function AlertItem({ alert, newest }: { alert: Alert; newest: boolean }) {
  return (
    <li class="alert-item card" data-alert={alert.id}>
      <p class="alert-head">
        <StatusBadge status={alert.severity} /> <strong>{alert.kind.replace(/_/g, ' ')}</strong> in window #{alert.windowId}, {when(alert.time)}
        {alert.features.length > 0 ? <> — {alert.features.join(', ')}</> : null}
      </p>
      {alert.deliveries.length === 0
        ? <p class="muted">No webhook delivery (no webhook set, or the alert was below its minimum severity).</p>
        : alert.deliveries.map((d) => (
          // The newest alert's undelivered webhooks open; older ones stay folded so the list stays short.
          <details class="delivery" open={newest && d.status !== 'delivered'}>
            <summary>
              Webhook {d.url}: <StatusBadge status={d.status} /> after {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
              {d.status === 'pending' ? `, next try ${when(d.nextAttemptAt)}` : ''}{d.lastError ? ` — last error: ${d.lastError}` : ''}
            </summary>
            <Attempts delivery={d} />
          </details>
        ))}
    </li>
  );
}

export function AlertList({ endpoint }: { endpoint: string }) {
  const alerts = usePoll((signal) => api.get<Alert[]>(`/api/v1/endpoints/${seg(endpoint)}/monitor/alerts?limit=20`, signal), 5000, [endpoint]);
  return (
    <section aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts and webhook deliveries</h2>
      {alerts.error ? <ErrorBox error={alerts.error} retry={alerts.refresh} /> : null}
      {alerts.data && alerts.data.length === 0
        ? <p class="muted">No alert yet. Alerts are raised when a window has findings; send them to a receiver with <code>slipway monitor set {endpoint} --webhook URL</code>.</p>
        : null}
      {alerts.data && alerts.data.length > 0 ? <ol class="alert-list">{alerts.data.map((a, i) => <AlertItem key={a.id} alert={a} newest={i === 0} />)}</ol> : null}
    </section>
  );
}
