// The soak's report: the figures and checks of a run as Markdown (for people) and JSON (for tools). Pure rendering.

import type { Check, SoakFigures, SoakLimits } from './checks.js';
import type { Sample } from './slope.js';

export interface SoakRun {
  startedAt: string;
  minutes: number;
  /** What the run did, in order, with the time since its start. */
  timeline: { atS: number; what: string }[];
  figures: SoakFigures;
  limits: SoakLimits;
  checks: Check[];
  /** Every RSS (MB) and fd sample, per server process. */
  samples: { label: string; pid: number; rss: Sample[]; fds: Sample[] }[];
  host: string;
}

const fixed = (n: number | null, digits = 2): string => (n === null ? 'n/a' : n.toFixed(digits));

export function renderMarkdown(run: SoakRun): string {
  const f = run.figures;
  const passed = run.checks.every((c) => c.passed);
  const lines = [
    `# Soak run ${run.startedAt}`,
    '',
    `${run.minutes} minutes on ${run.host}. Verdict: **${passed ? 'passed' : 'FAILED'}** (${run.checks.filter((c) => c.passed).length}/${run.checks.length} checks).`,
    '',
    '## Checks',
    '',
    '| check | result | measured |',
    '| --- | --- | --- |',
    ...run.checks.map((c) => `| ${c.name} | ${c.passed ? 'pass' : '**FAIL**'} | ${c.detail.replace(/\|/g, '\\|')} |`),
    '',
    '## Memory and open files (after warm-up)',
    '',
    '| server | PID | RSS slope MB/min | RSS first → last (max) MB | fd slope fds/min | fds first → last (max) | samples |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...f.segments.map((s) =>
      `| ${s.label} | ${s.pid} | ${fixed(s.rss.perMinute, 3)} | ${fixed(s.rss.first, 1)} → ${fixed(s.rss.last, 1)} (${fixed(s.rss.max, 1)}) | ${fixed(s.fds.perMinute, 3)} | ${fixed(s.fds.first, 0)} → ${fixed(s.fds.last, 0)} (${fixed(s.fds.max, 0)}) | ${s.rss.samples} |`),
    '',
    '## Requests',
    '',
    '| protocol | sent | answered |',
    '| --- | --- | --- |',
    ...Object.entries(f.requests.byProtocol).map(([p, c]) => `| ${p} | ${c.sent} | ${c.answered} |`),
    '',
    `Server errors outside the restart: ${f.requests.serverErrors}; unanswered outside the restart: ${f.requests.transportErrors}; ` +
      `during the restart (on purpose): ${f.requests.serverErrorsOnPurpose} server errors, ${f.requests.transportErrorsOnPurpose} unanswered; 4xx: ${f.requests.clientErrors}.`,
    '',
    `Captures: ${f.captures.captured} request ids captured of ${f.captures.answered} answered, ${f.captures.missing} missing, ${f.captures.duplicated} duplicated, ` +
      `${f.captures.capturedUnanswered} captured whose answer the restart cut, ${f.captures.dropped} dropped by the server.`,
    '',
    `Webhooks: ${f.webhooks.events} alert events; ${f.webhooks.delivered} delivered (${f.webhooks.received} received by the receiver), ${f.webhooks.failed} failed, ${f.webhooks.pending} pending.`,
    '',
    `Rollouts: canary ${f.canary}; canary with a failing gate ${f.rollback}.`,
    '',
    '## Timeline',
    '',
    ...run.timeline.map((e) => `- ${e.atS.toFixed(1)} s: ${e.what}`),
    '',
  ];
  return lines.join('\n');
}

export function renderJson(run: SoakRun): string {
  return `${JSON.stringify(run, null, 1)}\n`;
}
