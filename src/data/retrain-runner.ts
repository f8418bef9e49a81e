// Retraining jobs: on a drift alert, a schedule or by hand, export the endpoint's dataset, run the configured command
// (or call the webhook), and when the job leaves a model package behind push it, validate it and, if the policy says
// so, start a rollout. Every run is recorded with its log, exit status and the version it produced.

import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { IntervalTask } from '../core/interval-task.js';
import type { DatasetQuery } from '../core/dataset-query.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import type { MonitorEvent } from '../core/monitor-event.js';
import type { RetrainPolicy, RetrainRollout, RetrainRun, RetrainTrigger } from '../core/retrain-policy.js';
import { shouldRunOnEvent } from '../core/retrain-trigger.js';
import type { Intake, IntakeOptions } from '../registry/version-intake.js';
import type { LoopStore } from '../store/loop-store.js';

/** The job's output kept in the run record: the end of it, where the error usually is. */
const MAX_LOG_BYTES = 64 * 1024;
const SCHEDULE_TICK_MS = 30_000;
/** How often the retraining duty's holder looks for runs whose replica is gone. */
const ORPHAN_TICK_MS = 2000;
/** What a run whose replica stopped before it finished is marked failed with. */
export const INTERRUPTED = 'the server stopped while the job ran';
/** After a timeout, SIGTERM; this long later, SIGKILL. */
const KILL_GRACE_MS = 5000;

export interface RetrainDeps {
  store: Pick<LoopStore, 'startRetrainRun' | 'updateRetrainRun' | 'retrainRuns' | 'retrainRun' | 'failOrphanedRuns'>;
  /** This replica's id (duty-leases.ts), recorded with each run it starts. */
  replica: string;
  /** A replica not seen for this long is gone: the runs it left running are failed (and their endpoints free to run again). */
  replicaGoneMs: number;
  /** Where runs keep their dataset and output directory (`<dir>/<endpoint>/<run id>/`). */
  workDir: string;
  /** The version the endpoint serves now (the model a new version is pushed as). */
  servingVersion: (endpoint: string) => Promise<ModelVersion>;
  exportTo: (query: DatasetQuery, file: string) => Promise<{ rows: number }>;
  /** The package in a directory (slipway.yaml, or one .onnx file), if the job left one. */
  findPackage: (dir: string) => Promise<string | undefined>;
  /** Takes the job's package in as a new version of `model`: push, validate, baseline (version intake). */
  intake: (location: string, model: string, options: IntakeOptions) => Promise<Intake>;
  startRollout: (endpoint: string, version: ModelVersion, rollout: RetrainRollout, reason: string) => Promise<string>;
  notify: (url: string, body: object) => Promise<void>;
  onFinished: (run: RetrainRun) => void;
  log: (details: object, message: string) => void;
  /**
   * Whether this replica holds the retraining duty: schedules start runs, and runs left running by a replica that is
   * gone are failed, only there.
   */
  holdsDuty?: () => boolean;
}

export class RetrainRunner {
  private readonly policies = new Map<string, RetrainPolicy>();
  private readonly running = new Map<string, Promise<RetrainRun>>();
  /** When this replica last started a run of each endpoint (the store knows other replicas' starts: lastStarted). */
  private readonly lastStart = new Map<string, number>();
  /** Per endpoint, the monitor events being judged, one after another (the events of one window start one run). */
  private readonly deciding = new Map<string, Promise<void>>();
  private readonly schedule = new IntervalTask(() => this.scheduleTick(), SCHEDULE_TICK_MS);
  private readonly orphans = new IntervalTask(() => this.failOrphans(), ORPHAN_TICK_MS);

  constructor(private readonly deps: RetrainDeps) {}

  /** Fails runs a stopped replica left running, then keeps doing so, and starts the schedule. */
  async start(): Promise<void> {
    await this.failOrphans();
    this.schedule.start();
    this.orphans.start();
  }

  close(): void {
    this.schedule.stop();
    this.orphans.stop();
  }

  /**
   * Runs left running by a replica that is gone — crashed, killed, or stopped while its job ran — are failed, so the
   * endpoint can run again. On the retraining duty's holder only, whose replica list shows who is still there: a run
   * of a living replica is never touched, whichever replica holds the duty.
   */
  private async failOrphans(): Promise<void> {
    if (this.deps.holdsDuty?.() === false) return;
    try {
      const failed = await this.deps.store.failOrphanedRuns(INTERRUPTED, this.deps.replicaGoneMs);
      if (failed > 0) this.deps.log({ runs: failed }, 'retraining runs whose replica stopped marked failed');
    } catch (err) {
      this.deps.log({ err: (err as Error).message }, 'could not look for interrupted retraining runs');
    }
  }

  async configure(endpoint: string, policy: RetrainPolicy | undefined): Promise<void> {
    if (!policy) {
      this.policies.delete(endpoint);
      return;
    }
    this.policies.set(endpoint, policy);
  }

