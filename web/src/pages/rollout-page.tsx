// Rollout: the endpoint's active (or last) rollout — step, gates with their measured values, windows — and the
// pause / resume / promote / abort commands. (A first version: the gate timeline charts come later.)

import { useState } from 'preact/hooks';
import { DataTable } from '../components/data-table.js';
import { EndpointPicker } from '../components/endpoint-picker.js';
import { ErrorBox, messageOf } from '../components/error-box.js';
import { Link } from '../components/link.js';
import { StatusBadge } from '../components/status-badge.js';
import { api, seg } from '../lib/api-client.js';
import type { GateResult, Overview, RolloutState } from '../lib/api-types.js';
import { ms, percent, when } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';

type Window = { variant: string; model: string; weight: number; shadow: boolean; requests: number; errorRate: number | null; p99Ms: number | null; agreement: number | null };
type RolloutReply = RolloutState & { windows: Window[] };
const COMMANDS = ['pause', 'resume', 'promote', 'abort'] as const;

export function RolloutPage({ name }: Record<string, string>) {
  if (!name) {
    return <section><h1>Rollouts</h1><p>Pick an endpoint to see its active or last rollout.</p><EndpointPicker base="/rollouts" what="rollouts" /></section>;
  }
  return <RolloutOf name={name} />;
}

function RolloutOf({ name }: { name: string }) {
  // The overview says whether the endpoint ever had a rollout, so a page of one that never had asks nothing that 404s.
  const { data, error, refresh } = usePoll(async (signal) => {
    const overview = await api.get<Overview>('/api/v1/overview', signal);
    const entry = overview.endpoints.find((e) => e.name === name);
    if (!entry) return { exists: false as const };
    if (!entry.lastRollout) return { exists: true as const, rollout: undefined };
    return { exists: true as const, rollout: await api.get<RolloutReply>(`/api/v1/endpoints/${seg(name)}/rollout`, signal) };
  }, 2000, [name]);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const command = async (c: (typeof COMMANDS)[number]): Promise<void> => {
    setResult(undefined);
    try {
      const state = await api.post<RolloutState>(`/api/v1/endpoints/${seg(name)}/rollout/${c}`);
      setResult({ ok: true, text: `${c}: the rollout is now ${state.status.replace('_', ' ')}.` });
      refresh();
    } catch (err) {
      setResult({ ok: false, text: `${c} failed: ${messageOf(err)}` });
    }
  };
  const r = data?.exists ? data.rollout : undefined;
  const active = r?.status === 'running' || r?.status === 'paused';
  return (
    <section class="rollout">
      <h1>Rollout of <Link href={`/endpoints/${seg(name)}`}>{name}</Link> {r ? <StatusBadge status={r.status} /> : null}</h1>
      {error ? <ErrorBox error={error} retry={refresh} /> : null}
      {result ? <p role="status" class={result.ok ? 'notice' : 'error-box'}>{result.text}</p> : null}
      {!data ? (error ? null : <p class="muted">Loading…</p>)
        : !data.exists ? <p>No endpoint named {name}.</p>
        : !r ? <p class="muted">This endpoint has had no rollout. Start one with <code>slipway rollout {name} --to model:version</code>.</p>
        : (
          <>
            <dl class="facts">
              <dt>From → to</dt><dd>{r.stable.model.name}:{r.stable.model.version} → {r.candidate.model.name}:{r.candidate.model.version}</dd>
              <dt>Strategy</dt><dd>{r.policy.strategy}, steps {r.policy.steps.join(' → ')}%</dd>
              <dt>Step</dt><dd data-field="rollout-step">{r.stepIndex + 1} of {r.policy.steps.length} ({r.policy.steps[r.stepIndex] ?? 100}%), {r.phase}</dd>
              <dt>Started</dt><dd>{when(r.startedAt)} by {r.actor}</dd>
              {r.reason ? <><dt>Reason</dt><dd>{r.reason}</dd></> : null}
            </dl>
            <div class="actions" role="group" aria-label="Rollout commands">
              {COMMANDS.map((c) => (
                <button type="button" key={c} class={c === 'abort' ? 'danger' : undefined} disabled={!active || (c === 'pause' && r.status === 'paused') || (c === 'resume' && r.status !== 'paused')} onClick={() => void command(c)}>
                  {c[0]!.toUpperCase() + c.slice(1)}
                </button>
              ))}
            </div>
            <DataTable<GateResult>
              caption="Gates at the last judgement"
              rows={r.lastResults}
              rowKey={(g) => g.gate}
              empty="Not judged yet."
              columns={[
                { header: 'Gate', cell: (g) => <code>{g.gate}</code> },
                { header: 'Measured', numeric: true, cell: (g) => (g.value === null ? '–' : String(Number(g.value.toFixed(4)))) },
                { header: 'Verdict', cell: (g) => <StatusBadge status={g.passed === null ? 'pending' : g.passed ? 'succeeded' : 'failed'} /> },
              ]}
            />
            <DataTable<Window>
              caption="Variant windows in this step"
              rows={r.windows}
              rowKey={(w) => w.variant}
              columns={[
                { header: 'Variant', cell: (w) => w.variant },
                { header: 'Model', cell: (w) => w.model },
                { header: 'Weight', numeric: true, cell: (w) => w.weight },
                { header: 'Requests', numeric: true, cell: (w) => w.requests },
                { header: 'Error rate', numeric: true, cell: (w) => percent(w.errorRate) },
                { header: 'p99', numeric: true, cell: (w) => ms(w.p99Ms) },
                { header: 'Agreement', numeric: true, cell: (w) => percent(w.agreement) },
              ]}
            />
          </>
        )}
    </section>
  );
}
