// A version's baseline as small multiples: one histogram per feature and per output with its summary (rows, missing,
// mean ± std or categories), a filter for wide inputs, and what to do when the version has no baseline.

import { useState } from 'preact/hooks';
import type { BaselineHistogram, BaselineHistograms } from '../lib/model-reports.js';
import { tickLabel } from '../lib/chart-ticks.js';
import { when } from '../lib/format.js';
import { HistogramBars } from './histogram-bars.js';

const FIRST = 24;

function summary(h: BaselineHistogram): string {
  const missing = h.missing > 0 ? `, ${h.missing} missing` : '';
  if (h.kind === 'categorical') return `${h.count} values, ${h.categories.length} categories${missing}`;
  return `mean ${tickLabel(h.mean)} ± ${tickLabel(h.std)}, ${tickLabel(h.min)}…${tickLabel(h.max)}${missing}${h.sampled ? ' (sample)' : ''}`;
}

function Tile({ h, output }: { h: BaselineHistogram; output: boolean }) {
  return (
    <figure class="hist-tile" data-feature={h.name}>
      <figcaption><span class="mono">{h.name}</span>{output ? <span class="muted"> (output)</span> : null}</figcaption>
      <HistogramBars label={`Baseline distribution of ${h.name}`} data={h.kind === 'numeric' ? { kind: 'numeric', edges: h.edges, counts: h.counts } : { kind: 'categorical', categories: h.categories, counts: h.counts }} />
      <p class="hist-summary muted">{summary(h)}</p>
    </figure>
  );
}

export function BaselineHistogramsPanel({ baseline, versionId }: { baseline: BaselineHistograms | null; versionId: string }) {
  const [filter, setFilter] = useState('');
  const [all, setAll] = useState(false);
  if (!baseline) {
    return (
      <section class="card" aria-labelledby="baseline-title">
        <h2 id="baseline-title">Baseline distributions</h2>
        <p class="muted">{versionId} has no baseline. Push a package whose slipway.yaml names a <code>baseline:</code> CSV, or build one from captured traffic: <code>slipway baseline {versionId} --from-endpoint &lt;endpoint&gt;</code>.</p>
      </section>
    );
  }
  const f = filter.trim().toLowerCase();
  const features = baseline.features.filter((h) => h.name.toLowerCase().includes(f));
  const shown = all || f !== '' ? features : features.slice(0, FIRST);
  const source = baseline.source;
  return (
    <section class="card" aria-labelledby="baseline-title">
      <h2 id="baseline-title">Baseline distributions</h2>
      <p class="sub">
        {baseline.rows} rows from {source.kind === 'package' ? `the package's ${source.file ?? 'baseline file'}` : `captures of ${source.endpoint ?? 'an endpoint'}`}, built {when(baseline.createdAt)}.
        {' '}Monitors compare each window of live traffic with these.
      </p>
      {baseline.features.length > 8 ? (
        <label class="inline-field">Filter features <input type="search" value={filter} onInput={(e) => setFilter((e.target as HTMLInputElement).value)} placeholder="name contains…" /></label>
      ) : null}
      <div class="hist-grid" data-field="baseline-features">
        {shown.map((h) => <Tile key={h.name} h={h} output={false} />)}
      </div>
      {!all && f === '' && features.length > FIRST ? (
        <button type="button" onClick={() => setAll(true)}>Show all {features.length} features</button>
      ) : null}
      {features.length === 0 ? <p class="muted">No feature matches "{filter}".</p> : null}
      {baseline.outputs.length > 0 ? (
        <>
          <h3>Outputs</h3>
          <div class="hist-grid" data-field="baseline-outputs">{baseline.outputs.map((h) => <Tile key={h.name} h={h} output />)}</div>
        </>
      ) : null}
    </section>
  );
}
