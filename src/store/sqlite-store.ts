// The embedded Store: one SQLite file in WAL mode. Calls are synchronous underneath and wrapped to the async interface.

import Database from 'better-sqlite3';
import type { EndpointSpec } from '../core/endpoint-spec.js';
import { versionsOf } from '../core/endpoint-spec.js';
import { ConflictError, NotFoundError, UnavailableError } from '../core/errors.js';
import type { ModelAlias, ModelVersion } from '../core/model-version.js';
import type { RolloutState } from '../core/rollout-state.js';
import type { ProfileReport } from '../core/profile-report.js';
import type { ValidationReport } from '../core/validation.js';
import type { AccessStore } from './access-store.js';
import type { PublishedWindow, WindowCounts } from '../core/window-counts.js';
import { CaptureWriterClient } from './capture-writer-client.js';
import type { LoopStore } from './loop-store.js';
import { SqliteAccessStore } from './sqlite-access-store.js';
import { SqliteLoopStore } from './sqlite-loop-store.js';
import { SQLITE_MIGRATIONS } from './sqlite-migrations.js';
import { getVersionReport, saveVersionReport } from './sqlite-version-reports.js';
import type { ChangeContext, ChangeCounters, ChangeKind, DutyLease, EndpointEvent, EndpointRecord, NewModelVersion, ReplicaRecord, Store } from './store.js';
import { WINDOW_KEEP_MS } from './store.js';

interface VersionRow {
  name: string;
  version: number;
  created_at: string;
  description: string;
  task: string;
  format: string;
  sha256: string;
  size: number;
  signature: string;
  manifest: string;
  files: string;
}

interface AliasRow {
  name: string;
  alias: string;
  version: number;
  updated_at: string;
}

interface EndpointRow {
  name: string;
  spec: string;
  revision: number;
  created_at: string;
  updated_at: string;
}

interface EventRow {
  id: number;
  endpoint: string;
  time: string;
  actor: string;
  action: string;
  revision: number;
  reason: string | null;
  spec: string | null;
  details: string | null;
}

/** Page size of a new home's database file. */
export const PAGE_BYTES = 8192;

export class SqliteStore implements Store {
  private readonly db: Database.Database;
  private readonly leases: Database.Database;
  private readonly captureWriter: CaptureWriterClient;
  readonly loop: LoopStore;
  readonly access: AccessStore;

