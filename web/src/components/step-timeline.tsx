// A rollout's steps in order: the share and weights each served, when it ran, the decision that ended it and why;
// a step is chosen to show its gate charts.

import type { RolloutTimeline, TimelineStep } from '../lib/rollout-types.js';
import { when } from '../lib/format.js';
import { StatusBadge } from './status-badge.js';

/** A decision's mark and tone: the word is always shown, so colour only adds. */
const DECISION_LOOK: Record<string, { mark: string; tone: string }> = {
  advanced: { mark: '✓', tone: 'good' }, completed: { mark: '✓', tone: 'good' }, promoted: { mark: '⏩', tone: 'good' },
  rolled_back: { mark: '↺', tone: 'bad' }, aborted: { mark: '■', tone: 'warn' },
};

function Decision({ decision }: { decision: string }) {
  const look = DECISION_LOOK[decision] ?? { mark: '•', tone: 'muted' };
  return <span class={`badge badge-${look.tone}`}><span aria-hidden="true">{look.mark}</span> {decision.replace('_', ' ')}</span>;
}

export function duration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

function stepName(t: RolloutTimeline, s: TimelineStep): string {
  if (s.phase === 'grace') return 'grace period';
  if (t.strategy === 'blue-green') return s.share === 0 ? 'shadow' : 'switch';
  return `step ${s.step}`;
}

export interface StepTimelineProps {
  timeline: RolloutTimeline;
  /** Index into timeline.steps of the step whose gates are shown. */
  selected: number;
  onSelect: (index: number) => void;
  now: number;
  /** The canary's planned shares (the policy's steps): those not reached yet are listed as to come. */
  planned?: number[];
}

export function StepTimeline({ timeline, selected, onSelect, now, planned }: StepTimelineProps) {
  const status = timeline.status === 'paused' ? 'paused' : 'running';
  const active = timeline.status === 'running' || timeline.status === 'paused';
  const reached = timeline.steps.filter((s) => s.phase === 'steps').length;
  const toCome = active && timeline.strategy === 'canary' && planned ? planned.slice(reached) : [];
  return (
    <ol class="step-timeline" aria-label="Steps">
      {timeline.steps.map((s, i) => {
        const running = s.endedAt === null;
        const elapsed = (s.endedAt ?? now) - s.startedAt;
        return (
          <li key={`${s.step}-${s.phase}`} class={`step${running ? ' step-running' : ''}${i === selected ? ' step-selected' : ''}`} data-step={s.step} data-decision={s.decision ?? status}>
            <div class="step-head">
              <strong>{stepName(timeline, s)}</strong> · <span data-field="step-share">{s.share}% to the candidate</span>{' '}
              {s.decision ? <Decision decision={s.decision} /> : <StatusBadge status={status} />}
            </div>
            <div class="muted">
              {when(s.startedAt)} → {s.endedAt === null ? 'now' : when(s.endedAt)} ({duration(elapsed)}
              {running && s.phase === 'steps' && timeline.status === 'running' ? ` of a ${duration(timeline.bakeMs)} bake` : ''})
            </div>
            {s.reason ? <div class="step-reason">{s.reason}</div> : null}
            <button type="button" aria-pressed={i === selected} onClick={() => onSelect(i)}>
              {i === selected ? 'Its gates are shown' : 'Show its gates'}
            </button>
          </li>
        );
      })}
      {toCome.map((share, i) => (
        <li key={`planned-${share}`} class="step step-planned" data-step={reached + i + 1} data-decision="planned">
          <div class="step-head"><strong>step {reached + i + 1}</strong> · {share}% to the candidate <span class="badge badge-muted">to come</span></div>
          <div class="muted">after the step before passes its gates ({duration(timeline.bakeMs)} bake)</div>
        </li>
      ))}
    </ol>
  );
}
