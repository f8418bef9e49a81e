// Retraining runs with a real job process: one run per window, exit codes and logs recorded; across replicas, the
// store's claim of the one run in progress, the cooldown counted from any replica's run, and runs of gone replicas failed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../core/model-version.js';
import type { MonitorEvent } from '../core/monitor-event.js';
import type { RetrainRun } from '../core/retrain-policy.js';
import { DEFAULT_RETRAIN } from '../core/retrain-policy.js';
import type { RetrainDeps } from './retrain-runner.js';
import { INTERRUPTED, RetrainRunner } from './retrain-runner.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A run as the store keeps it, running since `startedAt`. */
function stored(r: Pick<RetrainRun, 'id' | 'endpoint' | 'trigger' | 'eventId' | 'replica'>, startedAt: string): RetrainRun {
  return {
    ...r, status: 'running', startedAt, finishedAt: null, exitCode: null, log: '', dataset: null, datasetRows: null, outputDir: null,
    producedVersion: null, validationPassed: null, rolloutId: null, error: null,
  };
}

/** What the mocked store does beyond recording runs: another replica's run in progress, runs it started, its duty. */
interface Elsewhere {
  /** A run of the endpoint is running on another replica: the store's claim refuses. */
  claimed?: boolean;
  /** The newest run the store holds, started by another replica. */
  lastStartedAt?: string;
  holdsDuty?: boolean;
}

/** Runs recorded in memory; the job is `node -e` (a real process), no package is left, so nothing is pushed. */
function runner(elsewhere: Elsewhere = {}): { runner: RetrainRunner; runs: RetrainRun[]; orphanSweeps: [string, number][]; logs: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'slipway-retrain-'));
  dirs.push(dir);
  const runs: RetrainRun[] = [];
  const orphanSweeps: [string, number][] = [];
  const logs: string[] = [];
  const serving = { name: 'm', version: 1 } as ModelVersion;
  const deps: RetrainDeps = {
    store: {
      async startRetrainRun(r) {
        if (elsewhere.claimed || runs.some((x) => x.endpoint === r.endpoint && x.status === 'running')) return undefined;
        const run = stored({ ...r, id: runs.length + 1 }, new Date().toISOString());
        runs.push(run);
        return run;
      },
      async updateRetrainRun(id, change) {
        Object.assign(runs[id - 1]!, change);
        return runs[id - 1]!;
      },
      async retrainRuns() {
        const newest = runs[runs.length - 1];
        if (newest) return [newest];
        return elsewhere.lastStartedAt ? [stored({ id: 99, endpoint: 'e', trigger: 'drift', eventId: 9, replica: 'replica-b' }, elsewhere.lastStartedAt)] : [];
      },
      async retrainRun(id) {
        return runs[id - 1];
      },
      async failOrphanedRuns(reason, goneAfterMs) {
        orphanSweeps.push([reason, goneAfterMs]);
        return 0;
      },
    },
    replica: 'replica-a',
    replicaGoneMs: 24_000,
    workDir: dir,
    servingVersion: async () => serving,
    exportTo: async () => ({ rows: 3 }),
    findPackage: async () => undefined,
    intake: async () => ({ version: serving, validation: { model: 'm:1', startedAt: '', finishedAt: '', passed: true, tests: [] } }),
    startRollout: async () => 'r1',
    notify: async () => undefined,
    onFinished: () => undefined,
    log: (_details, message) => logs.push(message),
    holdsDuty: () => elsewhere.holdsDuty ?? true,
  };
  return { runner: new RetrainRunner(deps), runs, orphanSweeps, logs };
}

const event = (id: number, kind: MonitorEvent['kind']): MonitorEvent => ({ id, endpoint: 'e', windowId: 1, time: '', kind, severity: 'critical', features: ['x'], findings: [] });

describe('retraining runs', () => {
  it('starts one run for the several events of one window, and records the job\'s exit and output', async () => {
    const { runner: r, runs } = runner();
    await r.configure('e', { ...DEFAULT_RETRAIN, enabled: true, command: [process.execPath, '-e', 'console.log("rows", process.env.SLIPWAY_DATASET_ROWS)'] });
    r.onEvent(event(1, 'feature_drift'));
    r.onEvent(event(2, 'prediction_drift'));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const finished = (await r.current('e'))!;
    expect(runs).toHaveLength(1);
    expect(finished).toMatchObject({ trigger: 'drift', eventId: 1, status: 'succeeded', exitCode: 0, datasetRows: 3 });
    expect(finished.log).toContain('rows 3');
    expect(finished.error).toMatch(/left no model package/);
  });

  it('records a failing job with its exit code, and refuses a second run while one is going', async () => {
    const { runner: r } = runner();
    await r.configure('e', { ...DEFAULT_RETRAIN, enabled: true, command: [process.execPath, '-e', 'console.error("no data"); process.exit(4)'] });
    const run = await r.run('e', 'manual');
    await expect(r.run('e', 'manual')).rejects.toThrow(/already has a retraining run in progress/);
    const finished = (await r.current('e'))!;
    expect(finished).toMatchObject({ id: run.id, status: 'failed', exitCode: 4, error: 'the job exited with code 4' });
    expect(finished.log).toContain('no data');
  });

  it('refuses a run while another replica has one in progress (the store\'s claim); a drift event then starts nothing, quietly', async () => {
    const elsewhere: Elsewhere = { claimed: true };
    const { runner: r, runs, logs } = runner(elsewhere);
    await r.configure('e', { ...DEFAULT_RETRAIN, enabled: true, cooldownMs: 60_000, command: [process.execPath, '-e', ''] });
    await expect(r.run('e', 'manual')).rejects.toThrow(/already has a retraining run in progress/);
    r.onEvent(event(1, 'feature_drift'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toHaveLength(0);
    expect(logs).toEqual([]);
    // Refused runs started nothing, so no cooldown runs from them: once the other run is over, the next event starts one.
    elsewhere.claimed = false;
    r.onEvent(event(2, 'feature_drift'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs.map((x) => [x.eventId, x.replica])).toEqual([[2, 'replica-a']]);
    await r.current('e');
  });

  it('counts the cooldown from the last run of any replica (the monitor duty may have changed hands since)', async () => {
    const { runner: r, runs } = runner({ lastStartedAt: new Date(Date.now() - 1000).toISOString() });
    await r.configure('e', { ...DEFAULT_RETRAIN, enabled: true, cooldownMs: 60_000, command: [process.execPath, '-e', ''] });
    r.onEvent(event(1, 'feature_drift'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs).toHaveLength(0);
    await r.configure('e', { ...DEFAULT_RETRAIN, enabled: true, cooldownMs: 500, command: [process.execPath, '-e', ''] });
    r.onEvent(event(2, 'feature_drift'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(runs.map((x) => x.eventId)).toEqual([2]);
    await r.current('e');
  });

  it('fails the runs of replicas that are gone, only while it holds the retraining duty', async () => {
    const other = runner({ holdsDuty: false });
    await other.runner.start();
    other.runner.close();
    expect(other.orphanSweeps).toEqual([]);
    const holder = runner({ holdsDuty: true });
    await holder.runner.start();
    holder.runner.close();
    expect(holder.orphanSweeps).toEqual([[INTERRUPTED, 24_000]]);
  });
});
