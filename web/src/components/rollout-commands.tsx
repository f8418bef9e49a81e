// Pause / resume / promote / abort of an endpoint's active rollout through the API: each enabled only when it applies,
// promote and abort behind a confirmation (they change serving at once), the answer or the refusal shown.

import { useState } from 'preact/hooks';
import { api, seg } from '../lib/api-client.js';
import type { RolloutState } from '../lib/api-types.js';
import type { RolloutCommand } from '../lib/rollout-types.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { messageOf } from './error-box.js';

const COMMANDS: { command: RolloutCommand; label: string; applies: (status: string) => boolean; why: string }[] = [
  { command: 'pause', label: 'Pause', applies: (s) => s === 'running', why: 'only a running rollout pauses' },
  { command: 'resume', label: 'Resume', applies: (s) => s === 'paused', why: 'only a paused rollout resumes' },
  { command: 'promote', label: 'Promote', applies: (s) => s === 'running' || s === 'paused', why: 'the rollout has finished' },
  { command: 'abort', label: 'Abort', applies: (s) => s === 'running' || s === 'paused', why: 'the rollout has finished' },
];

export interface RolloutCommandsProps {
  endpoint: string;
  status: string;
  from: string;
  to: string;
  /** Called after a command answered, so the page reads the new state at once. */
  onDone: () => void;
}

export function RolloutCommands({ endpoint, status, from, to, onDone }: RolloutCommandsProps) {
  const [asking, setAsking] = useState<RolloutCommand | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<{ ok: boolean; text: string } | undefined>(undefined);

  const send = async (command: RolloutCommand): Promise<void> => {
    setAsking(undefined);
    setBusy(true);
    setResult(undefined);
    try {
      const state = await api.post<RolloutState>(`/api/v1/endpoints/${seg(endpoint)}/rollout/${command}`);
      const share = state.status === 'succeeded' ? `${to} now serves all traffic` : state.status === 'aborted' ? `${from} serves all traffic again` : undefined;
      setResult({ ok: true, text: `${command}: the rollout is now ${state.status.replace('_', ' ')}${share ? `; ${share}` : ''}.` });
    } catch (err) {
      setResult({ ok: false, text: `${command} failed: ${messageOf(err)}` });
    } finally {
      setBusy(false);
      onDone();
    }
  };

  return (
    <div class="rollout-commands">
      <div class="actions" role="group" aria-label="Rollout commands">
        {COMMANDS.map((c) => {
          const applies = c.applies(status);
          return (
            <button
              type="button"
              key={c.command}
              class={c.command === 'abort' ? 'danger' : c.command === 'promote' ? 'primary' : undefined}
              disabled={busy || !applies}
              title={applies ? undefined : `Not now: ${c.why}.`}
              onClick={() => (c.command === 'promote' || c.command === 'abort' ? setAsking(c.command) : void send(c.command))}
            >
              {c.label}
            </button>
          );
        })}
      </div>
      {result ? <p role="status" class={result.ok ? 'notice' : 'error-box'} data-field="command-result">{result.text}</p> : null}
      {asking === 'promote' ? (
        <ConfirmDialog title={`Promote ${to} on ${endpoint}?`} confirmLabel="Promote now" onConfirm={() => void send('promote')} onCancel={() => setAsking(undefined)}>
          <p>{to} takes all of {endpoint}'s traffic now, skipping the remaining steps and their gates. {from} stops serving.</p>
        </ConfirmDialog>
      ) : null}
      {asking === 'abort' ? (
        <ConfirmDialog title={`Abort the rollout of ${to} on ${endpoint}?`} confirmLabel="Abort rollout" onConfirm={() => void send('abort')} onCancel={() => setAsking(undefined)}>
          <p>The endpoint's spec from before the rollout is restored: {from} serves all traffic again and {to} is removed.</p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