  /**
   * A monitor event: starts a run when the policy asks for one (and none is running, and the cooldown is over). The
   * events of one endpoint are judged one after another, each knowing whether the one before started a run.
   */
  onEvent(event: MonitorEvent): void {
    if (!this.policies.has(event.endpoint)) return;
    const endpoint = event.endpoint;
    const next = (this.deciding.get(endpoint) ?? Promise.resolve())
      .then(() => this.decide(event))
      .catch((err: Error) => this.deps.log({ endpoint, err: err.message }, 'retraining run could not start'));
    this.deciding.set(endpoint, next);
    void next.finally(() => {
      if (this.deciding.get(endpoint) === next) this.deciding.delete(endpoint);
    });
  }

  private async decide(event: MonitorEvent): Promise<void> {
    const policy = this.policies.get(event.endpoint);
    if (!policy || this.running.has(event.endpoint)) return;
    if (!shouldRunOnEvent(policy, event, await this.lastStarted(event.endpoint), Date.now())) return;
    try {
      await this.run(event.endpoint, 'drift', event.id);
    } catch (err) {
      // A run in progress on another replica: this event has nothing to start.
      if (!(err instanceof ConflictError)) throw err;
    }
  }

  /**
   * When a run of the endpoint last started, on any replica: the cooldown and the schedule count from it, whichever
   * replica holds the monitor or retraining duty now.
   */
  private async lastStarted(endpoint: string): Promise<number | undefined> {
    const [last] = await this.deps.store.retrainRuns(endpoint, 1);
    const stored = last ? Date.parse(last.startedAt) : undefined;
    const local = this.lastStart.get(endpoint);
    if (stored === undefined) return local;
    return local === undefined ? stored : Math.max(stored, local);
  }

  /** Starts a run now; resolves with the recorded run once it has started (the job goes on in the background). */
  async run(endpoint: string, trigger: RetrainTrigger, eventId: number | null = null): Promise<RetrainRun> {
    const policy = this.policies.get(endpoint);
    if (!policy || (!policy.command && !policy.webhook)) {
      throw new ConflictError(`endpoint "${endpoint}" has no retraining policy with a command or webhook; set one with "slipway retrain set ${endpoint} --command …"`);
    }
    const inProgress = (): ConflictError => new ConflictError(`endpoint "${endpoint}" already has a retraining run in progress`);
    if (this.running.has(endpoint)) throw inProgress();
    // Claimed before the first await: the events of one window arrive together, and must start one run, not one each.
    const before = this.lastStart.get(endpoint);
    this.lastStart.set(endpoint, Date.now());
    let started!: (run: RetrainRun) => void;
    let failed!: (err: unknown) => void;
    const record = new Promise<RetrainRun>((resolve, reject) => {
      started = resolve;
      failed = reject;
    });
    const job = (async (): Promise<RetrainRun> => {
      let run: RetrainRun | undefined;
      try {
        // The store's claim holds across replicas: another replica's run in progress refuses this one.
        run = await this.deps.store.startRetrainRun({ endpoint, trigger, eventId, replica: this.deps.replica });
        if (!run) throw inProgress();
      } catch (err) {
        // Nothing started here: the cooldown still counts from the run that did.
        if (before === undefined) this.lastStart.delete(endpoint);
        else this.lastStart.set(endpoint, before);
        failed(err);
        throw err;
      }
      started(run);
      return this.execute(run, policy);
    })().finally(() => this.running.delete(endpoint));
    this.running.set(endpoint, job);
    job.then((finished) => this.deps.onFinished(finished), () => undefined);
    return record;
  }

  /** The endpoint's runs, newest first. */
  runs(endpoint: string, limit: number): Promise<RetrainRun[]> {
    return this.deps.store.retrainRuns(endpoint, limit);
  }

  /** One run with its log. */
  async runById(id: number): Promise<RetrainRun> {
    const run = await this.deps.store.retrainRun(id);
    if (!run) throw new NotFoundError(`retraining run ${id} not found`);
    return run;
  }

  /** The run in progress for an endpoint, to wait for (tests, shutdown). */
  current(endpoint: string): Promise<RetrainRun> | undefined {
    return this.running.get(endpoint);
  }

  private async scheduleTick(now = Date.now()): Promise<void> {
    if (this.deps.holdsDuty?.() === false) return;
    for (const [endpoint, policy] of this.policies) {
      if (!policy.enabled || policy.scheduleMs === null || this.running.has(endpoint)) continue;
      const last = await this.lastStarted(endpoint).catch(() => this.lastStart.get(endpoint));
      if (last !== undefined && now - last < policy.scheduleMs) continue;
      if (last === undefined) {
        // A new schedule waits one period rather than running the moment it is set.
        this.lastStart.set(endpoint, now);
        continue;
      }
      await this.run(endpoint, 'schedule').catch((err: Error) => this.deps.log({ endpoint, err: err.message }, 'scheduled retraining could not start'));
    }
  }

