// The database interface: every durable read and write goes through it, to SQLite (sqlite-store.ts) or Postgres (postgres-store.ts).
// What callers rely on is written here, method by method; test/store-contract.ts checks it against any implementation.

import type { EndpointSpec } from '../core/endpoint-spec.js';
import type { ModelAlias, ModelVersion } from '../core/model-version.js';
import type { RolloutState } from '../core/rollout-state.js';
import type { ProfileReport } from '../core/profile-report.js';
import type { ValidationReport } from '../core/validation.js';
import type { AccessStore } from './access-store.js';
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

/** The kinds of durable change another replica must follow; each has a counter in the store. */
export const CHANGE_KINDS = ['endpoints', 'aliases', 'settings', 'tokens'] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];
export type ChangeCounters = Record<ChangeKind, number>;

/** Who holds a duty (work done once across replicas) and until when (milliseconds since the epoch, the store's clock). */
export interface DutyLease {
  duty: string;
  holder: string;
  expiresAt: number;
}

/** One server process sharing this store, as it last reported itself. */
export interface ReplicaRecord {
  id: string;
  pid: number;
  host: string;
  startedAt: string;
  /** Milliseconds since the epoch (the store's clock) of its last heartbeat. */
  lastSeen: number;
}

/**
 * The contract every store keeps (checked by test/store-contract.ts):
 * - Each method is atomic. Whatever reads and then writes (a version number, a revision, a reference check before a
 *   removal, the version check before a report) does both in one transaction that takes the write lock first
 *   (SQLite: BEGIN IMMEDIATE; Postgres: locks on the rows it reads, or the endpoint's advisory lock), so concurrent
 *   callers, in this process or another, never interleave inside it.
 * - Numbers never come back: version numbers per model and the ids of endpoint events, captures, windows, monitor
 *   events, deliveries and runs only grow, and a removed one is not given out again. (An endpoint's revision counts the
 *   changes of one endpoint: removed and created again, it starts at 1.)
 * - Validation report, profile report and baseline are one document each per version: a save replaces the earlier
 *   one, a save for a version that does not exist (or was removed meanwhile) is a NotFoundError, and all three go
 *   with the version when it is removed.
 * - Times: `createdAt`/`updatedAt`/`time` fields are ISO-8601 strings set by the store; capture and feedback times are
 *   milliseconds since the epoch.
 * - Lookups of something absent return undefined. Removing a version, alias or endpoint that is absent, or saving a
 *   report for an absent version, throws NotFoundError naming it; where absence is fine, the method says so.
 */
export interface Store {
  /** Captures, feedback, baselines, monitors, alerts and retraining runs (the closed loop). */
  readonly loop: LoopStore;
  /** Access tokens and the audit trail. */
  readonly access: AccessStore;

  /**
   * Allocates the model's next version number (1 for a new name, then one more than the highest ever given, even if
   * that version was removed) and stores the version with the artifacts it refers to, in one transaction: concurrent
   * calls for one name get distinct, consecutive numbers.
   */
  createModelVersion(draft: NewModelVersion): Promise<ModelVersion>;
  getModelVersion(name: string, version: number): Promise<ModelVersion | undefined>;
  /** The highest existing version of the model. */
  latestModelVersion(name: string): Promise<ModelVersion | undefined>;
  /** All versions, or one model's, ordered by name then version. */
  listModelVersions(name?: string): Promise<ModelVersion[]>;
  /**
   * Removes a version with its validation report, profile report, baseline and artifact references. NotFoundError if
   * it does not exist; ConflictError while an endpoint serves it (the message names the endpoints) or an alias points
   * at it (the message names `name@alias`). Checked and removed in one transaction.
   */
  deleteModelVersion(name: string, version: number): Promise<void>;

  /** Stores a version's validation report, replacing an earlier one; NotFoundError if the version does not exist. */
  saveValidationReport(name: string, version: number, report: ValidationReport): Promise<void>;
  getValidationReport(name: string, version: number): Promise<ValidationReport | undefined>;
  /** Stores a version's profile report (profiler/), replacing an earlier one; NotFoundError if the version does not exist. */
  saveProfileReport(name: string, version: number, report: ProfileReport): Promise<void>;
  getProfileReport(name: string, version: number): Promise<ProfileReport | undefined>;

  /** Points an alias at an existing version (NotFoundError otherwise), moving it if it pointed elsewhere. */
  setAlias(name: string, alias: string, version: number): Promise<ModelAlias>;
  getAlias(name: string, alias: string): Promise<ModelAlias | undefined>;
  /** All aliases, or one model's, ordered by name then alias. */
  listAliases(name?: string): Promise<ModelAlias[]>;
  /** NotFoundError if there is no such alias. */
  deleteAlias(name: string, alias: string): Promise<void>;

