// One model's versions, newest first: format, when pushed, hash, size, aliases and the endpoints serving each; a push
// form for the next version.

import { DataTable } from '../components/data-table.js';
import { ErrorBox } from '../components/error-box.js';
import { Link } from '../components/link.js';
import { AliasLinks } from '../components/model-alias-links.js';
import { PackagePushForm } from '../components/package-push-form.js';
import { ServedBy, servedBy } from '../components/served-by.js';
import { api, seg } from '../lib/api-client.js';
import type { EndpointView, ModelVersionView } from '../lib/api-types.js';
import { bytes, when } from '../lib/format.js';
import { usePoll } from '../lib/use-poll.js';

export function ModelVersions({ name }: { name: string }) {
  const versions = usePoll((signal) => api.get<ModelVersionView[]>(`/api/v1/models/${seg(name)}`, signal), 10_000, [name]);
  const endpoints = usePoll((signal) => api.get<EndpointView[]>('/api/v1/endpoints', signal), 10_000, []);
  const data = versions.data;
  const aliases: Record<string, number> = {};
  for (const v of data ?? []) for (const a of v.aliases) aliases[a] = v.version;
  return (
    <section>
      <h1>Model <span class="mono">{name}</span></h1>
      <p class="sub"><Link href="/models">All models</Link>{data && data.length > 0 ? <> · {data[data.length - 1]!.description}</> : null}</p>
      {versions.error ? <ErrorBox error={versions.error} retry={versions.refresh} /> : null}
      {endpoints.error ? <ErrorBox error={endpoints.error} retry={endpoints.refresh} /> : null}
      {data ? (
        <>
          <p>Aliases: <AliasLinks name={name} aliases={aliases} />{Object.keys(aliases).length === 0 ? <span class="muted"> (none: point one at a version from its page, or <code>slipway alias {name}@champion {name}:1</code>)</span> : null}</p>
          <DataTable<ModelVersionView>
            caption="Versions, newest first"
            rows={[...data].reverse()}
            rowKey={(v) => v.version}
            columns={[
              { header: 'Version', cell: (v) => <Link href={`/models/${seg(name)}/${v.version}`}>{`v${v.version}`}</Link> },
              { header: 'Format', cell: (v) => v.format },
              { header: 'Pushed', cell: (v) => when(v.createdAt) },
              { header: 'SHA-256', cell: (v) => <code title={v.sha256}>{v.sha256.slice(0, 12)}</code> },
              { header: 'Size', numeric: true, cell: (v) => bytes(v.size) },
              { header: 'Aliases', cell: (v) => (v.aliases.length > 0 ? v.aliases.map((a) => `@${a}`).join(' ') : <span class="muted">–</span>) },
              { header: 'Served by', cell: (v) => <ServedBy uses={servedBy(endpoints.data, `${v.name}:${v.version}`)} /> },
            ]}
          />
        </>
      ) : versions.error ? null : <p class="muted">Loading…</p>}
      <PackagePushForm onPushed={versions.refresh} />
    </section>
  );
}
