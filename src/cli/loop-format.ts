// Human output of the loop commands: capture, monitor and retraining settings, monitor status with its per-feature
// table, windows, events, deliveries, quality, baselines and retraining runs. Pure: views in, text out.

import type { BaselineProfile, FeatureProfile, FeatureScore } from '../core/baseline.js';
import type { CaptureConfig } from '../core/capture-config.js';
import { formatDuration } from '../core/duration.js';
import type { MonitorConfig } from '../core/monitor-config.js';
import type { MonitorEvent, MonitorWindow, WebhookDelivery } from '../core/monitor-event.js';
import type { RetrainPolicy, RetrainRun } from '../core/retrain-policy.js';
import { formatGate } from '../core/rollout-policy.js';
import type { CaptureStats } from '../store/loop-store.js';
import { renderTable } from './table.js';


/** GET /api/v1/endpoints/{e}/monitor/status, as the server sends it. */
export interface LoopStatusView {
  endpoint: string;
  capture: CaptureConfig & { stats: CaptureStats; buffered: number };
  monitor: {
    config: MonitorConfig; problem: string | null; pendingRows: number; pendingAtLeast: boolean; lastWindow: MonitorWindow | null; recentEvents: MonitorEvent[];
  } | null;
  retrain: { policy: RetrainPolicy; lastRun: RetrainRun | null } | null;
}

export interface QualityView {
  endpoint: string;
  kind: 'classification' | 'regression' | 'unknown';
  buckets: { start: string; end: string; variant: string; model: string; labelled: number; accuracy?: number; f1?: number; mae?: number; rmse?: number }[];
  skipped: number;
}

export function num(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (v !== 0 && Math.abs(v) < 10 ** -digits) return v.toExponential(1);
  return String(Math.round(v * 10 ** digits) / 10 ** digits);
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 10 ? Math.round(v) : Math.round(v * 10) / 10} ${units[u]}`;
}

function iso(ms: number | null): string {
  return ms === null ? '-' : new Date(ms).toISOString();
}

/** Durations up to days, as they are written in flags ("7d", "12h"). */
export function longDuration(ms: number): string {
  return ms > 0 && ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : formatDuration(ms);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1).trimEnd()}…` : text;
}

function severities(min: 'warning' | 'critical'): string {
  return min === 'critical' ? 'critical only' : 'warning and above';
}

function percent(rate: number): string {
  return `${Math.round(rate * 10_000) / 100}%`;
}

export function describeCaptureConfig(c: CaptureConfig): string {
  const retention = [c.retentionMs > 0 ? `${longDuration(c.retentionMs)}` : 'no age limit', c.retentionRows > 0 ? `at most ${c.retentionRows} records` : 'no record limit', ...(c.retentionBytes > 0 ? [`at most ${bytes(c.retentionBytes)}`] : [])];
  return `capture: ${c.enabled ? 'on' : 'off'}   sample ${percent(c.sampleRate)}   keep ${c.keep}   max payload ${bytes(c.maxPayloadBytes)}   retention ${retention.join(', ')}`;
}

export function describeCaptureStats(s: CaptureStats, buffered: number): string {
  if (s.records === 0) return `stored: no captures yet${buffered ? ` (${buffered} buffered)` : ''}`;
  return `stored: ${s.records} records (${s.rows} rows, ${bytes(s.bytes)}), ${s.withFeedback} with feedback, from ${iso(s.oldest)} to ${iso(s.newest)}`
    + (buffered ? `; ${buffered} buffered` : '');
}

export function describeMonitorConfig(c: MonitorConfig): string {
  const window = c.windowRows !== null ? `windows of ${c.windowRows} rows` : `windows of ${formatDuration(c.windowMs ?? 0)}`;
  const baseline = c.baseline ? `${c.baseline.model}:${c.baseline.version}` : 'the serving version\'s';
  const thresholds = Object.entries(c.thresholds).map(([k, v]) => `${k} ${v}`).join(', ');
  const lines = [`monitor: ${c.enabled ? 'on' : 'off'}   ${window}   baseline: ${baseline}   thresholds: ${thresholds || 'defaults'}`];
  if (c.webhook) {
    const headers = Object.keys(c.webhook.headers);
    lines.push(`  webhook: ${c.webhook.url} (${severities(c.webhook.minSeverity)}${headers.length ? `; headers ${headers.join(', ')}` : ''})`);
  } else lines.push('  webhook: none');
  return lines.join('\n');
}