  constructor(file: string) {
    this.db = new Database(file);
    // Takes effect only as a new file is created (an existing home keeps its pages: changing them means a VACUUM that
    // rewrites every capture). 8 KB rather than SQLite's 4 KB: the capture writer appends whole pages to the log, and
    // measured with 2,000-record batches it spent 6.4 µs of CPU per record on 4 KB pages and 5.1 on 8 KB (the kernel's
    // share 1.6 → 0.9 µs: half the writes); 16 and 32 KB saved no more and read more per lookup.
    this.db.pragma(`page_size = ${PAGE_BYTES}`);
    this.db.pragma('journal_mode = WAL');
    // FULL: a committed version, alias or spec change survives power loss, not only a process crash. Writes here are rare.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    try {
      this.migrate(file);
    } catch (err) {
      this.db.close();
      throw err;
    }
    // Leases and heartbeats are rewritten every second and worth nothing after a power loss (they run out): their own
    // connection commits without waiting for the disk, so they never stall the event loop on an fsync.
    this.leases = new Database(file);
    this.leases.pragma('synchronous = NORMAL');
    this.leases.pragma('busy_timeout = 5000');
    this.captureWriter = new CaptureWriterClient(file);
    this.loop = new SqliteLoopStore(this.db, this.captureWriter);
    this.access = new SqliteAccessStore(this.db);
  }

  private migrate(file: string): void {
    // The version is read inside the write lock: processes opening one file together (serve --workers) apply each
    // migration once.
    for (;;) {
      const applied = this.db.transaction((): boolean => {
        const current = this.db.pragma('user_version', { simple: true }) as number;
        // A newer Slipway's home: this one would write without keeping what the newer schema keeps (capture totals).
        if (current > SQLITE_MIGRATIONS.length) {
          throw new UnavailableError(`${file} has schema version ${current}, newer than this Slipway knows (${SQLITE_MIGRATIONS.length}); upgrade Slipway`);
        }
        if (current === SQLITE_MIGRATIONS.length) return false;
        this.db.exec(SQLITE_MIGRATIONS[current]!);
        this.db.pragma(`user_version = ${current + 1}`);
        return true;
      }).immediate();
      if (!applied) return;
    }
  }

  async changeCounters(): Promise<ChangeCounters> {
    const rows = this.db.prepare('SELECT kind, counter FROM change_counters').all() as { kind: ChangeKind; counter: number }[];
    return countersOf(rows);
  }

  async watchChanges(): Promise<() => Promise<void>> {
    // SQLite cannot tell another process's commit: callers poll changeCounters.
    return async () => undefined;
  }

  async acquireLease(duty: string, holder: string, ttlMs: number): Promise<boolean> {
    const now = Date.now();
    const result = this.leases
      .prepare(
        `INSERT INTO duty_leases (duty, holder, expires_at) VALUES (?, ?, ?)
         ON CONFLICT (duty) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
         WHERE duty_leases.holder = excluded.holder OR duty_leases.expires_at <= ?`,
      )
      .run(duty, holder, now + ttlMs, now);
    return result.changes === 1;
  }

  async releaseLease(duty: string, holder: string): Promise<void> {
    this.leases.prepare('DELETE FROM duty_leases WHERE duty = ? AND holder = ?').run(duty, holder);
  }

  async listLeases(): Promise<DutyLease[]> {
    const rows = this.leases.prepare('SELECT duty, holder, expires_at FROM duty_leases ORDER BY duty').all() as { duty: string; holder: string; expires_at: number }[];
    return rows.map((r) => ({ duty: r.duty, holder: r.holder, expiresAt: r.expires_at }));
  }

  async heartbeat(replica: Omit<ReplicaRecord, 'lastSeen' | 'revisions'> & { revisions?: Record<string, number> }): Promise<void> {
    this.leases
      .prepare(
        `INSERT INTO replicas (id, pid, host, started_at, last_seen, revisions) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, revisions = excluded.revisions`,
      )
      .run(replica.id, replica.pid, replica.host, replica.startedAt, Date.now(), JSON.stringify(replica.revisions ?? {}));
  }

  async listReplicas(sinceMs: number): Promise<ReplicaRecord[]> {
    const rows = this.leases.prepare('SELECT id, pid, host, started_at, last_seen, revisions FROM replicas WHERE last_seen >= ? ORDER BY id').all(sinceMs) as {
      id: string; pid: number; host: string; started_at: string; last_seen: number; revisions: string;
    }[];
    return rows.map((r) => ({ id: r.id, pid: r.pid, host: r.host, startedAt: r.started_at, lastSeen: r.last_seen, revisions: JSON.parse(r.revisions) as Record<string, number> }));
  }

  async removeReplica(id: string): Promise<void> {
    this.leases.prepare('DELETE FROM replicas WHERE id = ?').run(id);
  }

  async publishWindows(replica: string, windows: readonly Omit<PublishedWindow, 'replica' | 'updatedAt'>[]): Promise<void> {
    // On the leases connection: windows are worth nothing after a power loss (a rollout resumes with a fresh window).
    const now = Date.now();
    const put = this.leases.prepare(
      `INSERT INTO variant_windows (replica, endpoint, variant, key, counts, updated_at) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (replica, endpoint, variant) DO UPDATE SET key = excluded.key, counts = excluded.counts, updated_at = excluded.updated_at`,
    );
    this.leases.transaction(() => {
      for (const w of windows) put.run(replica, w.endpoint, w.variant, w.key, JSON.stringify(w.counts), now);
      this.leases.prepare('DELETE FROM variant_windows WHERE updated_at < ?').run(now - WINDOW_KEEP_MS);
    }).immediate();
  }

  async publishedWindows(endpoint: string): Promise<PublishedWindow[]> {
    const rows = this.leases
      .prepare('SELECT replica, endpoint, variant, key, counts, updated_at FROM variant_windows WHERE endpoint = ? ORDER BY replica, variant')
      .all(endpoint) as { replica: string; endpoint: string; variant: string; key: string; counts: string; updated_at: number }[];
    return rows.map((r) => ({ replica: r.replica, endpoint: r.endpoint, variant: r.variant, key: r.key, counts: JSON.parse(r.counts) as WindowCounts, updatedAt: r.updated_at }));
  }

  async createModelVersion(draft: NewModelVersion): Promise<ModelVersion> {
    return this.db.transaction((): ModelVersion => {
      const counter = this.db.prepare('SELECT last_version FROM model_counters WHERE name = ?').get(draft.name) as
        | { last_version: number }
        | undefined;
      const version = (counter?.last_version ?? 0) + 1;
      const createdAt = new Date().toISOString();
      this.db
        .prepare('INSERT INTO model_counters (name, last_version) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET last_version = excluded.last_version')
        .run(draft.name, version);
      this.db
        .prepare(
          `INSERT INTO model_versions (name, version, created_at, description, task, format, sha256, size, signature, manifest, files)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          draft.name, version, createdAt, draft.description, draft.task, draft.format, draft.sha256, draft.size,
          JSON.stringify(draft.signature), JSON.stringify(draft.manifest), JSON.stringify(draft.files),
        );
      const blobs = new Set([draft.sha256, ...draft.files.map((f) => f.sha256)]);
      const insertBlob = this.db.prepare('INSERT INTO model_blobs (name, version, sha256) VALUES (?, ?, ?)');
      for (const sha of blobs) insertBlob.run(draft.name, version, sha);
      return { ...draft, version, createdAt };
    }).immediate();
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    const row = this.db.prepare('SELECT * FROM model_versions WHERE name = ? AND version = ?').get(name, version) as
      | VersionRow
      | undefined;
    return row && toVersion(row);
  }

  async latestModelVersion(name: string): Promise<ModelVersion | undefined> {
    const row = this.db
      .prepare('SELECT * FROM model_versions WHERE name = ? ORDER BY version DESC LIMIT 1')
      .get(name) as VersionRow | undefined;
    return row && toVersion(row);
  }

  async listModelVersions(name?: string): Promise<ModelVersion[]> {
    const rows = (
      name === undefined
        ? this.db.prepare('SELECT * FROM model_versions ORDER BY name, version').all()
        : this.db.prepare('SELECT * FROM model_versions WHERE name = ? ORDER BY version').all(name)
    ) as VersionRow[];
    return rows.map(toVersion);
  }

  async deleteModelVersion(name: string, version: number): Promise<void> {
    this.db.transaction(() => {
      const exists = this.db.prepare('SELECT 1 FROM model_versions WHERE name = ? AND version = ?').get(name, version);
      if (!exists) throw new NotFoundError(`model version ${name}:${version} not found`);
      const endpoints = this.db
        .prepare('SELECT DISTINCT endpoint FROM endpoint_versions WHERE name = ? AND version = ? ORDER BY endpoint')
        .all(name, version) as { endpoint: string }[];
      if (endpoints.length > 0) {
        const list = endpoints.map((e) => `"${e.endpoint}"`).join(', ');
        throw new ConflictError(
          `model version ${name}:${version} is served by endpoint ${list}; deploy another version there or remove the endpoint first`,
        );
      }
      const aliases = this.db.prepare('SELECT alias FROM aliases WHERE name = ? AND version = ? ORDER BY alias').all(name, version) as {
        alias: string;
      }[];
      if (aliases.length > 0) {
        const list = aliases.map((a) => `${name}@${a.alias}`).join(', ');
        throw new ConflictError(`model version ${name}:${version} is the target of alias ${list}; move or remove the alias first`);
      }
      this.db.prepare('DELETE FROM model_versions WHERE name = ? AND version = ?').run(name, version);
    }).immediate();
  }

  async saveValidationReport(name: string, version: number, report: ValidationReport): Promise<void> {
    saveVersionReport(this.db, 'validation_reports', name, version, { passed: report.passed ? 1 : 0, finished_at: report.finishedAt }, report);
  }

  async getValidationReport(name: string, version: number): Promise<ValidationReport | undefined> {
    return getVersionReport<ValidationReport>(this.db, 'validation_reports', name, version);
  }

  async saveProfileReport(name: string, version: number, report: ProfileReport): Promise<void> {
    saveVersionReport(this.db, 'profile_reports', name, version, { finished_at: report.finishedAt }, report);
  }

  async getProfileReport(name: string, version: number): Promise<ProfileReport | undefined> {
    return getVersionReport<ProfileReport>(this.db, 'profile_reports', name, version);
  }

  async setAlias(name: string, alias: string, version: number): Promise<ModelAlias> {
    return this.db.transaction((): ModelAlias => {
      const exists = this.db.prepare('SELECT 1 FROM model_versions WHERE name = ? AND version = ?').get(name, version);
      if (!exists) throw new NotFoundError(`model version ${name}:${version} not found`);
      const updatedAt = new Date().toISOString();
      this.db
        .prepare(
          `INSERT INTO aliases (name, alias, version, updated_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
        )
        .run(name, alias, version, updatedAt);
      return { name, alias, version, updatedAt };
    }).immediate();
  }

  async getAlias(name: string, alias: string): Promise<ModelAlias | undefined> {
    const row = this.db.prepare('SELECT * FROM aliases WHERE name = ? AND alias = ?').get(name, alias) as AliasRow | undefined;
    return row && toAlias(row);
  }

  async listAliases(name?: string): Promise<ModelAlias[]> {
    const rows = (
      name === undefined
        ? this.db.prepare('SELECT * FROM aliases ORDER BY name, alias').all()
        : this.db.prepare('SELECT * FROM aliases WHERE name = ? ORDER BY alias').all(name)
    ) as AliasRow[];
    return rows.map(toAlias);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    const result = this.db.prepare('DELETE FROM aliases WHERE name = ? AND alias = ?').run(name, alias);
    if (result.changes === 0) throw new NotFoundError(`alias ${name}@${alias} not found`);
  }

  async putEndpoint(spec: EndpointSpec, change: ChangeContext): Promise<EndpointRecord> {
    return this.db.transaction((): EndpointRecord => {
      for (const id of versionsOf(spec)) {
        const exists = this.db.prepare('SELECT 1 FROM model_versions WHERE name = ? AND version = ?').get(id.name, id.version);
        if (!exists) throw new NotFoundError(`model version ${id.name}:${id.version} not found`);
      }
      const now = new Date().toISOString();
      const previous = this.db.prepare('SELECT * FROM endpoints WHERE name = ?').get(spec.name) as EndpointRow | undefined;
      const revision = (previous?.revision ?? 0) + 1;
      const createdAt = previous?.created_at ?? now;
      this.db
        .prepare(
          `INSERT INTO endpoints (name, spec, revision, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, revision = excluded.revision, updated_at = excluded.updated_at`,
        )
        .run(spec.name, JSON.stringify(spec), revision, createdAt, now);
      this.db.prepare('DELETE FROM endpoint_versions WHERE endpoint = ?').run(spec.name);
      const insertUse = this.db.prepare('INSERT OR IGNORE INTO endpoint_versions (endpoint, name, version) VALUES (?, ?, ?)');
      for (const id of versionsOf(spec)) insertUse.run(spec.name, id.name, id.version);
      this.recordEvent(spec.name, now, change, previous ? 'update' : 'create', revision, spec);
      return { spec, revision, createdAt, updatedAt: now };
    }).immediate();
  }

  async getEndpoint(name: string): Promise<EndpointRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM endpoints WHERE name = ?').get(name) as EndpointRow | undefined;
    return row && toEndpoint(row);
  }

  async listEndpoints(): Promise<EndpointRecord[]> {
    return (this.db.prepare('SELECT * FROM endpoints ORDER BY name').all() as EndpointRow[]).map(toEndpoint);
  }

  async deleteEndpoint(name: string, change: ChangeContext): Promise<void> {
    this.db.transaction(() => {
      const previous = this.db.prepare('SELECT revision FROM endpoints WHERE name = ?').get(name) as { revision: number } | undefined;
      if (!previous) throw new NotFoundError(`endpoint "${name}" not found`);
      this.db.prepare('DELETE FROM endpoints WHERE name = ?').run(name);
      this.recordEvent(name, new Date().toISOString(), change, 'delete', previous.revision, null);
    }).immediate();
  }

  async endpointEvents(name: string): Promise<EndpointEvent[]> {
    const rows = this.db.prepare('SELECT * FROM endpoint_events WHERE endpoint = ? ORDER BY id').all(name) as EventRow[];
    return rows.map(toEvent);
  }

  async endpointEvent(id: number): Promise<EndpointEvent | undefined> {
    const row = this.db.prepare('SELECT * FROM endpoint_events WHERE id = ?').get(id) as EventRow | undefined;
    return row && toEvent(row);
  }

  async recordEndpointEvent(endpoint: string, action: string, change: ChangeContext, spec?: EndpointSpec): Promise<void> {
    // The revision read and the event written together: another process's putEndpoint cannot fall in between.
    this.db.transaction(() => {
      const current = this.db.prepare('SELECT revision FROM endpoints WHERE name = ?').get(endpoint) as { revision: number } | undefined;
      this.recordEvent(endpoint, new Date().toISOString(), change, action, current?.revision ?? 0, spec ?? null);
    }).immediate();
  }

  async saveRollout(state: RolloutState): Promise<void> {
    const active = state.status === 'running' || state.status === 'paused' ? 1 : 0;
    this.db
      .prepare(
        `INSERT INTO rollouts (id, endpoint, active, started_at, updated_at, state) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET active = excluded.active, updated_at = excluded.updated_at, state = excluded.state`,
      )
      .run(state.id, state.endpoint, active, new Date(state.startedAt).toISOString(), new Date().toISOString(), JSON.stringify(state));
  }

  async latestRollout(endpoint: string): Promise<RolloutState | undefined> {
    const row = this.db.prepare('SELECT state FROM rollouts WHERE endpoint = ? ORDER BY started_at DESC, rowid DESC LIMIT 1').get(endpoint) as
      | { state: string }
      | undefined;
    return row && (JSON.parse(row.state) as RolloutState);
  }

  async activeRollouts(): Promise<RolloutState[]> {
    const rows = this.db.prepare('SELECT state FROM rollouts WHERE active = 1 ORDER BY started_at').all() as { state: string }[];
    return rows.map((r) => JSON.parse(r.state) as RolloutState);
  }

  async rollouts(endpoint: string, limit: number): Promise<RolloutState[]> {
    const rows = this.db.prepare('SELECT state FROM rollouts WHERE endpoint = ? ORDER BY started_at DESC, rowid DESC LIMIT ?').all(endpoint, limit) as { state: string }[];
    return rows.map((r) => JSON.parse(r.state) as RolloutState);
  }

  async rollout(id: string): Promise<RolloutState | undefined> {
    const row = this.db.prepare('SELECT state FROM rollouts WHERE id = ?').get(id) as { state: string } | undefined;
    return row && (JSON.parse(row.state) as RolloutState);
  }

  async referencedBlobs(): Promise<Set<string>> {
    const rows = this.db.prepare('SELECT DISTINCT sha256 FROM model_blobs').all() as { sha256: string }[];
    return new Set(rows.map((r) => r.sha256));
  }

  async close(): Promise<void> {
    await this.captureWriter.close();
    this.leases.close();
    this.db.close();
  }

  private recordEvent(
    endpoint: string, time: string, change: ChangeContext, action: string, revision: number, spec: EndpointSpec | null,
  ): void {
    this.db
      .prepare('INSERT INTO endpoint_events (endpoint, time, actor, action, revision, reason, spec, details) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(
        endpoint, time, change.actor, action, revision, change.reason ?? null,
        spec === null ? null : JSON.stringify(spec), change.details === undefined ? null : JSON.stringify(change.details),
      );
  }
}

