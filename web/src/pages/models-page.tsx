// Models: every model with its versions and aliases; one model's versions with their signatures. (A first version:
// validation, baseline and profile reports come later.)

import { DataTable } from '../components/data-table.js';
import { ErrorBox } from '../components/error-box.js';
import { Link } from '../components/link.js';
import { api, seg } from '../lib/api-client.js';
import type { ModelSummary, ModelVersionView, TensorSpec } from '../lib/api-types.js';
import { bytes, when } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';

export function ModelsPage({ name }: Record<string, string>) {
  return name ? <ModelVersions name={name} /> : <ModelList />;
}

function ModelList() {
  const { data, error, refresh } = usePoll((signal) => api.get<ModelSummary[]>('/api/v1/models', signal), 0, []);
  return (
    <section>
      <h1>Models</h1>
      {error ? <ErrorBox error={error} retry={refresh} /> : null}
      {data ? (
        <DataTable<ModelSummary>
          caption="Models in the registry"
          rows={data}
          rowKey={(m) => m.name}
          empty="No models yet: push one with slipway push."
          columns={[
            { header: 'Model', cell: (m) => <Link href={`/models/${seg(m.name)}`}>{m.name}</Link> },
            { header: 'Task', cell: (m) => m.task ?? '' },
            { header: 'Versions', cell: (m) => m.versions.join(', ') },
            { header: 'Aliases', cell: (m) => Object.entries(m.aliases).map(([a, v]) => `${a} → ${v}`).join(', ') },
            { header: 'Updated', cell: (m) => when(m.updatedAt) },
          ]}
        />
      ) : error ? null : <p class="muted">Loading…</p>}
    </section>
  );
}

function tensors(list: TensorSpec[]): string {
  return list.map((t) => `${t.name} ${t.datatype}[${t.shape.join('×')}]`).join(', ');
}

function ModelVersions({ name }: { name: string }) {
  const { data, error, refresh } = usePoll((signal) => api.get<ModelVersionView[]>(`/api/v1/models/${seg(name)}`, signal), 0, [name]);
  return (
    <section>
      <h1>Model <span class="mono">{name}</span></h1>
      <p class="sub"><Link href="/models">All models</Link></p>
      {error ? <ErrorBox error={error} retry={refresh} /> : null}
      {data ? (
        <>
          <DataTable<ModelVersionView>
            caption="Versions, newest first"
            rows={[...data].reverse()}
            rowKey={(v) => v.version}
            columns={[
              { header: 'Version', numeric: true, cell: (v) => v.version },
              { header: 'Aliases', cell: (v) => v.aliases.join(', ') },
              { header: 'Format', cell: (v) => v.format },
              { header: 'Inputs', cell: (v) => tensors(v.signature.inputs) },
              { header: 'Outputs', cell: (v) => tensors(v.signature.outputs) },
              { header: 'Size', numeric: true, cell: (v) => bytes(v.size) },
              { header: 'Pushed', cell: (v) => when(v.createdAt) },
            ]}
          />
          {data.length > 0 ? <Features version={data[data.length - 1]!} /> : null}
        </>
      ) : error ? null : <p class="muted">Loading…</p>}
    </section>
  );
}

function Features({ version }: { version: ModelVersionView }) {
  const inputs = version.signature.inputs.filter((t) => t.features && t.features.length > 0);
  const labels = version.signature.outputs.filter((t) => t.labels && t.labels.length > 0);
  if (inputs.length === 0 && labels.length === 0) return null;
  return (
    <section class="card">
      <h2>Version {version.version}: features and labels</h2>
      {inputs.map((t) => <p key={t.name}><strong>{t.name}</strong>: {t.features!.join(', ')}</p>)}
      {labels.map((t) => <p key={t.name}><strong>{t.name}</strong> labels: {t.labels!.join(', ')}</p>)}
    </section>
  );
}
