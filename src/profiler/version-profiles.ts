// Profiles of model versions as a service: run a sweep (events streamed to the caller, the report stored), read a report.

import { formatVersionId } from '../core/endpoint-spec.js';
import { NotFoundError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import type { ProfileReport } from '../core/profile-report.js';
import type { Store } from '../store/store.js';
import type { ProfileDeps, ProfileEvent, ProfileRequest } from './profile-run.js';
import { profileVersion } from './profile-run.js';

export class VersionProfiles {
  constructor(private readonly deps: ProfileDeps & { store: Pick<Store, 'saveProfileReport' | 'getProfileReport'> }) {}

  /** Measures the version under a sweep of runtime configs; the report is stored on the version. */
  run(version: ModelVersion, request: ProfileRequest, onEvent: (event: ProfileEvent) => void, signal?: AbortSignal): Promise<ProfileReport> {
    return profileVersion(version, request, this.deps, onEvent, signal);
  }

  /** The stored report of a version. */
  async report(version: ModelVersion): Promise<ProfileReport> {
    const report = await this.deps.store.getProfileReport(version.name, version.version);
    if (!report) {
      const id = formatVersionId(version);
      throw new NotFoundError(`no profile for ${id}; run slipway profile ${id} --slo-p99 <duration>`);
    }
    return report;
  }
}