function statOf(s: FeatureScore): string {
  if (s.ks) return num(s.ks.statistic);
  if (s.chi2) return `χ² ${num(s.chi2.statistic, 2)}`;
  return '-';
}

/** One row per feature (and output), drifted first: every statistic the window measured. */
export function describeScores(features: FeatureScore[], outputs: FeatureScore[]): string {
  const all = [...features.map((s) => ({ s, name: s.feature })), ...outputs.map((s) => ({ s, name: `${s.feature} (output)` }))];
  const sorted = [...all.filter((x) => x.s.drifted), ...all.filter((x) => !x.s.drifted)];
  return renderTable(
    ['feature', 'kind', 'rows', 'KS / χ²', 'p-value', 'PSI', 'W/std', 'missing', 'out of range', 'drifted'],
    sorted.map(({ s, name }) => [
      name, s.kind, s.rows, statOf(s), num(s.ks?.pValue ?? s.chi2?.pValue), num(s.psi), num(s.wassersteinStd),
      percent(s.missingRate), s.outOfRangeRate !== undefined ? percent(s.outOfRangeRate) : s.unseenRate !== undefined ? `${percent(s.unseenRate)} unseen` : '-',
      s.drifted ? '✱' : '',
    ]),
  );
}

function windowLine(w: MonitorWindow): string {
  const findings = w.evaluation.findings.length;
  return `window ${w.id}: ${iso(w.start)} → ${iso(w.end)}   baseline ${w.baseline}   ${w.evaluation.rows} rows (${w.evaluation.requests} requests)   `
    + (w.drifted ? `DRIFTED (${findings} finding${findings === 1 ? '' : 's'})` : findings ? `${findings} finding${findings === 1 ? '' : 's'}, no drift` : 'no drift');
}

function featureList(features: string[], max = 4): string {
  return features.length > max ? `${features.slice(0, max).join(', ')} +${features.length - max}` : features.join(', ');
}

export function describeEvents(events: MonitorEvent[], withEndpoint = true): string {
  if (events.length === 0) return 'no monitor events';
  return renderTable(
    ['id', 'time', ...(withEndpoint ? ['endpoint'] : []), 'kind', 'severity', 'features', 'finding'],
    events.map((e) => [
      e.id, e.time, ...(withEndpoint ? [e.endpoint] : []), e.kind, e.severity, featureList(e.features),
      clip(e.findings[0]?.message ?? '', 100) + (e.findings.length > 1 ? ` (+${e.findings.length - 1} more)` : ''),
    ]),
  );
}

export function describeWindowList(windows: MonitorWindow[]): string {
  if (windows.length === 0) return 'no windows evaluated yet: a window closes when enough rows are captured (see slipway monitor status)';
  return renderTable(
    ['id', 'start', 'end', 'baseline', 'rows', 'requests', 'drifted', 'findings', 'drifted features'],
    windows.map((w) => [
      w.id, iso(w.start), iso(w.end), w.baseline, w.evaluation.rows, w.evaluation.requests, w.drifted ? 'yes' : 'no', w.evaluation.findings.length,
      featureList([...w.evaluation.features, ...w.evaluation.outputs].filter((s) => s.drifted).map((s) => s.feature)),
    ]),
  );
}

export function describeDeliveries(list: WebhookDelivery[]): string {
  if (list.length === 0) return 'no webhook deliveries';
  return renderTable(
    ['id', 'event', 'url', 'status', 'attempts', 'created', 'delivered / next try', 'last error'],
    list.map((d) => [
      d.id, d.eventId ?? '-', d.url, d.status, d.attempts, d.createdAt,
      d.deliveredAt ?? (d.status === 'pending' ? iso(d.nextAttemptAt) : '-'), clip(d.lastError ?? '', 80),
    ]),
  );
}

