// Per-endpoint retraining policy: what starts a job, the dataset it gets, what it runs, and what happens to its result.

import type { Severity } from './baseline.js';
import { fieldError, fieldsOf, optBool, optDuration, optEnum, optUrl } from './config-fields.js';
import type { ExportFormat } from './dataset-query.js';
import { EXPORT_FORMATS } from './dataset-query.js';
import { InvalidInputError } from './errors.js';
import type { RolloutStrategy } from './rollout-policy.js';
import { checkSteps, parseGate, STRATEGIES } from './rollout-policy.js';
import type { Gate } from './rollout-policy.js';

export interface RetrainRollout {
  strategy: RolloutStrategy;
  steps?: number[];
  bakeMs?: number;
  gates?: Gate[];
}

export interface RetrainPolicy {
  enabled: boolean;
  /** A drift alert of at least `minSeverity` starts a job. */
  onDrift: boolean;
  minSeverity: Severity;
  /** Also every this often (null = no schedule). */
  scheduleMs: number | null;
  /** No automatic job starts sooner than this after the previous one (manual runs are not held back). */
  cooldownMs: number;
  /** argv of the job, run without a shell; it gets SLIPWAY_DATASET, SLIPWAY_OUTPUT_DIR and more in its environment. */
  command: string[] | null;
  /** POSTed a JSON description of the job (dataset path, output dir) instead of, or as well as, running a command. */
  webhook: string | null;
  timeoutMs: number;
  dataset: { lookbackMs: number; format: ExportFormat; withFeedback: boolean; onlyLabelled: boolean; onlyDriftedWindows: boolean };
  /** After the produced version passes validation: start this rollout (null = push and validate only). */
  rollout: RetrainRollout | null;
}

export const DEFAULT_RETRAIN: RetrainPolicy = {
  enabled: false,
  onDrift: true,
  minSeverity: 'warning',
  scheduleMs: null,
  cooldownMs: 3_600_000,
  command: null,
  webhook: null,
  timeoutMs: 3_600_000,
  dataset: { lookbackMs: 7 * 86_400_000, format: 'parquet', withFeedback: true, onlyLabelled: false, onlyDriftedWindows: false },
  rollout: null,
};

function parseCommand(value: unknown): string[] | null {
  if (value === null || value === undefined) return null;
  if (!Array.isArray(value) || value.length === 0 || !value.every((a) => typeof a === 'string') || value[0] === '') {
    throw fieldError('command', 'a list of strings: the program and its arguments, e.g. ["python3", "train.py"]', value);
  }
  return value as string[];
}

/** Fields left out keep their value in `base` (a rollout already set). */
function parseRollout(value: unknown, base: RetrainRollout | null): RetrainRollout | null {
  if (value === null) return null;
  const obj = fieldsOf(value, 'rollout.', ['strategy', 'steps', 'bake', 'gates']);
  const strategy = optEnum(obj, 'strategy', 'rollout.', STRATEGIES) ?? base?.strategy ?? 'canary';
  const rollout: RetrainRollout = { ...(base ?? {}), strategy };
  if (obj.steps !== undefined) {
    if (!Array.isArray(obj.steps) || !obj.steps.every((s) => typeof s === 'number')) throw fieldError('rollout.steps', 'a list of percentages', obj.steps);
    rollout.steps = checkSteps(strategy, obj.steps as number[], 'rollout.steps');
  }
  const bake = optDuration(obj, 'bake', 'rollout.');
  if (bake !== undefined) rollout.bakeMs = bake;
  if (obj.gates !== undefined) {
    if (!Array.isArray(obj.gates) || !obj.gates.every((g) => typeof g === 'string')) throw fieldError('rollout.gates', 'a list of gates such as "error_rate<=0.01"', obj.gates);
    rollout.gates = (obj.gates as string[]).map(parseGate);
  }
  return rollout;
}

/** Reads a retraining policy body; fields left out keep their value in `base`. */
export function parseRetrainPolicy(body: unknown, base: RetrainPolicy = DEFAULT_RETRAIN): RetrainPolicy {
  const obj = fieldsOf(body, '', ['enabled', 'onDrift', 'minSeverity', 'schedule', 'cooldown', 'command', 'webhook', 'timeout', 'dataset', 'rollout']);
  const dataset = { ...base.dataset };
  if (obj.dataset !== undefined) {
    const d = fieldsOf(obj.dataset, 'dataset.', ['lookback', 'format', 'withFeedback', 'onlyLabelled', 'onlyDriftedWindows']);
    dataset.lookbackMs = optDuration(d, 'lookback', 'dataset.') ?? dataset.lookbackMs;
    dataset.format = optEnum(d, 'format', 'dataset.', EXPORT_FORMATS) ?? dataset.format;
    dataset.withFeedback = optBool(d, 'withFeedback', 'dataset.') ?? dataset.withFeedback;
    dataset.onlyLabelled = optBool(d, 'onlyLabelled', 'dataset.') ?? dataset.onlyLabelled;
    dataset.onlyDriftedWindows = optBool(d, 'onlyDriftedWindows', 'dataset.') ?? dataset.onlyDriftedWindows;
  }
  const schedule = obj.schedule === null ? null : optDuration(obj, 'schedule', '');
  if (schedule !== undefined && schedule !== null && schedule < 60_000) throw fieldError('schedule', 'a duration of at least 1m', obj.schedule);
  const policy: RetrainPolicy = {
    enabled: optBool(obj, 'enabled', '') ?? base.enabled,
    onDrift: optBool(obj, 'onDrift', '') ?? base.onDrift,
    minSeverity: optEnum(obj, 'minSeverity', '', ['warning', 'critical'] as const) ?? base.minSeverity,
    scheduleMs: schedule === undefined ? base.scheduleMs : schedule,
    cooldownMs: optDuration(obj, 'cooldown', '') ?? base.cooldownMs,
    command: 'command' in obj ? parseCommand(obj.command) : base.command,
    webhook: 'webhook' in obj ? (obj.webhook === null ? null : optUrl(obj, 'webhook', '') ?? null) : base.webhook,
    timeoutMs: optDuration(obj, 'timeout', '') ?? base.timeoutMs,
    dataset,
    rollout: 'rollout' in obj ? parseRollout(obj.rollout, base.rollout) : base.rollout,
  };
  if (policy.enabled && !policy.command && !policy.webhook) {
    throw new InvalidInputError('retraining policy: an enabled policy needs a "command" to run or a "webhook" to call');
  }
  return policy;
}

/** Job runs, as recorded. */
export type RetrainTrigger = 'drift' | 'schedule' | 'manual';
export type RetrainStatus = 'running' | 'succeeded' | 'failed';

export interface RetrainRun {
  id: number;
  endpoint: string;
  trigger: RetrainTrigger;
  /** The monitor event that started it (trigger drift). */
  eventId: number | null;
  status: RetrainStatus;
  startedAt: string;
  finishedAt: string | null;
  exitCode: number | null;
  /** The job's stdout and stderr, the last 64 KiB. */
  log: string;
  dataset: string | null;
  datasetRows: number | null;
  outputDir: string | null;
  /** The version pushed from the job's output, its validation verdict, and the rollout started for it. */
  producedVersion: string | null;
  validationPassed: boolean | null;
  rolloutId: string | null;
  error: string | null;
  /** The replica running (or that ran) the job (x-slipway-replica); null for runs recorded before replicas were. */
  replica: string | null;
}
