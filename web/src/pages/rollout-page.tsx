// Rollout: every rollout across endpoints (/rollouts), and one endpoint's active or chosen past rollout
// (/rollouts/:name, /rollouts/:name/:id) — strategy, from → to, the weights, the step timeline with each decision and
// its reason, a chart per gate over the chosen step's bake against its threshold, live every second while it runs,
// and the pause / resume / promote / abort commands.

import { useRef, useState } from 'preact/hooks';
import { DataTable } from '../components/data-table.js';
import { ErrorBox } from '../components/error-box.js';
import { GateChart } from '../components/gate-chart.js';
import { Link } from '../components/link.js';
import { RolloutCommands } from '../components/rollout-commands.js';
import { rolloutHref, RolloutList } from '../components/rollout-list.js';
import { StatusBadge } from '../components/status-badge.js';
import { duration, StepTimeline } from '../components/step-timeline.js';
import { WeightsBar } from '../components/weights-bar.js';
import { ApiError, api, seg } from '../lib/api-client.js';
import type { RolloutState } from '../lib/api-types.js';
import { ms, percent, when } from '../lib/format.js';
import type { RolloutSummary, RolloutTimeline, VariantWindow } from '../lib/rollout-types.js';
import { usePoll } from '../lib/use-poll.js';

export function RolloutPage({ name, id }: Record<string, string>) {
  if (!name) {
    return (
      <section class="rollouts">
        <h1>Rollouts</h1>
        <p class="sub">Every endpoint's rollouts. Open one for its steps, its gates over each bake, and the commands.</p>
        <RolloutList />
      </section>
    );
  }
  return <RolloutOf name={name} {...(id ? { id } : {})} />;
}

const isActive = (status: string): boolean => status === 'running' || status === 'paused';

interface Shown {
  timeline: RolloutTimeline;
  windows: VariantWindow[] | undefined;
}

function RolloutOf({ name, id }: { name: string; id?: string }) {
  const list = usePoll((signal) => api.get<RolloutSummary[]>(`/api/v1/endpoints/${seg(name)}/rollouts?limit=20`, signal), 3000, [name]);
  // Without an id in the URL the page follows the endpoint's newest rollout (the active one when there is one).
  const target = id ?? list.data?.[0]?.id;
  // A finished rollout no longer changes: once read, the poll answers from here without asking again.
  const done = useRef<Shown | undefined>(undefined);
  const shown = usePoll<Shown | undefined>(async (signal) => {
    if (!target) return undefined;
    if (done.current && done.current.timeline.id === target) return done.current;
    const timeline = await api.get<RolloutTimeline>(`/api/v1/endpoints/${seg(name)}/rollouts/${seg(target)}/timeline`, signal);
    const active = isActive(timeline.status);
    // The variants' windows of the step running now come with the endpoint's rollout state.
    const state = active ? await api.get<RolloutState & { windows: VariantWindow[] }>(`/api/v1/endpoints/${seg(name)}/rollout`, signal) : undefined;
    const result = { timeline, windows: state?.id === timeline.id ? state.windows : undefined };
    done.current = active ? undefined : result;
    return result;
  }, 1000, [name, target]);
  // The chosen step belongs to one rollout: a new one shown starts again at its latest step.
  const [picked, setPicked] = useState<{ rollout: string; index: number } | undefined>(undefined);

  const refresh = (): void => {
    done.current = undefined;
    shown.refresh();
    list.refresh();
  };

  const notFound = list.error instanceof ApiError && list.error.status === 404;
  const t = shown.data?.timeline;
  return (
    <section class="rollout">
      <h1>
        Rollout of <Link href={`/endpoints/${seg(name)}`}>{name}</Link> {t ? <StatusBadge status={t.status} /> : null}
        {t ? <span class="sub mono rollout-id"> {t.id}</span> : null}
      </h1>
      <p class="sub"><Link href="/rollouts">All rollouts</Link></p>
      {notFound ? <p>No endpoint named {name}, and no rollouts of one. <Link href="/rollouts">See every rollout</Link>.</p>
        : list.error ? <ErrorBox error={list.error} retry={refresh} /> : null}
      {shown.error ? <ErrorBox error={shown.error} retry={refresh} /> : null}
      {!list.data ? (list.error ? null : <p class="muted">Loading…</p>)
        : list.data.length === 0 ? (
          <div class="notice">
            <p>{name} has had no rollout. Push a new version, then start a canary from the CLI, e.g.:</p>
            <pre class="code">slipway rollout {name} --to {name}:2 --strategy canary --steps 10,50,100 --bake 2m --gate "error_rate&lt;=0.01" --gate "min_requests&gt;=100"</pre>
          </div>
        )
        : !t ? (shown.error ? null : <p class="muted">Loading…</p>)
        : <RolloutDetail timeline={t} planned={list.data.find((r) => r.id === t.id)?.steps} latest={t.id === list.data[0]?.id} windows={shown.data?.windows} picked={picked?.rollout === t.id ? picked.index : undefined} onPick={(index) => setPicked({ rollout: t.id, index })} onCommand={refresh} />}
      {list.data && list.data.length > 0 ? <PastRollouts rollouts={list.data} current={t?.id} /> : null}
    </section>
  );
}

interface DetailProps {
  timeline: RolloutTimeline;
  /** The policy's canary steps, from the rollout's summary. */
  planned: number[] | undefined;
  /** Whether this is the endpoint's newest rollout: the only one commands can act on. */
  latest: boolean;
  windows: VariantWindow[] | undefined;
  picked: number | undefined;
  onPick: (index: number) => void;
  onCommand: () => void;
}

