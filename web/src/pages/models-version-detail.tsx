// One model version in detail (/models/:name/:version): its facts and the endpoints serving it, the signature with
// feature names and labels, its aliases (move one here), the validation report, the baseline's per-feature
// distributions and the profile with its throughput–latency chart, Pareto front and recommendation.

import { AliasMover } from '../components/alias-mover.js';
import { BaselineHistogramsPanel } from '../components/baseline-histograms.js';
import { ErrorBox } from '../components/error-box.js';
import { Link } from '../components/link.js';
import { ProfilePanel } from '../components/profile-panel.js';
import { ServedBy, servedBy } from '../components/served-by.js';
import { SignatureTable } from '../components/signature-table.js';
import { ValidationPanel } from '../components/validation-panel.js';
import { api, seg } from '../lib/api-client.js';
import type { EndpointView, ModelVersionView } from '../lib/api-types.js';
import { bytes, when } from '../lib/format.js';
import type { VersionReports } from '../lib/model-reports.js';
import { usePoll } from '../lib/use-poll.js';

interface PackageFacts {
  manifest?: { model?: string; baseline?: string };
  files?: { path: string; sha256: string; size: number }[];
}

export function ModelVersionDetail({ name, version }: { name: string; version: string }) {
  const number = Number(version);
  const versions = usePoll((signal) => api.get<(ModelVersionView & PackageFacts)[]>(`/api/v1/models/${seg(name)}`, signal), 10_000, [name]);
  // Reports change when someone validates or profiles from the CLI too: a slow poll, and at once after the page's own runs.
  const reports = usePoll((signal) => api.get<VersionReports>(`/api/v1/models/${seg(name)}/versions/${seg(version)}/reports`, signal), 30_000, [name, version]);
  const endpoints = usePoll((signal) => api.get<EndpointView[]>('/api/v1/endpoints', signal), 10_000, []);
  const all = versions.data ?? [];
  const v = all.find((x) => x.version === number);
  const aliases: Record<string, number> = {};
  for (const x of all) for (const a of x.aliases) aliases[a] = x.version;
  const index = all.findIndex((x) => x.version === number);
  const prev = index > 0 ? all[index - 1] : undefined;
  const next = index >= 0 && index < all.length - 1 ? all[index + 1] : undefined;
  const id = `${name}:${version}`;

  return (
    <section class="version-detail">
      <h1>Model <span class="mono">{name}</span> version {version}</h1>
      <nav class="sub version-nav" aria-label="Versions">
        <Link href="/models">All models</Link> · <Link href={`/models/${seg(name)}`}>All versions of {name}</Link>
        {prev ? <> · <Link href={`/models/${seg(name)}/${prev.version}`}>← v{prev.version}</Link></> : null}
        {next ? <> · <Link href={`/models/${seg(name)}/${next.version}`}>v{next.version} →</Link></> : null}
      </nav>
      {versions.error ? <ErrorBox error={versions.error} retry={versions.refresh} /> : null}
      {versions.data && !v ? <div class="error-box" role="alert">No version {version} of {name}: it has {all.map((x) => `v${x.version}`).join(', ')}.</div> : null}
      {!versions.data && !versions.error ? <p class="muted">Loading…</p> : null}
      {v ? (
        <>
          <dl class="facts card">
            <dt>Description</dt><dd>{v.description || '–'}</dd>
            <dt>Task · format</dt><dd>{v.task ?? '–'} · {v.format}</dd>
            <dt>Pushed</dt><dd>{when(v.createdAt)}</dd>
            <dt>Model file</dt><dd><code>{v.manifest?.model ?? '–'}</code>, {bytes(v.size)}, SHA-256 <code title={v.sha256}>{v.sha256.slice(0, 16)}…</code></dd>
            {v.files && v.files.length > 1 ? <><dt>Package files</dt><dd>{v.files.map((f) => `${f.path} (${bytes(f.size)})`).join(', ')}</dd></> : null}
            <dt>Served by</dt><dd><ServedBy uses={servedBy(endpoints.data, id)} /></dd>
            <dt>Deploy it</dt><dd><code>slipway deploy &lt;endpoint&gt; --model {id}</code></dd>
          </dl>
          <SignatureTable inputs={v.signature.inputs} outputs={v.signature.outputs} />
          <div class="cards">
            <AliasMover name={name} version={number} aliases={aliases} onMoved={versions.refresh} />
            <ValidationPanel name={name} version={number} report={reports.data?.validation ?? null} onReport={reports.refresh} />
          </div>
        </>
      ) : null}
      {reports.error ? <ErrorBox error={reports.error} retry={reports.refresh} /> : null}
      {v && reports.data ? (
        <>
          <BaselineHistogramsPanel baseline={reports.data.baseline} versionId={id} />
          <ProfilePanel name={name} version={number} report={reports.data.profile} onReport={reports.refresh} />
        </>
      ) : null}
    </section>
  );
}
