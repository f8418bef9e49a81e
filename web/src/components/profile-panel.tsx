// A version's profile: the throughput–latency chart with its Pareto front, the recommendation and the other choices,
// the front as a table; and a form that runs a new profile on this server, streaming points into the chart as the
// sweep measures them (cancel stops it between configurations).

import { useEffect, useRef, useState } from 'preact/hooks';
import type { ProfileChoice, ProfilePoint, ProfileReport, ProfileRequest } from '../lib/model-reports.js';
import { tickLabel } from '../lib/chart-ticks.js';
import { bytes, ms, when } from '../lib/format.js';
import { streamProfile } from '../lib/profile-stream.js';
import { DataTable } from './data-table.js';
import { messageOf } from './error-box.js';
import { describeConfig, ProfileChart } from './profile-chart.js';

interface Run {
  points: ProfilePoint[];
  done: number;
  total: number;
  planned: number;
  note: string;
}

function Choice({ title, choice }: { title: string; choice: ProfileChoice | null }) {
  if (!choice) return null;
  return (
    <div class="choice">
      <dt>{title}</dt>
      <dd><strong>{describeConfig(choice.point)}</strong><br /><span class="muted">{choice.reason}</span></dd>
    </div>
  );
}

function Report({ report }: { report: ProfileReport }) {
  const front = report.pareto.map((i) => report.points[i]).filter((p): p is ProfilePoint => p !== undefined);
  return (
    <>
      <p class="sub">
        Measured {when(report.finishedAt)} on {report.host.cores} core(s) ({report.host.cpuModel}), {report.space.measured} of {report.space.configs} configurations,
        {' '}inputs from {report.input === 'golden' ? 'the golden data' : 'random tensors'}.
        {report.batchingBlocker ? ` Dynamic batching left out: ${report.batchingBlocker}.` : ''}
      </p>
      <ProfileChart points={report.points} pareto={report.pareto} recommended={report.recommended?.point ?? null} sloP99Ms={report.settings.sloP99Ms} />
      <div class={`recommendation ${report.meetsSlo ? 'meets' : 'misses'}`} data-field="recommendation" role="note">
        <strong>{report.meetsSlo ? '✓ Recommended: ' : '✕ Nothing meets the objective. '}</strong>
        {report.recommended ? <>{describeConfig(report.recommended.point)} — {report.recommended.reason}</> : report.closest?.reason}
      </div>
      <dl class="choices">
        <Choice title="Lowest latency" choice={report.minLatency} />
        <Choice title="Lowest cost" choice={report.minCost} />
      </dl>
      {report.suggestions.length > 0 ? <ul class="suggestions">{report.suggestions.map((s) => <li key={s}>{s}</li>)}</ul> : null}
      {report.capacity ? (
        <p>For {report.capacity.targetRps}/s: {report.capacity.replicas} replica(s) of {tickLabel(report.capacity.perReplicaRps)}/s at {report.capacity.headroom * 100}% load, {report.capacity.cpu} CPU and {report.capacity.memoryMiB} MiB each.</p>
      ) : null}
      <DataTable<ProfilePoint>
        caption="The Pareto front, by throughput"
        rows={[...front].sort((a, b) => a.throughput - b.throughput)}
        rowKey={(p) => `${describeConfig(p)}`}
        columns={[
          { header: 'Configuration', cell: (p) => describeConfig(p) },
          { header: 'Throughput (inf/s)', numeric: true, cell: (p) => tickLabel(p.throughput) },
          { header: 'p50', numeric: true, cell: (p) => ms(p.p50Ms) },
          { header: 'p99', numeric: true, cell: (p) => ms(p.p99Ms) },
          { header: 'Mean batch', numeric: true, cell: (p) => p.meanBatchRows.toFixed(1) },
          { header: 'CPU', numeric: true, cell: (p) => `${(p.cpu * 100).toFixed(0)}%` },
          { header: 'Memory', numeric: true, cell: (p) => bytes(p.rssBytes) },
          { header: 'USD / M inf', numeric: true, cell: (p) => p.costPerMillion.toPrecision(3) },
        ]}
      />
    </>
  );
}

export interface ProfilePanelProps {
  name: string;
  version: number;
  report: ProfileReport | null;
  /** Called once a run produced a stored report. */
  onReport: () => void;
}

