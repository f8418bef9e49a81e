// The Models page's JSON: a version's reports (GET …/versions/{v}/reports) and the profile run's NDJSON events, with
// leaf types from the server's own source (type-only, browser-safe files).

export type { ProfileChoice, ProfileConfig, ProfileEvent, ProfilePoint, ProfileReport } from '../../../src/core/profile-report.js';
export type { TestResult, ValidationReport } from '../../../src/core/validation.js';
export type { BaselineHistogram, BaselineHistograms } from '../../../src/monitoring/feature-histograms.js';
import type { ProfileReport } from '../../../src/core/profile-report.js';
import type { ValidationReport } from '../../../src/core/validation.js';
import type { BaselineHistograms } from '../../../src/monitoring/feature-histograms.js';

export interface VersionReports {
  model: string;
  validation: ValidationReport | null;
  profile: ProfileReport | null;
  baseline: (BaselineHistograms & { model: string }) | null;
}

/** The body of POST …/profile (src/profiler/profile-run.ts ProfileRequest; that file is Node-only). */
export interface ProfileRequest {
  sloP99Ms: number;
  budgetSeconds?: number;
  exhaustive?: boolean;
  concurrency?: number[];
  pointMillis?: number;
  minRequests?: number;
}


/** GET /api/v1/models entries as this page reads them (the summary now also names the latest version's format). */
export type ModelListEntry = import('./api-types.js').ModelSummary & { format?: string };
