// Pushing a model version from the browser: choose one file (a bare model such as model.onnx, or a package archive:
// .tar, .tar.gz, .zip) or a package directory; the page unpacks archives, keeps the files slipway.yaml refers to,
// shows what it will send, and uploads with progress. The parser (and its YAML library) loads only when used.

import { useEffect, useRef, useState } from 'preact/hooks';
import type { ModelVersionView } from '../lib/api-types.js';
import type { PackagePush } from '../lib/package-push.js';
import { uploadPackage, type UploadProgress } from '../lib/package-upload.js';
import { bytes } from '../lib/format.js';
import { seg } from '../lib/api-client.js';
import type { ValidationReport } from '../lib/model-reports.js';
import { messageOf } from './error-box.js';
import { Link } from './link.js';

type Pushed = ModelVersionView & { validation?: ValidationReport };

type State =
  | { kind: 'idle' }
  | { kind: 'reading' }
  | { kind: 'ready'; push: PackagePush; source: string }
  | { kind: 'uploading'; push: PackagePush; progress: UploadProgress }
  | { kind: 'pushed'; version: Pushed }
  | { kind: 'failed'; message: string; push?: PackagePush; source?: string };

export function PackagePushForm({ onPushed, defaultName }: { onPushed: (v: Pushed) => void; defaultName?: string }) {
  const [state, setState] = useState<State>({ kind: 'idle' });
  const [name, setName] = useState(defaultName ?? '');
  const [validate, setValidate] = useState(true);
    const directory = useRef<HTMLInputElement>(null);
  const abort = useRef<AbortController | null>(null);
  useEffect(() => {
    // Not in the JSX attribute types: a directory picker is a non-standard (but universal) attribute.
    directory.current?.setAttribute('webkitdirectory', '');
    return () => abort.current?.abort();
  }, []);

  const prepare = async (files: File[], source: string): Promise<void> => {
    if (files.length === 0) return setState({ kind: 'idle' });
    setState({ kind: 'reading' });
    try {
      const { pushOfChosen } = await import('../lib/package-push.js');
      setState({ kind: 'ready', push: await pushOfChosen(files, undefined), source });
    } catch (err) {
      setState({ kind: 'failed', message: messageOf(err) });
    }
  };

  const send = async (chosenPush: PackagePush, source: string): Promise<void> => {
    // The name field wins over slipway.yaml's name or the file's (the server checks it).
    const push = { ...chosenPush, name: name.trim() || chosenPush.name };
    const controller = new AbortController();
    abort.current = controller;
    setState({ kind: 'uploading', push, progress: { sent: 0, total: push.files.reduce((n, f) => n + f.data.size, 0) } });
    try {
      const version = await uploadPackage<Pushed>(push, validate, (progress) => setState({ kind: 'uploading', push, progress }), controller.signal);
      setState({ kind: 'pushed', version });
      onPushed(version);
    } catch (err) {
      if ((err as Error).name === 'AbortError') setState({ kind: 'ready', push, source });
      else setState({ kind: 'failed', message: messageOf(err), push, source });
    } finally {
      abort.current = null;
    }
  };

  const busy = state.kind === 'uploading' || state.kind === 'reading';
  return (
    <section class="card push-form" aria-labelledby="push-title">
      <h2 id="push-title">Push a model version</h2>
      <div class="push-choose">
        <label>Model file or package archive (.onnx, .tar, .tar.gz, .zip)
          <input type="file" data-field="push-file" disabled={busy} onChange={(e) => void prepare([...((e.target as HTMLInputElement).files ?? [])], 'file')} />
        </label>
        <label>or a package directory (with slipway.yaml)
          <input type="file" ref={directory} data-field="push-directory" multiple disabled={busy} onChange={(e) => void prepare([...((e.target as HTMLInputElement).files ?? [])], 'directory')} />
        </label>
        <label>Model name <span class="muted">(optional for a package: slipway.yaml names it)</span>
          <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} placeholder="from slipway.yaml or the file name" pattern="[a-z0-9][a-z0-9_\-]{0,62}" />
        </label>
        <label class="check"><input type="checkbox" checked={validate} onChange={(e) => setValidate((e.target as HTMLInputElement).checked)} /> run the package tests on push</label>
      </div>
      {state.kind === 'reading' ? <p role="status">Reading the chosen files…</p> : null}
      {state.kind === 'ready' || state.kind === 'uploading' || (state.kind === 'failed' && state.push) ? (
        <PushSummary push={(state as { push: PackagePush }).push} />
      ) : null}
      {state.kind === 'ready' ? (
        <div class="actions">
          <button type="button" class="primary" onClick={() => void send(state.push, state.source)}>Push as {name.trim() || state.push.name}</button>
          <button type="button" onClick={() => setState({ kind: 'idle' })}>Clear</button>
        </div>
      ) : null}
      {state.kind === 'uploading' ? (
        <div role="status" aria-live="polite" class="upload-progress">
          <progress max={Math.max(1, state.progress.total)} value={state.progress.sent} aria-label="Upload progress" />
          {' '}{state.progress.total > 0 && state.progress.sent >= state.progress.total
            ? 'Uploaded; the server is checking the model, building its baseline and running its tests…'
            : `${bytes(state.progress.sent)} of ${bytes(state.progress.total)} sent`}
          <button type="button" class="link-button" onClick={() => abort.current?.abort()}>Cancel</button>
        </div>
      ) : null}
      {state.kind === 'failed' ? <div class="error-box" role="alert"><strong>Push failed: </strong>{state.message}</div> : null}
      {state.kind === 'pushed' ? (
        <p role="status" class="outcome-ok" data-field="pushed">
          ✓ Pushed <Link href={`/models/${seg(state.version.name)}/${state.version.version}`}>{state.version.name}:{state.version.version}</Link>
          {state.version.validation ? ` — validation ${state.version.validation.passed ? 'passed' : 'FAILED'}` : ' — not validated'}.
        </p>
      ) : null}
      <p class="muted small">CLI: <code>slipway push &lt;dir|file.onnx&gt;</code>. Archives are unpacked here and sent as the package's files; only files slipway.yaml refers to are sent.</p>
    </section>
  );
}

function PushSummary({ push }: { push: PackagePush }) {
  return (
    <div class="push-summary" data-field="push-summary">
      <p><strong>{push.manifest !== undefined ? `Package ${push.name}` : `Bare model as ${push.name}`}</strong>: {push.files.length} file(s), {bytes(push.files.reduce((n, f) => n + f.data.size, 0))}</p>
      <ul class="plain mono">{push.files.map((f) => <li key={f.path}>{f.path} <span class="muted">({bytes(f.data.size)})</span></li>)}</ul>
      {push.skipped.length > 0 ? <p class="muted">Left out (slipway.yaml does not refer to them): {push.skipped.join(', ')}</p> : null}
    </div>
  );
}
