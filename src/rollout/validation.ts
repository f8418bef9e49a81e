// Validation runs: a version's package tests (golden data, latency budget) run against its model, stored as its report.

import { performance } from 'node:perf_hooks';
import type { CsvTable } from '../core/csv.js';
import { parseCsv } from '../core/csv.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { InvalidInputError } from '../core/errors.js';
import type { ModelVersion, PackageTest } from '../core/model-version.js';
import { accuracy, countNaN, macroF1, meanAbsoluteError, p99, rootMeanSquaredError } from '../core/quality-metrics.js';
import { DEFAULT_RUNTIME } from '../core/runtime-config.js';
import type { Tensor } from '../core/tensor.js';
import type { TestResult, ValidationReport } from '../core/validation.js';
import { judge, notRun } from '../core/validation.js';
import type { Registry } from '../registry/registry.js';
import type { RunRequest, Runner } from '../runtime/runner.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import { runOverTable } from '../runtime/table-run.js';
import { warmupRequest } from '../runtime/warmup.js';
import type { Store } from '../store/store.js';
import {
  chunkTensor, classIdResolver, featureColumns, predictedClasses, predictedValues, rowShape, tableValues, targetClasses, targetValues,
  type TableValues,
} from '../core/table-tensors.js';

/** Runs before timing starts: the first runs pay for allocation and thread wake-up, which a serving model has paid. */
const WARMUP_RUNS = 20;
/** Timed single-row runs of a latency test: with 200, p99 by nearest rank is the 198th, so 3 slow runs fail it. */
const LATENCY_RUNS = 200;

export interface ValidationDeps {
  /** Package files by hash. */
  registry: Pick<Registry, 'artifacts'>;
  /** Loads the version's model, as serving does. */
  runners: RunnerLoader;
}

interface GoldenData {
  table: CsvTable;
  /** Shape of one row of the first input. */
  row: number[];
  features: TableValues;
}

/** What the tests of one version share: the loaded model and each golden file, parsed once. */
class ValidationRun {
  private readonly golden = new Map<string, Promise<GoldenData>>();

  constructor(
    private readonly version: ModelVersion,
    private readonly runner: Runner,
    private readonly deps: ValidationDeps,
  ) {}

  async test(test: PackageTest): Promise<TestResult> {
    try {
      return test.metric === 'p99_latency_ms' ? await this.latency(test) : await this.quality(test);
    } catch (err) {
      return notRun(test, err instanceof Error ? err.message : String(err));
    }
  }

  private get input(): ModelVersion['signature']['inputs'][number] {
    const inputs = this.version.signature.inputs;
    if (inputs.length !== 1) {
      throw new InvalidInputError(
        `golden data fills one input, but the model has ${inputs.length}: ${inputs.map((i) => `"${i.name}"`).join(', ')}`,
      );
    }
    return inputs[0]!;
  }

  private goldenData(test: PackageTest): Promise<GoldenData> {
    const path = test.data!;
    // Keyed by target too: without feature names, the features are every column but the target.
    const key = `${path}\n${test.target ?? ''}`;
    let data = this.golden.get(key);
    if (!data) {
      data = this.readGolden(path, test.target);
      this.golden.set(key, data);
    }
    return data;
  }

  private async readGolden(path: string, target: string | undefined): Promise<GoldenData> {
    const file = this.version.files.find((f) => f.path === path);
    if (!file) throw new InvalidInputError(`the package has no file "${path}"`);
    const table = parseCsv((await this.deps.registry.artifacts.read(file.sha256)).toString('utf8'), path);
    if (table.rows.length === 0) throw new InvalidInputError(`${path}: expected at least one data row`);
    const columns = featureColumns(this.input, table, target);
    const row = rowShape(this.input, columns.length);
    return { table, row, features: tableValues(this.input, table, columns, path) };
  }

  private async quality(test: PackageTest): Promise<TestResult> {
    const golden = await this.goldenData(test);
    const input = this.input;
    const outputName = test.output ?? this.version.signature.outputs[0]?.name;
    if (outputName === undefined) throw new InvalidInputError('the model has no outputs');
    const labels = this.version.signature.outputs.find((o) => o.name === outputName)?.labels ?? this.version.manifest.labels;
    const classification = test.metric === 'accuracy' || test.metric === 'f1';
    const rows = golden.table.rows.length;
    const classId = classIdResolver(labels);
    // Targets first: a typo in the data is reported before any inference runs.
    const targets = classification ? targetClasses(golden.table, test.target!, labels, test.data!) : targetValues(golden.table, test.target!, test.data!);
    const predictions = new Float64Array(rows);
    await runOverTable(this.runner, { input, row: golden.row, values: golden.features, rows }, [outputName], (outputs, from, count) => {
      const output = outputs[0]!;
      predictions.set(classification ? predictedClasses(output, count, classId) : predictedValues(output, count), from);
    });
    const nan = countNaN(predictions);
    const over = `on ${rows} rows`;
    switch (test.metric) {
      case 'accuracy':
        return judge(test, accuracy(targets, predictions), over, nan ? `${nan} NaN predictions counted as wrong` : undefined);
      case 'f1':
        return judge(test, macroF1(targets, predictions), over, nan ? `${nan} NaN predictions counted as wrong` : undefined);
      case 'mae':
        return judge(test, meanAbsoluteError(targets, predictions), over, nan ? `the model produced NaN for ${nan} of ${rows} rows` : undefined);
      case 'rmse':
        return judge(test, rootMeanSquaredError(targets, predictions), over, nan ? `the model produced NaN for ${nan} of ${rows} rows` : undefined);
      default:
        throw new InvalidInputError(`metric "${test.metric}" is not a quality metric`);
    }
  }