export function describeRetrainPolicy(p: RetrainPolicy): string {
  const triggers = [
    p.onDrift ? `drift alerts (${severities(p.minSeverity)})` : '',
    p.scheduleMs !== null ? `every ${longDuration(p.scheduleMs)}` : '',
  ].filter(Boolean);
  const d = p.dataset;
  const rollout = p.rollout
    ? `${p.rollout.strategy}${p.rollout.steps ? ` ${p.rollout.steps.join(',')}` : ''}${p.rollout.bakeMs !== undefined ? `, bake ${formatDuration(p.rollout.bakeMs)}` : ''}`
      + `${p.rollout.gates?.length ? `, gates ${p.rollout.gates.map(formatGate).join(' ')}` : ''}`
    : 'none (push and validate only)';
  return [
    `retraining: ${p.enabled ? 'on' : 'off'}   triggers: ${triggers.join(', ') || 'manual only'}   cooldown ${longDuration(p.cooldownMs)}   timeout ${longDuration(p.timeoutMs)}`,
    `  command: ${p.command ? JSON.stringify(p.command) : 'none'}   webhook: ${p.webhook ?? 'none'}`,
    `  dataset: last ${longDuration(d.lookbackMs)} as ${d.format}${d.withFeedback ? ', with feedback' : ''}${d.onlyLabelled ? ', only labelled rows' : ''}${d.onlyDriftedWindows ? ', only drifted windows' : ''}`,
    `  rollout: ${rollout}`,
  ].join('\n');
}

function runOutcome(r: RetrainRun): string {
  const parts = [
    r.datasetRows !== null ? `dataset ${r.datasetRows} rows` : '',
    r.exitCode !== null ? `exit ${r.exitCode}` : '',
    r.producedVersion ? `produced ${r.producedVersion}` : '',
    r.validationPassed === null ? '' : r.validationPassed ? 'validation passed' : 'validation FAILED',
    r.rolloutId ? `rollout ${r.rolloutId}` : '',
  ];
  return parts.filter(Boolean).join(', ');
}

export function describeRun(r: RetrainRun, withLog = false): string {
  const lines = [
    `retraining run ${r.id} of "${r.endpoint}": ${r.status.toUpperCase()}   trigger ${r.trigger}${r.eventId !== null ? ` (event ${r.eventId})` : ''}`,
    `  started ${r.startedAt}${r.finishedAt ? `, finished ${r.finishedAt}` : ''}${r.replica ? ` on replica ${r.replica}` : ''}`,
  ];
  const outcome = runOutcome(r);
  if (outcome) lines.push(`  ${outcome}`);
  if (r.error) lines.push(`  ${r.error}`);
  if (r.dataset) lines.push(`  dataset: ${r.dataset}`);
  if (r.outputDir) lines.push(`  output: ${r.outputDir}`);
  if (withLog) lines.push('', r.log.trim() ? `log:\n${r.log.trimEnd()}` : 'log: (empty)');
  return lines.join('\n');
}

export function describeRuns(runs: RetrainRun[]): string {
  if (runs.length === 0) return 'no retraining runs yet: start one with slipway retrain run <endpoint>';
  return renderTable(
    ['id', 'started', 'trigger', 'status', 'rows', 'exit', 'produced', 'validation', 'rollout', 'error'],
    runs.map((r) => [
      r.id, r.startedAt, r.trigger, r.status, r.datasetRows ?? '-', r.exitCode ?? '-', r.producedVersion ?? '-',
      r.validationPassed === null ? '-' : r.validationPassed ? 'passed' : 'failed', r.rolloutId ?? '-', clip(r.error ?? '', 80),
    ]),
  );
}

