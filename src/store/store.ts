// The database interface: every durable read and write goes through it. SQLite now, Postgres behind the same shape later.

import type { EndpointSpec } from '../core/endpoint-spec.js';
import type { ModelAlias, ModelVersion } from '../core/model-version.js';

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
}

export interface EndpointEvent {
  id: number;
  endpoint: string;
  time: string;
  actor: string;
  action: 'create' | 'update' | 'delete';
  revision: number;
  reason: string | null;
  spec: EndpointSpec | null;
}

export interface Store {
  /** Allocates the next version number of the model and stores it, atomically. */
  createModelVersion(draft: NewModelVersion): Promise<ModelVersion>;
  getModelVersion(name: string, version: number): Promise<ModelVersion | undefined>;
  latestModelVersion(name: string): Promise<ModelVersion | undefined>;
  /** All versions, or one model's, ordered by name then version. */
  listModelVersions(name?: string): Promise<ModelVersion[]>;
  /** Removes a version; refuses (ConflictError) while an endpoint or alias refers to it. */
  deleteModelVersion(name: string, version: number): Promise<void>;

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

  /** Hashes of every artifact some version refers to: what garbage collection must keep. */
  referencedBlobs(): Promise<Set<string>>;

  close(): Promise<void>;
}
