// Version intake, the one way a new version comes in (an HTTP push, a bundled example, a retraining job's output):
// push → validate (the package tests, their report kept) → baseline (the package's baseline file profiled).

import type { ModelVersion } from '../core/model-version.js';
import type { ValidationReport } from '../core/validation.js';
import { pushLocalPackage } from './local-push.js';
import type { PackageUpload, Registry } from './registry.js';

export interface VersionIntakeDeps {
  registry: Registry;
  /** Runs the version's package tests and stores the report (rollout gates check it). */
  validate: (version: ModelVersion) => Promise<ValidationReport>;
  /** Builds the version's baseline from its package (monitors compare windows with it). */
  baseline: (version: ModelVersion) => Promise<unknown>;
}

/**
 * How one caller takes a version in. A failed step fails the intake unless the caller takes that failure (the version
 * exists either way: a step's failure never removes it).
 */
export interface IntakeOptions {
  /** Run the package tests (default true; a push with `?validate=false` runs them later, by hand). */
  validate?: boolean;
  /** The version exists (before it is validated). */
  onPushed?: (version: ModelVersion) => Promise<void> | void;
  /** Its report exists (before its baseline is built). */
  onValidated?: (report: ValidationReport) => Promise<void> | void;
  /** Given: a validation that could not run or be stored is the caller's to report, and the intake goes on. */
  validationFailed?: (err: unknown, version: ModelVersion) => void;
  /** Given: a baseline that could not be built is the caller's to report, and the intake goes on. */
  baselineFailed?: (err: unknown, version: ModelVersion) => void;
}

export interface Intake {
  version: ModelVersion;
  /** Absent when validation was skipped or failed to run (and the caller took that failure). */
  validation?: ValidationReport;
}

export class VersionIntake {
  constructor(private readonly deps: VersionIntakeDeps) {}

  /** Commits an upload the caller filled (files streamed in from a request) as model `name` (else the manifest's). */
  async fromUpload(upload: PackageUpload, name: string | undefined, options: IntakeOptions = {}): Promise<Intake> {
    return this.afterPush(await upload.commit(name), options);
  }

  /** Pushes the package at `location` on this server's disk as a new version of model `name`. */
  async fromLocal(location: string, name: string, options: IntakeOptions = {}): Promise<Intake> {
    return this.afterPush(await pushLocalPackage(this.deps.registry, location, name), options);
  }

  private async afterPush(version: ModelVersion, options: IntakeOptions): Promise<Intake> {
    await options.onPushed?.(version);
    let validation: ValidationReport | undefined;
    if (options.validate !== false) {
      try {
        validation = await this.deps.validate(version);
      } catch (err) {
        if (!options.validationFailed) throw err;
        options.validationFailed(err, version);
      }
      if (validation) await options.onValidated?.(validation);
    }
    try {
      await this.deps.baseline(version);
    } catch (err) {
      if (!options.baselineFailed) throw err;
      options.baselineFailed(err, version);
    }
    return { version, ...(validation ? { validation } : {}) };
  }
}