export function ProfilePanel({ name, version, report, onReport }: ProfilePanelProps) {
  const [slo, setSlo] = useState(String(report?.settings.sloP99Ms ?? 50));
  const [budget, setBudget] = useState('20');
  // The CLI's finer knobs, blank for the server's defaults (clients 1,4,16; 1000 ms and 300 requests per point).
  const [clients, setClients] = useState('');
  const [pointMs, setPointMs] = useState('');
  const [minRequests, setMinRequests] = useState('');
  const [run, setRun] = useState<Run | null>(null);
  const [error, setError] = useState<string | null>(null);
  const abort = useRef<AbortController | null>(null);
  // Leaving the page cancels a running sweep (the server stops between configurations).
  useEffect(() => () => abort.current?.abort(), []);

  const start = async (event: Event): Promise<void> => {
    event.preventDefault();
    const sloP99Ms = Number(slo);
    const budgetSeconds = Number(budget);
    if (!(sloP99Ms > 0) || !(budgetSeconds > 0)) {
      setError('Enter a p99 objective and a time budget above 0.');
      return;
    }
    const concurrency = clients.trim() === '' ? undefined : clients.split(/[\s,]+/).filter(Boolean).map(Number);
    if (concurrency && concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) {
      setError('Client concurrency: whole numbers from 1 to 256, separated by commas (e.g. 1,4,16).');
      return;
    }
    const request: ProfileRequest = {
      sloP99Ms, budgetSeconds,
      ...(concurrency ? { concurrency } : {}),
      ...(Number(pointMs) > 0 ? { pointMillis: Number(pointMs) } : {}),
      ...(Number(minRequests) >= 1 ? { minRequests: Math.trunc(Number(minRequests)) } : {}),
    };
    setError(null);
    const controller = new AbortController();
    abort.current = controller;
    let current: Run = { points: [], done: 0, total: 0, planned: 0, note: 'starting…' };
    setRun(current);
    const update = (next: Partial<Run>): void => {
      current = { ...current, ...next };
      setRun(current);
    };
    let finished = false;
    try {
      await streamProfile(name, version, request, (e) => {
        if (e.type === 'start') update({ planned: e.planned, total: e.configs, note: `${e.planned} of ${e.configs} configurations planned on ${e.cores} core(s)` });
        else if (e.type === 'config') update({ done: e.index, note: `measuring ${e.config.instances} instance(s) × ${e.config.intraOpThreads} thread(s), batch ≤ ${e.config.maxBatchSize}` });
        else if (e.type === 'point') update({ points: [...current.points, e.point] });
        else if (e.type === 'report') finished = true;
        else setError(`The profile failed: ${e.error}`);
      }, controller.signal);
      if (finished) onReport();
    } catch (err) {
      if ((err as Error).name !== 'AbortError') setError(messageOf(err));
    } finally {
      abort.current = null;
      setRun(null);
    }
  };

  return (
    <section class="card" aria-labelledby="profile-title">
      <h2 id="profile-title">Profile</h2>
      <form class="inline-form" onSubmit={(e) => void start(e)}>
        <label>p99 objective (ms) <input type="number" min="0.01" step="any" required value={slo} onInput={(e) => setSlo((e.target as HTMLInputElement).value)} /></label>
        <label>time budget (s) <input type="number" min="1" step="1" required value={budget} onInput={(e) => setBudget((e.target as HTMLInputElement).value)} /></label>
        <button type="submit" class="primary" disabled={run !== null}>{report ? 'Profile again' : 'Run profile'}</button>
        {run ? <button type="button" onClick={() => abort.current?.abort()}>Cancel</button> : null}
        <details class="advanced">
          <summary>Advanced</summary>
          <div class="inline-form">
            <label>client concurrency <input value={clients} placeholder="1,4,16" onInput={(e) => setClients((e.target as HTMLInputElement).value)} /></label>
            <label>time per point (ms) <input type="number" min="1" step="any" value={pointMs} placeholder="1000" onInput={(e) => setPointMs((e.target as HTMLInputElement).value)} /></label>
            <label>requests per point, at least <input type="number" min="1" step="1" value={minRequests} placeholder="300" onInput={(e) => setMinRequests((e.target as HTMLInputElement).value)} /></label>
          </div>
        </details>
      </form>
      <p class="muted small">Measures this server under a sweep of instances, threads and batching while it serves: run it when the host is quiet. CLI: <code>slipway profile {name}:{version} --slo-p99 {slo || 50}ms</code>.</p>
      {error ? <div class="error-box" role="alert"><strong>Error: </strong>{error}</div> : null}
      {run ? (
        <div class="profile-progress" role="status" aria-live="polite">
          <progress max={Math.max(1, run.planned)} value={run.done} aria-label="Configurations measured" /> {run.done} / {run.planned || '…'}: {run.note}; {run.points.length} point(s)
          {run.points.length > 0 ? <ProfileChart points={run.points} pareto={[]} recommended={null} sloP99Ms={Number(slo) || 50} /> : null}
        </div>
      ) : report ? <Report report={report} /> : (
        <p class="muted">No profile of this version yet: run one above to see throughput against latency for each configuration, the Pareto front and the recommended runtime.</p>
      )}
    </section>
  );
}