export function describeStatus(s: LoopStatusView): string {
  const out = [`endpoint ${s.endpoint}`, '', describeCaptureConfig(s.capture), describeCaptureStats(s.capture.stats, s.capture.buffered), ''];
  if (!s.monitor) out.push(`monitor: not set; turn it on with slipway monitor set ${s.endpoint} --on`);
  else {
    const m = s.monitor;
    out.push(describeMonitorConfig(m.config));
    if (m.problem) out.push(`  problem: ${m.problem}`);
    const size = m.config.windowRows !== null ? ` of ${m.config.windowRows}` : '';
    out.push(`  pending: ${m.pendingAtLeast ? 'at least ' : ''}${m.pendingRows} rows toward the next window${size}`);
    out.push('');
    if (!m.lastWindow) out.push('last window: none evaluated yet');
    else {
      const w = m.lastWindow;
      out.push(`last ${windowLine(w)}`, describeScores(w.evaluation.features, w.evaluation.outputs));
      const findings = w.evaluation.findings;
      if (findings.length) {
        out.push('', 'findings:', ...findings.slice(0, 10).map((f) => `  ${f.severity === 'critical' ? 'CRITICAL' : 'warning '} ${f.message}`));
        if (findings.length > 10) out.push(`  … ${findings.length - 10} more: slipway --json monitor windows ${s.endpoint} --limit 1`);
      }
    }
    out.push('', m.recentEvents.length ? `recent events:\n${describeEvents(m.recentEvents, false)}` : 'recent events: none');
  }
  out.push('');
  if (!s.retrain) out.push(`retraining: not set; set a policy with slipway retrain set ${s.endpoint} --command …`);
  else {
    out.push(describeRetrainPolicy(s.retrain.policy));
    const run = s.retrain.lastRun;
    out.push(run ? `  last run: ${run.id} ${run.status} (${run.trigger}, started ${run.startedAt})${runOutcome(run) ? `: ${runOutcome(run)}` : ''}${run.error ? `; ${run.error}` : ''}` : '  last run: none');
  }
  return out.join('\n');
}

export function describeQuality(q: QualityView): string {
  if (q.buckets.length === 0) {
    return `no feedback joined to captures of "${q.endpoint}" in this range: post ground truth with slipway feedback ${q.endpoint} --file <labels.jsonl>`
      + (q.skipped ? `\n${q.skipped} feedback rows could not be compared (label count not matching the request's rows, or no prediction captured)` : '');
  }
  const regression = q.kind === 'regression';
  const table = renderTable(
    ['start', 'variant', 'model', 'labelled', ...(regression ? ['MAE', 'RMSE'] : ['accuracy', 'F1'])],
    q.buckets.map((b) => [b.start, b.variant, b.model, b.labelled, ...(regression ? [num(b.mae), num(b.rmse)] : [num(b.accuracy), num(b.f1)])]),
  );
  return `${q.endpoint} (${q.kind})\n${table}${q.skipped ? `\n${q.skipped} feedback rows could not be compared (label count not matching the request's rows, or no prediction captured)` : ''}`;
}

function profileRow(f: FeatureProfile): (string | number)[] {
  if (f.kind === 'numeric') return [f.name, f.kind, f.count, f.missing, num(f.mean), num(f.std), num(f.min), num(f.max)];
  const top = Object.entries(f.frequencies).sort((a, b) => b[1] - a[1]);
  const shown = top.slice(0, 3).map(([c, n]) => `${c} (${percent(n / Math.max(1, f.count))})`).join(', ');
  return [f.name, f.kind, f.count, f.missing, '', '', '', '', top.length > 3 ? `${shown}, +${top.length - 3} more` : shown];
}

export function describeBaseline(ref: string, p: BaselineProfile): string {
  const src = p.source;
  const from = src.kind === 'package' ? `package file ${src.file ?? ''}` : `captures of ${src.endpoint ?? '?'}${src.since ? ` since ${src.since}` : ''}${src.until ? ` until ${src.until}` : ''}`;
  // The categories column only where there are categorical features to fill it.
  const categorical = [...p.features, ...p.outputs].some((f) => f.kind === 'categorical');
  const headers = ['feature', 'kind', 'count', 'missing', 'mean', 'std', 'min', 'max', ...(categorical ? ['top categories'] : [])];
  return [
    `baseline of ${ref}: ${p.rows} rows from ${from}, built ${p.createdAt}`,
    renderTable(headers, p.features.map(profileRow)),
    ...(p.outputs.length ? ['', 'outputs:', renderTable(['output', ...headers.slice(1)], p.outputs.map(profileRow))] : []),
  ].join('\n');
}
