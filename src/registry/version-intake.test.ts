// Version intake: push → validate → baseline in that order, each caller's hooks in between, and a failed step either
// failing the intake or going to the caller who takes it (the version stays either way).

import { describe, expect, it } from 'vitest';
import type { ModelVersion } from '../core/model-version.js';
import type { ValidationReport } from '../core/validation.js';
import type { PackageUpload, Registry } from './registry.js';
import { VersionIntake } from './version-intake.js';

const version = { name: 'm', version: 2 } as ModelVersion;
const report: ValidationReport = { model: 'm:2', startedAt: '', finishedAt: '', passed: true, tests: [] };
const upload = { commit: async () => version } as unknown as PackageUpload;

function intake(steps: string[], fail: { validate?: boolean; baseline?: boolean } = {}): VersionIntake {
  return new VersionIntake({
    registry: {} as Registry,
    validate: async () => {
      steps.push('validate');
      if (fail.validate) throw new Error('report not stored');
      return report;
    },
    baseline: async () => {
      steps.push('baseline');
      if (fail.baseline) throw new Error('no rows');
    },
  });
}

describe('version intake', () => {
  it('validates, then builds the baseline, telling the caller after each step', async () => {
    const steps: string[] = [];
    const result = await intake(steps).fromUpload(upload, 'm', {
      onPushed: (v) => void steps.push(`pushed ${v.name}:${v.version}`),
      onValidated: (r) => void steps.push(`validated ${r.passed}`),
    });
    expect(result).toEqual({ version, validation: report });
    expect(steps).toEqual(['pushed m:2', 'validate', 'validated true', 'baseline']);
  });

  it('skips validation when asked (?validate=false) and still builds the baseline', async () => {
    const steps: string[] = [];
    expect(await intake(steps).fromUpload(upload, undefined, { validate: false })).toEqual({ version });
    expect(steps).toEqual(['baseline']);
  });

  it('fails on a failed step unless the caller takes that failure, and goes on when it does', async () => {
    await expect(intake([], { validate: true }).fromUpload(upload, 'm')).rejects.toThrow('report not stored');
    await expect(intake([], { baseline: true }).fromUpload(upload, 'm')).rejects.toThrow('no rows');
    const steps: string[] = [];
    const taken: string[] = [];
    const result = await intake(steps, { validate: true, baseline: true }).fromUpload(upload, 'm', {
      validationFailed: (err) => void taken.push((err as Error).message),
      baselineFailed: (err) => void taken.push((err as Error).message),
    });
    expect(result).toEqual({ version });
    expect(steps).toEqual(['validate', 'baseline']);
    expect(taken).toEqual(['report not stored', 'no rows']);
  });
});