  /** One request a latency test repeats: zeros shaped like the signature, the first input taken from golden data if any. */
  private async latencyRequest(): Promise<RunRequest> {
    const request = warmupRequest(this.version.signature);
    for (const test of this.version.manifest.tests) {
      if (!test.data) continue;
      try {
        const golden = await this.goldenData(test);
        const input = this.input;
        const batch = input.shape[0] === -1 ? 1 : input.shape[0]!;
        request.inputs[0] = chunkTensor(input, golden.row, golden.features, 0, 1, batch);
        break;
      } catch {
        // that data test reports its own problem; the latency test falls back to zeros
      }
    }
    return request;
  }

  private async latency(test: PackageTest): Promise<TestResult> {
    const template = await this.latencyRequest();
    // Inputs are transferred to the runner's thread, so every run gets its own copy.
    const fresh = (): RunRequest => ({ inputs: template.inputs.map(copyTensor), outputNames: template.outputNames });
    for (let i = 0; i < WARMUP_RUNS; i++) await this.runner.run(fresh());
    const times = new Float64Array(LATENCY_RUNS);
    for (let i = 0; i < LATENCY_RUNS; i++) {
      const request = fresh();
      const start = performance.now();
      await this.runner.run(request);
      times[i] = performance.now() - start;
    }
    const rows = template.inputs[0]?.shape[0] ?? 1;
    return judge(test, p99(times), `over ${LATENCY_RUNS} ${rows === 1 ? 'single-row' : `${rows}-row`} runs`);
  }
}

function copyTensor(tensor: Tensor): Tensor {
  const data = Array.isArray(tensor.data) ? [...tensor.data] : tensor.data.slice();
  return { ...tensor, shape: [...tensor.shape], data };
}

function reportOf(version: ModelVersion, startedAt: string, tests: TestResult[]): ValidationReport {
  return { model: formatVersionId(version), startedAt, finishedAt: new Date().toISOString(), passed: tests.every((t) => t.passed), tests };
}

/**
 * A report for a validation that could not run at all (the model does not load, its file is gone): every test fails
 * with the reason, so the version exists but cannot pass a rollout gate. (A package without tests has nothing to run.)
 */
function failedReport(version: ModelVersion, startedAt: string, err: unknown): ValidationReport {
  const reason = err instanceof Error ? err.message : String(err);
  return reportOf(version, startedAt, version.manifest.tests.map((t) => notRun(t, reason)));
}

/** Runs every test of a version's package on one runner instance and reports each; the runner is always disposed. */
export async function validateVersion(version: ModelVersion, deps: ValidationDeps): Promise<ValidationReport> {
  const startedAt = new Date().toISOString();
  if (version.manifest.tests.length === 0) return reportOf(version, startedAt, []);
  const label = formatVersionId(version);
  let runner: Runner;
  try {
    // Serving's defaults (one instance, one intra-op thread): the latency measured is the latency a default deploy gets.
    runner = await deps.runners.loadRunner(version, { ...DEFAULT_RUNTIME, instances: 1 }, label);
  } catch (err) {
    return failedReport(version, startedAt, err);
  }
  try {
    const run = new ValidationRun(version, runner, deps);
    const results: TestResult[] = [];
    // One test at a time: a latency test must not share the instance with another test's inference.
    for (const test of version.manifest.tests) results.push(await run.test(test));
    return reportOf(version, startedAt, results);
  } finally {
    await runner.dispose();
  }
}

/** Validates a version and stores the report in place of any earlier one. Only a failing store throws. */
export async function validateAndSave(
  version: ModelVersion, deps: ValidationDeps & { store: Pick<Store, 'saveValidationReport'> },
): Promise<ValidationReport> {
  let report: ValidationReport;
  try {
    report = await validateVersion(version, deps);
  } catch (err) {
    report = failedReport(version, new Date().toISOString(), err);
  }
  await deps.store.saveValidationReport(version.name, version.version, report);
  return report;
}
