// Retraining runs with a real job process: one run per window, exit codes and logs recorded.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelVersion } from '../core/model-version.js';
import type { MonitorEvent } from '../core/monitor-event.js';
import type { RetrainRun } from '../core/retrain-policy.js';
import { DEFAULT_RETRAIN } from '../core/retrain-policy.js';
import type { RetrainDeps } from './retrain-runner.js';
import { RetrainRunner } from './retrain-runner.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs recorded in memory; the job is `node -e` (a real process), no package is left, so nothing is pushed. */
function runner(): { runner: RetrainRunner; runs: RetrainRun[] } {
  dir = mkdtempSync(join(tmpdir(), 'slipway-retrain-'));
  const runs: RetrainRun[] = [];
  const serving = { name: 'm', version: 1 } as ModelVersion;
  const deps: RetrainDeps = {
    store: {
      async startRetrainRun(r) {
        const run: RetrainRun = {
          ...r, id: runs.length + 1, status: 'running', startedAt: new Date().toISOString(), finishedAt: null, exitCode: null, log: '',
          dataset: null, datasetRows: null, outputDir: null, producedVersion: null, validationPassed: null, rolloutId: null, error: null,
        };
        runs.push(run);
        return run;
      },
      async updateRetrainRun(id, change) {
        Object.assign(runs[id - 1]!, change);
        return runs[id - 1]!;
      },
      async retrainRuns() {
        return [];
      },
      async retrainRun(id) {
        return runs[id - 1];
      },
      async failInterruptedRuns() {
        return 0;
      },
    },
    workDir: dir,
    servingVersion: async () => serving,
    exportTo: async () => ({ rows: 3 }),
    findPackage: async () => undefined,
    intake: async () => ({ version: serving, validation: { model: 'm:1', startedAt: '', finishedAt: '', passed: true, tests: [] } }),
    startRollout: async () => 'r1',
    notify: async () => undefined,
    onFinished: () => undefined,
    log: () => undefined,
  };
  return { runner: new RetrainRunner(deps), runs };
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
});
