// The Models page's JSON: a version's reports (GET …/versions/{v}/reports) and the profile run's NDJSON events, with
// leaf types from the server's own source (type-only, browser-safe files).

export type { ProfileChoice, ProfileConfig, ProfilePoint, ProfileReport } from '../../../src/core/profile-report.js';
export type { TestResult, ValidationReport } from '../../../src/core/validation.js';
export type { BaselineHistogram, BaselineHistograms } from '../../../src/monitoring/feature-histograms.js';
import type { ProfileConfig, ProfilePoint, ProfileReport } from '../../../src/core/profile-report.js';
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

/** One line of POST …/profile's stream (src/profiler/profile-run.ts ProfileEvent). */
export type ProfileEvent =
  | { type: 'start'; model: string; configs: number; planned: number; cores: number; input: 'golden' | 'random'; batchingBlocker: string | null }
  | { type: 'config'; index: number; total: number; config: ProfileConfig }
  | { type: 'point'; point: ProfilePoint }
  | { type: 'report'; report: ProfileReport }
  | { type: 'error'; error: string };

/** GET /api/v1/models entries as this page reads them (the summary now also names the latest version's format). */
export type ModelListEntry = import('./api-types.js').ModelSummary & { format?: string };
