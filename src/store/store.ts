// The database interface: every durable read and write goes through it. SQLite now, Postgres behind the same shape later.

import type { EndpointSpec } from '../core/endpoint-spec.js';
import type { ModelAlias, ModelVersion } from '../core/model-version.js';
import type { RolloutState } from '../core/rollout-state.js';
import type { ProfileReport } from '../core/profile-report.js';
import type { ValidationReport } from '../core/validation.js';
import type { LoopStore } from './loop-store.js';

export type NewModelVersion = Omit<ModelVersion, 'version' | 'createdAt'>;

export interface EndpointRecord {
  spec: EndpointSpec;
  /** Increases by one with every change of the spec. */
  revision: number;
  createdAt: string;
  updatedAt: string;
}

/** Who changed what and why; every spec change is recorded with one. */
export interface ChangeContext {
  actor: string;
  reason?: string;
  /** Structured facts kept with the event (e.g. measured gate values of a rollout step). */
  details?: object;
}

export interface EndpointEvent {
  id: number;
  endpoint: string;
  time: string;
  actor: string;
  /** create/update/delete change the spec; rollout-* record a rollout's transitions. */
  action: string;
  revision: number;
  reason: string | null;
  spec: EndpointSpec | null;
  details: object | null;
}

export interface Store {
  /** Captures, feedback, baselines, monitors, alerts and retraining runs (the closed loop). */
  readonly loop: LoopStore;

  /** Allocates the next version number of the model and stores it, atomically. */
  createModelVersion(draft: NewModelVersion): Promise<ModelVersion>;
  getModelVersion(name: string, version: number): Promise<ModelVersion | undefined>;
  latestModelVersion(name: string): Promise<ModelVersion | undefined>;
  /** All versions, or one model's, ordered by name then version. */
  listModelVersions(name?: string): Promise<ModelVersion[]>;
  /** Removes a version (and its validation report); refuses (ConflictError) while an endpoint or alias refers to it. */
  deleteModelVersion(name: string, version: number): Promise<void>;

  /** Stores a version's validation report, replacing an earlier one; NotFoundError if the version does not exist. */
  saveValidationReport(name: string, version: number, report: ValidationReport): Promise<void>;
  getValidationReport(name: string, version: number): Promise<ValidationReport | undefined>;
  /** Stores a version's profile report (profiler/), replacing an earlier one; NotFoundError if the version does not exist. */
  saveProfileReport(name: string, version: number, report: ProfileReport): Promise<void>;
  getProfileReport(name: string, version: number): Promise<ProfileReport | undefined>;

  /** Points an alias at an existing version (NotFoundError otherwise). */
  setAlias(name: string, alias: string, version: number): Promise<ModelAlias>;
  getAlias(name: string, alias: string): Promise<ModelAlias | undefined>;
  listAliases(name?: string): Promise<ModelAlias[]>;
  deleteAlias(name: string, alias: string): Promise<void>;

  /** Creates or replaces an endpoint's spec; refuses (NotFoundError) a spec naming a version that does not exist. */
  putEndpoint(spec: EndpointSpec, change: ChangeContext): Promise<EndpointRecord>;
  getEndpoint(name: string): Promise<EndpointRecord | undefined>;
  listEndpoints(): Promise<EndpointRecord[]>;
  deleteEndpoint(name: string, change: ChangeContext): Promise<void>;
  endpointEvents(name: string): Promise<EndpointEvent[]>;
  /** Records an event that does not change the spec (e.g. a rollout paused); `spec` is kept as a snapshot if given. */
  recordEndpointEvent(endpoint: string, action: string, change: ChangeContext, spec?: EndpointSpec): Promise<void>;
  endpointEvent(id: number): Promise<EndpointEvent | undefined>;

  /** Creates or updates a rollout (by id). */
  saveRollout(state: RolloutState): Promise<void>;
  /** The newest rollout of an endpoint, active or finished. */
  latestRollout(endpoint: string): Promise<RolloutState | undefined>;
  /** Rollouts still running or paused (to resume after a restart). */
  activeRollouts(): Promise<RolloutState[]>;

  /** Hashes of every artifact some version refers to: what garbage collection must keep. */
  referencedBlobs(): Promise<Set<string>>;

  close(): Promise<void>;
}
