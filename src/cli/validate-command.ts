// `slipway validate`: run a version's package tests on the server, print the report, exit 1 when it failed.

import type { Command } from 'commander';
import { parseModelRef } from '../core/model-ref.js';
import type { ModelVersion } from '../core/model-version.js';
import type { ValidationReport } from '../core/validation.js';
import { formatMetricValue, higherIsBetter } from '../core/validation.js';
import { CliError, type SlipwayClient } from './client.js';
import { renderTable } from './table.js';

export interface CommandContext {
  client: () => SlipwayClient;
  print: (json: unknown, human: () => string) => void;
}

/** The report as a table (one row per test) and one overall PASSED/FAILED line. */
export function describeValidation(report: ValidationReport): string {
  const failed = report.tests.filter((t) => !t.passed).length;
  const verdict = report.tests.length === 0
    ? `PASSED: ${report.model} has no tests`
    : report.passed
      ? `PASSED: ${report.model} passed ${report.tests.length} of ${report.tests.length} tests`
      : `FAILED: ${report.model} failed ${failed} of ${report.tests.length} tests`;
  if (report.tests.length === 0) return verdict;
  const table = renderTable(
    ['test', 'metric', 'threshold', 'value', 'result', 'detail'],
    report.tests.map((t) => {
      const unit = t.metric === 'p99_latency_ms' ? ' ms' : '';
      return [
        t.name, t.metric, `${higherIsBetter(t.metric) ? '>=' : '<='} ${t.threshold}${unit}`,
        t.value === null ? '-' : `${formatMetricValue(t.value)}${unit}`, t.passed ? 'passed' : 'FAILED', t.detail,
      ];
    }),
  );
  return `${table}\n${verdict}`;
}

/** What a push prints about validation: the report, or why there is none. */
export function describePushValidation(version: ModelVersion & { validation?: ValidationReport }, validated: boolean): string {
  if (version.validation) return `validation:\n${describeValidation(version.validation)}`;
  const id = `${version.name}:${version.version}`;
  return validated
    ? `validation: no report (the server could not store one; see its log); run slipway validate ${id}`
    : `validation: not run; run slipway validate ${id}`;
}

/** The stored report of a version, or undefined when it has none yet. */
export async function storedValidation(client: SlipwayClient, name: string, version: number): Promise<ValidationReport | undefined> {
  try {
    return await client.request<ValidationReport>('GET', `/api/v1/models/${encodeURIComponent(name)}/versions/${version}/validation`);
  } catch (err) {
    if (err instanceof CliError && err.status === 404) return undefined;
    throw err;
  }
}

export function registerValidateCommand(program: Command, context: CommandContext): void {
  program
    .command('validate <ref>')
    .description('run a version\'s package tests (golden data, latency budget) and store the report; exits 1 when a test fails')
    .action(async (ref: string) => {
      const parsed = parseModelRef(ref);
      const c = context.client();
      const version = parsed.kind === 'version'
        ? parsed.version
        : (await c.request<ModelVersion>('GET', `/api/v1/refs/${encodeURIComponent(ref)}`)).version;
      const report = await c.request<ValidationReport>('POST', `/api/v1/models/${encodeURIComponent(parsed.name)}/versions/${version}/validate`);
      context.print(report, () => describeValidation(report));
      // Scripts and CI gate on the exit code; the report is printed either way.
      if (!report.passed) process.exitCode = 1;
    });
}