  private async execute(run: RetrainRun, policy: RetrainPolicy): Promise<RetrainRun> {
    const { deps } = this;
    const dir = join(deps.workDir, run.endpoint, String(run.id));
    const outputDir = join(dir, 'output');
    const dataset = join(dir, `dataset.${policy.dataset.format}`);
    let log = '';
    try {
      await mkdir(outputDir, { recursive: true });
      const serving = await deps.servingVersion(run.endpoint);
      const exported = await deps.exportTo({
        endpoint: run.endpoint, since: Date.now() - policy.dataset.lookbackMs, withFeedback: policy.dataset.withFeedback,
        onlyLabelled: policy.dataset.onlyLabelled, onlyDriftedWindows: policy.dataset.onlyDriftedWindows, format: policy.dataset.format,
      }, dataset);
      await deps.store.updateRetrainRun(run.id, { dataset, datasetRows: exported.rows, outputDir });
      const env: Record<string, string> = {
        SLIPWAY_DATASET: dataset, SLIPWAY_DATASET_FORMAT: policy.dataset.format, SLIPWAY_DATASET_ROWS: String(exported.rows),
        SLIPWAY_OUTPUT_DIR: outputDir, SLIPWAY_ENDPOINT: run.endpoint, SLIPWAY_MODEL: serving.name,
        SLIPWAY_MODEL_VERSION: String(serving.version), SLIPWAY_RUN_ID: String(run.id), SLIPWAY_TRIGGER: run.trigger,
      };
      if (policy.webhook) {
        await deps.notify(policy.webhook, { type: 'retrain', run: run.id, endpoint: run.endpoint, trigger: run.trigger, model: `${serving.name}:${serving.version}`, dataset, datasetRows: exported.rows, format: policy.dataset.format, outputDir });
      }
      let exitCode: number | null = null;
      if (policy.command) {
        const result = await runCommand(policy.command, env, dir, policy.timeoutMs);
        log = result.log;
        exitCode = result.exitCode;
        await deps.store.updateRetrainRun(run.id, { log, exitCode });
        if (result.exitCode !== 0) {
          const why = result.timedOut
            ? `the job ran past its timeout (${policy.timeoutMs} ms) and was stopped`
            : result.exitCode === null && result.signal === null ? `the job could not start: ${result.log.split('\n').pop() ?? ''}`
            : `the job exited with ${result.signal ? `signal ${result.signal}` : `code ${result.exitCode}`}`;
          return await this.finish(run, { status: 'failed', error: why });
        }
      }
      const location = await deps.findPackage(outputDir);
      if (!location) {
        // Without a command the webhook's receiver trains and pushes on its own; with one, an empty output is worth saying.
        return await this.finish(run, { status: 'succeeded', error: policy.command ? 'the job left no model package in SLIPWAY_OUTPUT_DIR; nothing was pushed' : null });
      }
      // The run records each step as it happens; a baseline that fails is logged, not fatal.
      const { version, validation } = await deps.intake(location, serving.name, {
        onPushed: async (v) => {
          await deps.store.updateRetrainRun(run.id, { producedVersion: `${v.name}:${v.version}` });
        },
        onValidated: async (report) => {
          await deps.store.updateRetrainRun(run.id, { validationPassed: report.passed });
        },
        baselineFailed: (err, v) => deps.log({ model: `${v.name}:${v.version}`, err: (err as Error).message }, 'baseline of the retrained version failed'),
      });
      const produced = `${version.name}:${version.version}`;
      if (!validation?.passed) {
        const failed = (validation?.tests ?? []).filter((t) => !t.passed).map((t) => t.name).join(', ');
        return await this.finish(run, { status: 'failed', error: `${produced} failed validation (${failed}); no rollout started` });
      }
      if (!policy.rollout) return await this.finish(run, { status: 'succeeded' });
      const rolloutId = await deps.startRollout(run.endpoint, version, policy.rollout, `retraining run ${run.id} (${run.trigger})`);
      return await this.finish(run, { status: 'succeeded', rolloutId });
    } catch (err) {
      return await this.finish(run, { status: 'failed', error: (err as Error).message });
    }
  }

  private async finish(run: RetrainRun, change: Partial<RetrainRun>): Promise<RetrainRun> {
    return this.deps.store.updateRetrainRun(run.id, { ...change, finishedAt: new Date().toISOString() });
  }
}

interface CommandResult {
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  log: string;
}

/** Runs argv without a shell, output into a bounded log, stopped at the timeout. */
function runCommand(argv: string[], env: Record<string, string>, cwd: string, timeoutMs: number): Promise<CommandResult> {
  return new Promise((resolve) => {
    let log = '';
    const append = (chunk: Buffer): void => {
      log += chunk.toString('utf8');
      if (log.length > MAX_LOG_BYTES * 2) log = log.slice(-MAX_LOG_BYTES);
    };
    let timedOut = false;
    const child = spawn(argv[0]!, argv.slice(1), { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', append);
    child.stderr.on('data', append);
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), KILL_GRACE_MS).unref();
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ exitCode: null, signal: null, timedOut: false, log: `${log}\ncould not start ${JSON.stringify(argv[0])}: ${err.message}`.slice(-MAX_LOG_BYTES) });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ exitCode: code, signal, timedOut, log: log.slice(-MAX_LOG_BYTES) });
    });
  });
}