function toVersion(row: VersionRow): ModelVersion {
  return {
    name: row.name,
    version: row.version,
    createdAt: row.created_at,
    description: row.description,
    task: row.task as ModelVersion['task'],
    format: row.format,
    sha256: row.sha256,
    size: row.size,
    signature: JSON.parse(row.signature) as ModelVersion['signature'],
    manifest: JSON.parse(row.manifest) as ModelVersion['manifest'],
    files: JSON.parse(row.files) as ModelVersion['files'],
  };
}

function toEvent(r: EventRow): EndpointEvent {
  return {
    id: r.id,
    endpoint: r.endpoint,
    time: r.time,
    actor: r.actor,
    action: r.action,
    revision: r.revision,
    reason: r.reason,
    spec: r.spec === null ? null : (JSON.parse(r.spec) as EndpointSpec),
    details: r.details === null ? null : (JSON.parse(r.details) as object),
  };
}

function toAlias(row: AliasRow): ModelAlias {
  return { name: row.name, alias: row.alias, version: row.version, updatedAt: row.updated_at };
}

function toEndpoint(row: EndpointRow): EndpointRecord {
  return { spec: JSON.parse(row.spec) as EndpointSpec, revision: row.revision, createdAt: row.created_at, updatedAt: row.updated_at };
}

function countersOf(rows: { kind: ChangeKind; counter: number }[]): ChangeCounters {
  const counters: ChangeCounters = { endpoints: 0, aliases: 0, settings: 0, tokens: 0 };
  for (const r of rows) counters[r.kind] = r.counter;
  return counters;
}
