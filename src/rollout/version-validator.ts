// Validation of model versions as a service: run a version's package tests (the report is stored), read its report.

import { formatVersionId } from '../core/endpoint-spec.js';
import { NotFoundError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import type { ValidationReport } from '../core/validation.js';
import type { Store } from '../store/store.js';
import type { ValidationDeps } from './validation.js';
import { validateAndSave } from './validation.js';

export class VersionValidator {
  constructor(private readonly deps: ValidationDeps & { store: Pick<Store, 'saveValidationReport' | 'getValidationReport'> }) {}

  /** Runs the package tests and stores the report, whether they passed or not. */
  validate(version: ModelVersion): Promise<ValidationReport> {
    return validateAndSave(version, this.deps);
  }

  /** The stored report of a version. */
  async report(version: ModelVersion): Promise<ValidationReport> {
    const report = await this.deps.store.getValidationReport(version.name, version.version);
    if (!report) {
      const id = formatVersionId(version);
      throw new NotFoundError(`no validation report for ${id}; run slipway validate ${id}`);
    }
    return report;
  }
}
