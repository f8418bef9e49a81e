// Models: the registry's models (versions, latest, aliases, format) with a push form; /models/:name is one model's
// versions (models-versions.tsx), /models/:name/:version one version in detail (models-version-detail.tsx).

import './models-page.css';
import { DataTable } from '../components/data-table.js';
import { ErrorBox } from '../components/error-box.js';
import { Link } from '../components/link.js';
import { AliasLinks } from '../components/model-alias-links.js';
import { PackagePushForm } from '../components/package-push-form.js';
import { api, seg } from '../lib/api-client.js';
import type { ModelListEntry } from '../lib/model-reports.js';
import { when } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';
import { ModelVersionDetail } from './models-version-detail.js';
import { ModelVersions } from './models-versions.js';

export function ModelsPage({ name, version }: Record<string, string>) {
  if (name && version) return <ModelVersionDetail name={name} version={version} />;
  return name ? <ModelVersions name={name} /> : <ModelList />;
}

function ModelList() {
  const { data, error, refresh } = usePoll((signal) => api.get<ModelListEntry[]>('/api/v1/models', signal), 10_000, []);
  return (
    <section>
      <h1>Models</h1>
      <p class="sub">Every model in the registry; open one for its versions, or a version for its signature, baseline, validation and profile.</p>
      {error ? <ErrorBox error={error} retry={refresh} /> : null}
      {data ? (
        <DataTable<ModelListEntry>
          caption="Models in the registry"
          rows={[...data].sort((a, b) => a.name.localeCompare(b.name))}
          rowKey={(m) => m.name}
          empty="No models yet: push one below, or with slipway push <dir|file.onnx>."
          columns={[
            { header: 'Model', cell: (m) => <Link href={`/models/${seg(m.name)}`}>{m.name}</Link> },
            { header: 'Task', cell: (m) => m.task ?? '–' },
            { header: 'Format', cell: (m) => m.format ?? '–' },
            { header: 'Versions', numeric: true, cell: (m) => m.versions.length },
            { header: 'Latest', cell: (m) => <Link href={`/models/${seg(m.name)}/${m.latestVersion}`}>v{m.latestVersion}</Link> },
            { header: 'Aliases', cell: (m) => <AliasLinks name={m.name} aliases={m.aliases} /> },
            { header: 'Last push', cell: (m) => when(m.updatedAt) },
            { header: 'Description', cell: (m) => <span class="muted">{m.description ?? ''}</span> },
          ]}
        />
      ) : error ? null : <p class="muted">Loading…</p>}
      <PackagePushForm onPushed={refresh} />
    </section>
  );
}
