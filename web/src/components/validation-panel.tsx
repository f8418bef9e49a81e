// A version's validation report (its package tests against their thresholds) and a button that runs the tests again.

import { useState } from 'preact/hooks';
import { api, seg } from '../lib/api-client.js';
import type { TestResult, ValidationReport } from '../lib/model-reports.js';
import { when } from '../lib/format.js';
import { DataTable } from './data-table.js';
import { messageOf } from './error-box.js';

function value(v: number | null): string {
  if (v === null) return '–';
  return Number.isInteger(v) ? String(v) : Math.abs(v) >= 0.001 ? v.toFixed(4) : v.toPrecision(4);
}

/** Passed or failed as a badge: a mark and a word besides colour (the shared badge has no "passed"). */
function Verdict({ passed }: { passed: boolean }) {
  return <span class={`badge badge-${passed ? 'good' : 'bad'}`} data-passed={passed}><span aria-hidden="true">{passed ? '✓' : '✕'}</span> {passed ? 'passed' : 'failed'}</span>;
}

const BETTER: Record<string, string> = { accuracy: '≥', f1: '≥', mae: '≤', rmse: '≤', p99_latency_ms: '≤' };

export function ValidationPanel({ name, version, report, onReport }: { name: string; version: number; report: ValidationReport | null; onReport: () => void }) {
  const [running, setRunning] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (): Promise<void> => {
    setRunning(true);
    setError(null);
    try {
      await api.post(`/api/v1/models/${seg(name)}/versions/${version}/validate`);
      onReport();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setRunning(false);
    }
  };
  return (
    <section class="card" aria-labelledby="validation-title">
      <h2 id="validation-title">Validation {report ? <Verdict passed={report.passed} /> : null}</h2>
      {report ? (
        <>
          <p class="sub">Ran {when(report.finishedAt)}. A rollout refuses a version whose report did not pass unless forced.</p>
          <DataTable<TestResult>
            caption="Package tests"
            rows={report.tests}
            rowKey={(t) => t.name}
            empty="The package declares no tests (slipway.yaml tests:), so it passes trivially."
            columns={[
              { header: 'Test', cell: (t) => t.name },
              { header: 'Metric', cell: (t) => t.metric },
              { header: 'Measured', numeric: true, cell: (t) => value(t.value) },
              { header: 'Threshold', numeric: true, cell: (t) => `${BETTER[t.metric] ?? ''} ${value(t.threshold)}` },
              { header: 'Result', cell: (t) => <Verdict passed={t.passed} /> },
              { header: 'Detail', cell: (t) => t.detail },
            ]}
          />
        </>
      ) : <p class="muted">Not validated yet (pushed with validation off). Run its package tests now, or <code>slipway validate {name}:{version}</code>.</p>}
      <button type="button" onClick={() => void run()} disabled={running}>{running ? 'Running tests…' : report ? 'Validate again' : 'Run validation'}</button>
      {error ? <div class="error-box" role="alert"><strong>Error: </strong>{error}</div> : null}
    </section>
  );
}
