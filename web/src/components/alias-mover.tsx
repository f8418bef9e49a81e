// Aliases of one version, and the control that points an alias (existing or new) at it, after a confirmation that
// says where the alias points now and what moving it changes.

import { useState } from 'preact/hooks';
import { api, seg } from '../lib/api-client.js';
import { ConfirmDialog } from './confirm-dialog.js';
import { messageOf } from './error-box.js';

export interface AliasMoverProps {
  name: string;
  version: number;
  /** Every alias of the model and the version it points at. */
  aliases: Record<string, number>;
  onMoved: () => void;
}

const NEW = '(new alias)';

export function AliasMover({ name, version, aliases, onMoved }: AliasMoverProps) {
  const elsewhere = Object.entries(aliases).filter(([, v]) => v !== version).map(([a]) => a).sort();
  const here = Object.entries(aliases).filter(([, v]) => v === version).map(([a]) => a).sort();
  const [choice, setChoice] = useState(elsewhere[0] ?? NEW);
  const [fresh, setFresh] = useState('');
  const [confirming, setConfirming] = useState(false);
  const [outcome, setOutcome] = useState<{ ok: boolean; text: string } | null>(null);
  const alias = (choice === NEW ? fresh : choice).trim();
  const from = aliases[alias];

  const move = async (): Promise<void> => {
    setConfirming(false);
    try {
      await api.put(`/api/v1/models/${seg(name)}/aliases/${seg(alias)}`, { version });
      setOutcome({ ok: true, text: `${name}@${alias} now points at version ${version}.` });
      setFresh('');
      onMoved();
    } catch (err) {
      setOutcome({ ok: false, text: messageOf(err) });
    }
  };

  return (
    <section class="card" aria-labelledby="aliases-title">
      <h2 id="aliases-title">Aliases</h2>
      <p>{here.length > 0 ? <>This version is {here.map((a, i) => <>{i > 0 ? ', ' : ''}<code key={a}>{name}@{a}</code></>)}.</> : 'No alias points at this version.'}</p>
      <form class="inline-form" onSubmit={(e) => { e.preventDefault(); if (alias !== '') setConfirming(true); }}>
        <label>Alias
          <select value={choice} onChange={(e) => setChoice((e.target as HTMLSelectElement).value)}>
            {elsewhere.map((a) => <option key={a} value={a}>{a} (now version {aliases[a]})</option>)}
            <option value={NEW}>{NEW}</option>
          </select>
        </label>
        {choice === NEW ? (
          <label>New alias name <input value={fresh} onInput={(e) => setFresh((e.target as HTMLInputElement).value)} placeholder="e.g. champion" pattern="[a-z0-9][a-z0-9_\-]*" /></label>
        ) : null}
        <button type="submit" disabled={alias === ''}>Move alias here</button>
      </form>
      {outcome ? <p role="status" class={outcome.ok ? 'outcome-ok' : 'error-box'}>{outcome.ok ? '✓ ' : 'Error: '}{outcome.text}</p> : null}
      {confirming ? (
        <ConfirmDialog title={`Move ${name}@${alias}?`} confirmLabel="Move alias" onConfirm={() => void move()} onCancel={() => setConfirming(false)}>
          <p>{from === undefined ? `Create ${name}@${alias} pointing at version ${version}.` : `Point ${name}@${alias} at version ${version} instead of version ${from}.`}</p>
          <p class="muted">Endpoints already deployed keep the version they resolved; the next deploy or rollout that names {name}@{alias} gets version {version}.</p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