  /**
   * Creates or replaces an endpoint's spec, in one transaction: refuses (NotFoundError) a spec naming a version that
   * does not exist; the revision is one more than before (1 on creation) and `createdAt` stays; the versions the spec
   * serves are recorded (so deleteModelVersion can refuse); a `create` or `update` event with the new revision and the
   * spec is recorded.
   */
  putEndpoint(spec: EndpointSpec, change: ChangeContext): Promise<EndpointRecord>;
  getEndpoint(name: string): Promise<EndpointRecord | undefined>;
  /** Ordered by name. */
  listEndpoints(): Promise<EndpointRecord[]>;
  /**
   * Removes the endpoint (NotFoundError if absent) and records a `delete` event at its last revision, without a spec.
   * Its events stay; its loop settings are the loop store's (LoopStore.deleteSettings).
   */
  deleteEndpoint(name: string, change: ChangeContext): Promise<void>;
  /** Every event of the endpoint, oldest first (also after the endpoint was removed). */
  endpointEvents(name: string): Promise<EndpointEvent[]>;
  /**
   * Records an event that does not change the spec (e.g. a rollout paused) at the endpoint's current revision (0 when
   * it does not exist); `spec` is kept as a snapshot if given.
   */
  recordEndpointEvent(endpoint: string, action: string, change: ChangeContext, spec?: EndpointSpec): Promise<void>;
  endpointEvent(id: number): Promise<EndpointEvent | undefined>;

  /** Creates or updates a rollout (by id); the whole state is kept as given. */
  saveRollout(state: RolloutState): Promise<void>;
  /** The rollout of an endpoint that started last, active or finished. */
  latestRollout(endpoint: string): Promise<RolloutState | undefined>;
  /** Rollouts still running or paused (to resume after a restart), oldest start first. */
  activeRollouts(): Promise<RolloutState[]>;
  /** The endpoint's rollouts, active and finished, the latest started first (as latestRollout orders them), at most `limit`. */
  rollouts(endpoint: string, limit: number): Promise<RolloutState[]>;
  /** A rollout by id, of any endpoint; undefined when there is none. */
  rollout(id: string): Promise<RolloutState | undefined>;

  /**
   * Hashes of every artifact an existing version refers to (its model file and package files): what garbage
   * collection must keep. A removed version's artifacts drop out unless another version refers to them.
   */
  referencedBlobs(): Promise<Set<string>>;

  /**
   * The change counters: each kind's counter grows with every committed change of that kind (endpoints: a spec put or
   * removed; aliases: set, moved or removed; settings: a loop setting put or removed; tokens: a token created or revoked), made by any process on this
   * store, including changes made through LoopStore. Counters never go back; equal counters mean nothing of that kind
   * changed in between. Replicas poll this (cheap: one small read) to know when to reconcile.
   */
  changeCounters(): Promise<ChangeCounters>;
  /**
   * Calls `onChange` soon after a change of any kind is committed (by any process), where the store can push that
   * (Postgres: LISTEN/NOTIFY); a store that cannot returns at once and never calls it, so callers poll
   * changeCounters as well. Resolves to a function that stops watching.
   */
  watchChanges(onChange: (kind: ChangeKind) => void): Promise<() => Promise<void>>;

  /**
   * Takes or renews a duty for `holder` for `ttlMs` from now: true if the duty was free, expired, or already
   * `holder`'s; false while another holder's lease runs. Atomic: of concurrent callers for one free duty, one wins.
   */
  acquireLease(duty: string, holder: string, ttlMs: number): Promise<boolean>;
  /** Gives the duty up if `holder` holds it (so another may take it at once); otherwise changes nothing. */
  releaseLease(duty: string, holder: string): Promise<void>;
  /** Every lease, expired ones included, ordered by duty. */
  listLeases(): Promise<DutyLease[]>;
  /** Records (or refreshes) a replica, its lastSeen set to now. */
  heartbeat(replica: Omit<ReplicaRecord, 'lastSeen'>): Promise<void>;
  /** Replicas seen since `sinceMs` (milliseconds since the epoch), ordered by id. */
  listReplicas(sinceMs: number): Promise<ReplicaRecord[]>;
  /** Forgets a replica (it stopped); absent is fine. */
  removeReplica(id: string): Promise<void>;

  /** Finishes pending capture writes and releases the database; no call may follow. */
  close(): Promise<void>;
}