function RolloutDetail({ timeline: t, planned, latest, windows, picked, onPick, onCommand }: DetailProps) {
  const now = Date.now();
  const last = t.steps.length - 1;
  // The step the user chose, else the latest (it follows the rollout as it advances).
  const index = picked !== undefined && picked <= last ? picked : last;
  const step = t.steps[index];
  const current = t.steps[last];
  const active = isActive(t.status);
  const stepCount = t.strategy === 'canary' ? `${current?.step ?? 1}` : `${t.steps.length}`;
  return (
    <>
      <dl class="facts">
        <dt>Strategy</dt><dd>{t.strategy}</dd>
        <dt>From → to</dt><dd class="mono">{t.stable.model} ({t.stable.variant}) → {t.candidate.model} ({t.candidate.variant})</dd>
        <dt>{active ? 'Now' : 'Ended at'}</dt>
        <dd data-field="rollout-step">
          {current ? `${current.phase === 'grace' ? 'grace period' : `step ${stepCount}`}: ${current.share}% to the candidate` : 'no step'}
          {active && current ? `, ${duration(now - current.startedAt)} into a ${duration(t.bakeMs)} bake` : ''}
        </dd>
        <dt>Gates</dt><dd>{t.gates.length === 0 ? 'none' : t.gates.map((g) => <code key={g.name} class="gate-name">{g.name}</code>)}</dd>
        <dt>Started</dt><dd>{when(t.startedAt)} by {t.actor}</dd>
        {t.finishedAt !== null ? <><dt>Finished</dt><dd>{when(t.finishedAt)} ({duration(t.finishedAt - t.startedAt)})</dd></> : null}
        {t.reason ? <><dt>Reason</dt><dd data-field="rollout-reason">{t.reason}</dd></> : null}
      </dl>
      {current ? (
        <>
          <h2>{active ? 'Traffic now' : 'Traffic in the last step'}</h2>
          <WeightsBar weights={current.weights} candidate={t.candidate.variant} />
        </>
      ) : null}
      {/* Kept mounted once the rollout finishes, so the answer to the command that finished it stays on screen. */}
      {latest ? <RolloutCommands endpoint={t.endpoint} status={t.status} from={t.stable.model} to={t.candidate.model} onDone={onCommand} />
        : <p class="muted">A past rollout: the commands act only on the endpoint's newest one.</p>}
      <div class="rollout-body">
        <div>
          <h2>Steps</h2>
          <StepTimeline timeline={t} selected={index} onSelect={onPick} now={now} {...(planned ? { planned } : {})} />
        </div>
        <div>
          <h2>Gates {step ? `in ${step.phase === 'grace' ? 'the grace period' : `step ${step.step}`} (${step.share}%)` : ''}</h2>
          {!step || step.gates.length === 0 ? <p class="muted">This rollout has no gates: it advances when each bake ends.</p> : (
            <div class="chart-grid gate-grid">
              {step.gates.map((g) => (
                <GateChart
                  key={`${step.startedAt}-${g.name}`}
                  gate={g}
                  stepStartedAt={step.startedAt}
                  bakeSeconds={(step.phase === 'grace' ? (step.endedAt ?? now) - step.startedAt : t.bakeMs) / 1000}
                />
              ))}
            </div>
          )}
        </div>
      </div>
      {windows ? (
        <DataTable<VariantWindow>
          caption="Variant windows in the running step"
          rows={windows}
          rowKey={(w) => w.variant}
          columns={[
            { header: 'Variant', cell: (w) => w.variant },
            { header: 'Model', cell: (w) => <span class="mono">{w.model}</span> },
            { header: 'Weight', numeric: true, cell: (w) => (w.shadow ? 'shadow' : w.weight) },
            { header: 'Requests', numeric: true, cell: (w) => w.requests },
            { header: 'Errors', numeric: true, cell: (w) => w.errors },
            { header: 'Error rate', numeric: true, cell: (w) => percent(w.errorRate) },
            { header: 'p99', numeric: true, cell: (w) => ms(w.p99Ms) },
            { header: 'Agreement', numeric: true, cell: (w) => (w.compared ? `${percent(w.agreement)} of ${w.compared}` : '–') },
          ]}
        />
      ) : null}
    </>
  );
}

function PastRollouts({ rollouts, current }: { rollouts: RolloutSummary[]; current: string | undefined }) {
  return (
    <DataTable<RolloutSummary>
      caption="This endpoint's rollouts, newest first (choose one to see its timeline)"
      rows={rollouts}
      rowKey={(r) => r.id}
      columns={[
        { header: 'Rollout', cell: (r) => (r.id === current ? <strong aria-current="true" class="mono">{r.id} (shown)</strong> : <Link href={rolloutHref(r)}><span class="mono">{r.id}</span></Link>) },
        { header: 'Status', cell: (r) => <StatusBadge status={r.status} /> },
        { header: 'From → to', cell: (r) => <span class="mono">{r.from} → {r.to}</span> },
        { header: 'Strategy', cell: (r) => `${r.strategy}${r.strategy === 'canary' ? ` ${r.steps.join(' → ')}%` : ''}` },
        { header: 'Started', cell: (r) => when(r.startedAt) },
        { header: 'Reason', cell: (r) => r.reason ?? '' },
      ]}
    />
  );
}
