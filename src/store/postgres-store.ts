// The Store on Postgres: one pool shared by any number of Slipway processes on one database. Read-then-write methods
// run in one transaction that locks what it reads (rows, or an advisory lock per endpoint), as SQLite's BEGIN IMMEDIATE.

import type pg from 'pg';
import type { EndpointSpec } from '../core/endpoint-spec.js';
import { versionsOf } from '../core/endpoint-spec.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { ModelAlias, ModelVersion } from '../core/model-version.js';
import type { ProfileReport } from '../core/profile-report.js';
import type { RolloutState } from '../core/rollout-state.js';
import type { ValidationReport } from '../core/validation.js';
import type { PublishedWindow, WindowCounts } from '../core/window-counts.js';
import { createPool, inTransaction, LOCK_ENDPOINT, lockKey, migrate, NOW_MS, type Queryable } from './postgres-db.js';
import { PostgresAccessStore } from './postgres-access-store.js';
import { PostgresLoopStore } from './postgres-loop-store.js';
import { getVersionReport, lockVersion, saveVersionReport } from './postgres-version-reports.js';
import { CHANGE_KINDS, type ChangeContext, type ChangeCounters, type ChangeKind, type DutyLease, type EndpointEvent, type EndpointRecord, type NewModelVersion, type ReplicaRecord, type Store, WINDOW_KEEP_MS } from './store.js';

interface VersionRow {
  name: string;
  version: number;
  created_at: string;
  description: string;
  task: string;
  format: string;
  sha256: string;
  size: number;
  signature: ModelVersion['signature'];
  manifest: ModelVersion['manifest'];
  files: ModelVersion['files'];
}

interface AliasRow {
  name: string;
  alias: string;
  version: number;
  updated_at: string;
}

interface EndpointRow {
  name: string;
  spec: EndpointSpec;
  revision: number;
  created_at: string;
  updated_at: string;
}


export class PostgresStore implements Store {
  readonly loop: PostgresLoopStore;
  readonly access: PostgresAccessStore;

  /** The connection pool, shared with what else keeps its data in this database (the artifact store); closed by close(). */
  private constructor(readonly pool: pg.Pool) {
    this.loop = new PostgresLoopStore(pool);
    this.access = new PostgresAccessStore(pool);
  }

  /** Connects to `url` and brings its schema up to date; UnavailableError naming the database if that fails. */
  static async open(url: string): Promise<PostgresStore> {
    const pool = createPool(url);
    try {
      await migrate(pool, url);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresStore(pool);
  }

  async createModelVersion(draft: NewModelVersion): Promise<ModelVersion> {
    return inTransaction(this.pool, async (c) => {
      // The counter row's lock is held to the end of the transaction: concurrent creations of one model take turns.
      const { rows } = await c.query<{ last_version: number }>(
        `INSERT INTO model_counters (name, last_version) VALUES ($1, 1)
         ON CONFLICT (name) DO UPDATE SET last_version = model_counters.last_version + 1 RETURNING last_version`,
        [draft.name],
      );
      const version = rows[0]!.last_version;
      const createdAt = new Date();
      await c.query(
        `INSERT INTO model_versions (name, version, created_at, description, task, format, sha256, size, signature, manifest, files)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
        [
          draft.name, version, createdAt, draft.description, draft.task, draft.format, draft.sha256, draft.size,
          JSON.stringify(draft.signature), JSON.stringify(draft.manifest), JSON.stringify(draft.files),
        ],
      );
      const blobs = [...new Set([draft.sha256, ...draft.files.map((f) => f.sha256)])];
      await c.query('INSERT INTO model_blobs (name, version, sha256) SELECT $1, $2, unnest($3::text[])', [draft.name, version, blobs]);
      return { ...draft, version, createdAt: createdAt.toISOString() };
    });
  }

  async getModelVersion(name: string, version: number): Promise<ModelVersion | undefined> {
    const { rows } = await this.pool.query<VersionRow>('SELECT * FROM model_versions WHERE name = $1 AND version = $2', [name, version]);
    return rows[0] && toVersion(rows[0]);
  }

  async latestModelVersion(name: string): Promise<ModelVersion | undefined> {
    const { rows } = await this.pool.query<VersionRow>('SELECT * FROM model_versions WHERE name = $1 ORDER BY version DESC LIMIT 1', [name]);
    return rows[0] && toVersion(rows[0]);
  }

  async listModelVersions(name?: string): Promise<ModelVersion[]> {
    const { rows } =
      name === undefined
        ? await this.pool.query<VersionRow>('SELECT * FROM model_versions ORDER BY name, version')
        : await this.pool.query<VersionRow>('SELECT * FROM model_versions WHERE name = $1 ORDER BY version', [name]);
    return rows.map(toVersion);
  }

  async deleteModelVersion(name: string, version: number): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      // FOR UPDATE waits for every transaction that holds the row FOR KEY SHARE (a spec, alias or report about to
      // refer to it) and keeps new ones out, so the checks below see every reference that will exist.
      const { rowCount } = await c.query('SELECT 1 FROM model_versions WHERE name = $1 AND version = $2 FOR UPDATE', [name, version]);
      if (rowCount !== 1) throw new NotFoundError(`model version ${name}:${version} not found`);
      const endpoints = await c.query<{ endpoint: string }>(
        'SELECT DISTINCT endpoint FROM endpoint_versions WHERE name = $1 AND version = $2 ORDER BY endpoint', [name, version],
      );
      if (endpoints.rows.length > 0) {
        const list = endpoints.rows.map((e) => `"${e.endpoint}"`).join(', ');
        throw new ConflictError(
          `model version ${name}:${version} is served by endpoint ${list}; deploy another version there or remove the endpoint first`,
        );
      }
      const aliases = await c.query<{ alias: string }>('SELECT alias FROM aliases WHERE name = $1 AND version = $2 ORDER BY alias', [name, version]);
      if (aliases.rows.length > 0) {
        const list = aliases.rows.map((a) => `${name}@${a.alias}`).join(', ');
        throw new ConflictError(`model version ${name}:${version} is the target of alias ${list}; move or remove the alias first`);
      }
      await c.query('DELETE FROM model_versions WHERE name = $1 AND version = $2', [name, version]);
    });
  }

  async saveValidationReport(name: string, version: number, report: ValidationReport): Promise<void> {
    await saveVersionReport(this.pool, 'validation_reports', name, version, { passed: report.passed, finished_at: report.finishedAt }, report);
  }

  async getValidationReport(name: string, version: number): Promise<ValidationReport | undefined> {
    return getVersionReport<ValidationReport>(this.pool, 'validation_reports', name, version);
  }

  async saveProfileReport(name: string, version: number, report: ProfileReport): Promise<void> {
    await saveVersionReport(this.pool, 'profile_reports', name, version, { finished_at: report.finishedAt }, report);
  }

  async getProfileReport(name: string, version: number): Promise<ProfileReport | undefined> {
    return getVersionReport<ProfileReport>(this.pool, 'profile_reports', name, version);
  }

  async setAlias(name: string, alias: string, version: number): Promise<ModelAlias> {
    return inTransaction(this.pool, async (c) => {
      if (!(await lockVersion(c, name, version))) throw new NotFoundError(`model version ${name}:${version} not found`);
      const updatedAt = new Date();
      await c.query(
        `INSERT INTO aliases (name, alias, version, updated_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (name, alias) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at`,
        [name, alias, version, updatedAt],
      );
      return { name, alias, version, updatedAt: updatedAt.toISOString() };
    });
  }

  async getAlias(name: string, alias: string): Promise<ModelAlias | undefined> {
    const { rows } = await this.pool.query<AliasRow>('SELECT * FROM aliases WHERE name = $1 AND alias = $2', [name, alias]);
    return rows[0] && toAlias(rows[0]);
  }

  async listAliases(name?: string): Promise<ModelAlias[]> {
    const { rows } =
      name === undefined
        ? await this.pool.query<AliasRow>('SELECT * FROM aliases ORDER BY name, alias')
        : await this.pool.query<AliasRow>('SELECT * FROM aliases WHERE name = $1 ORDER BY alias', [name]);
    return rows.map(toAlias);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    const { rowCount } = await this.pool.query('DELETE FROM aliases WHERE name = $1 AND alias = $2', [name, alias]);
    if (rowCount === 0) throw new NotFoundError(`alias ${name}@${alias} not found`);
  }

  async putEndpoint(spec: EndpointSpec, change: ChangeContext): Promise<EndpointRecord> {
    return inTransaction(this.pool, async (c) => {
      // One endpoint's changes take turns (also its creation, when there is no row to lock yet).
      await lockKey(c, LOCK_ENDPOINT, spec.name);
      const versions = versionsOf(spec);
      for (const id of versions) {
        if (!(await lockVersion(c, id.name, id.version))) throw new NotFoundError(`model version ${id.name}:${id.version} not found`);
      }
      const now = new Date();
      const previous = await c.query<{ revision: number; created_at: string }>('SELECT revision, created_at FROM endpoints WHERE name = $1', [spec.name]);
      const before = previous.rows[0];
      const revision = (before?.revision ?? 0) + 1;
      const createdAt = before?.created_at ?? now.toISOString();
      await c.query(
        `INSERT INTO endpoints (name, spec, revision, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (name) DO UPDATE SET spec = excluded.spec, revision = excluded.revision, updated_at = excluded.updated_at`,
        [spec.name, JSON.stringify(spec), revision, createdAt, now],
      );
      await c.query('DELETE FROM endpoint_versions WHERE endpoint = $1', [spec.name]);
      await c.query(
        `INSERT INTO endpoint_versions (endpoint, name, version) SELECT $1, n, v FROM unnest($2::text[], $3::integer[]) AS t(n, v)
         ON CONFLICT DO NOTHING`,
        [spec.name, versions.map((v) => v.name), versions.map((v) => v.version)],
      );
      await recordEvent(c, spec.name, now, change, before ? 'update' : 'create', revision, spec);
      return { spec, revision, createdAt, updatedAt: now.toISOString() };
    });
  }

  async getEndpoint(name: string): Promise<EndpointRecord | undefined> {
    const { rows } = await this.pool.query<EndpointRow>('SELECT * FROM endpoints WHERE name = $1', [name]);
    return rows[0] && toEndpoint(rows[0]);
  }

  async listEndpoints(): Promise<EndpointRecord[]> {
    const { rows } = await this.pool.query<EndpointRow>('SELECT * FROM endpoints ORDER BY name');
    return rows.map(toEndpoint);
  }

  async deleteEndpoint(name: string, change: ChangeContext): Promise<void> {
    await inTransaction(this.pool, async (c) => {
      await lockKey(c, LOCK_ENDPOINT, name);
      const { rows } = await c.query<{ revision: number }>('DELETE FROM endpoints WHERE name = $1 RETURNING revision', [name]);
      if (!rows[0]) throw new NotFoundError(`endpoint "${name}" not found`);
      await recordEvent(c, name, new Date(), change, 'delete', rows[0].revision, null);
    });
  }

  async endpointEvents(name: string): Promise<EndpointEvent[]> {
    const { rows } = await this.pool.query<EndpointEvent>('SELECT * FROM endpoint_events WHERE endpoint = $1 ORDER BY id', [name]);
    return rows.map(toEvent);
  }

  async endpointEvent(id: number): Promise<EndpointEvent | undefined> {
    const { rows } = await this.pool.query<EndpointEvent>('SELECT * FROM endpoint_events WHERE id = $1', [id]);
    return rows[0] && toEvent(rows[0]);
  }

  async recordEndpointEvent(endpoint: string, action: string, change: ChangeContext, spec?: EndpointSpec): Promise<void> {
    // The revision read and the event written under the endpoint's lock: another process's putEndpoint cannot fall in between.
    await inTransaction(this.pool, async (c) => {
      await lockKey(c, LOCK_ENDPOINT, endpoint);
      const { rows } = await c.query<{ revision: number }>('SELECT revision FROM endpoints WHERE name = $1', [endpoint]);
      await recordEvent(c, endpoint, new Date(), change, action, rows[0]?.revision ?? 0, spec ?? null);
    });
  }

  async saveRollout(state: RolloutState): Promise<void> {
    const active = state.status === 'running' || state.status === 'paused';
    await this.pool.query(
      `INSERT INTO rollouts (id, endpoint, active, started_at, updated_at, state) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (id) DO UPDATE SET active = excluded.active, updated_at = excluded.updated_at, state = excluded.state`,
      [state.id, state.endpoint, active, new Date(state.startedAt), new Date(), JSON.stringify(state)],
    );
  }

  async latestRollout(endpoint: string): Promise<RolloutState | undefined> {
    const { rows } = await this.pool.query<{ state: RolloutState }>(
      'SELECT state FROM rollouts WHERE endpoint = $1 ORDER BY started_at DESC, seq DESC LIMIT 1', [endpoint],
    );
    return rows[0]?.state;
  }

  async activeRollouts(): Promise<RolloutState[]> {
    const { rows } = await this.pool.query<{ state: RolloutState }>('SELECT state FROM rollouts WHERE active ORDER BY started_at, seq');
    return rows.map((r) => r.state);
  }

  async rollouts(endpoint: string, limit: number): Promise<RolloutState[]> {
    const { rows } = await this.pool.query<{ state: RolloutState }>(
      'SELECT state FROM rollouts WHERE endpoint = $1 ORDER BY started_at DESC, seq DESC LIMIT $2', [endpoint, limit],
    );
    return rows.map((r) => r.state);
  }

  async rollout(id: string): Promise<RolloutState | undefined> {
    const { rows } = await this.pool.query<{ state: RolloutState }>('SELECT state FROM rollouts WHERE id = $1', [id]);
    return rows[0]?.state;
  }

  async referencedBlobs(): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ sha256: string }>('SELECT DISTINCT sha256 FROM model_blobs');
    return new Set(rows.map((r) => r.sha256));
  }

  async changeCounters(): Promise<ChangeCounters> {
    const { rows } = await this.pool.query<{ kind: ChangeKind; counter: number }>('SELECT kind, counter FROM change_counters');
    const counters: ChangeCounters = { endpoints: 0, aliases: 0, settings: 0, tokens: 0 };
    for (const r of rows) counters[r.kind] = r.counter;
    return counters;
  }

  async watchChanges(onChange: (kind: ChangeKind) => void): Promise<() => Promise<void>> {
    // One connection of the pool held for LISTEN. If it breaks, listening starts again a second later; what was
    // notified meanwhile is found by the callers' periodic poll of changeCounters.
    let client: pg.PoolClient | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const listen = async (): Promise<void> => {
      try {
        const c = await this.pool.connect();
        client = c;
        c.on('notification', (n) => {
          if ((CHANGE_KINDS as readonly string[]).includes(n.payload ?? '')) onChange(n.payload as ChangeKind);
        });
        c.on('error', (err) => {
          if (client === c) client = undefined;
          c.release(err);
          if (!stopped) retry = setTimeout(() => void listen(), 1000);
        });
        await c.query('LISTEN slipway_changes');
        if (stopped) c.release();
      } catch {
        if (!stopped) retry = setTimeout(() => void listen(), 1000);
      }
    };
    await listen();
    return async () => {
      stopped = true;
      if (retry) clearTimeout(retry);
      const c = client;
      client = undefined;
      if (c) {
        await c.query('UNLISTEN slipway_changes').catch(() => undefined);
        c.release();
      }
    };
  }

  async acquireLease(duty: string, holder: string, ttlMs: number): Promise<boolean> {
    // The database's clock decides expiry: replicas on different machines need not agree on the time.
    const result = await this.pool.query(
      `INSERT INTO duty_leases (duty, holder, expires_at) VALUES ($1, $2, ${NOW_MS} + $3)
       ON CONFLICT (duty) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
       WHERE duty_leases.holder = excluded.holder OR duty_leases.expires_at <= ${NOW_MS}`,
      [duty, holder, ttlMs],
    );
    return result.rowCount === 1;
  }

  async releaseLease(duty: string, holder: string): Promise<void> {
    await this.pool.query('DELETE FROM duty_leases WHERE duty = $1 AND holder = $2', [duty, holder]);
  }

  async listLeases(): Promise<DutyLease[]> {
    const { rows } = await this.pool.query<{ duty: string; holder: string; expires_at: number }>('SELECT duty, holder, expires_at FROM duty_leases ORDER BY duty');
    return rows.map((r) => ({ duty: r.duty, holder: r.holder, expiresAt: r.expires_at }));
  }

  async heartbeat(replica: Omit<ReplicaRecord, 'lastSeen' | 'revisions'> & { revisions?: Record<string, number> }): Promise<void> {
    await this.pool.query(
      `INSERT INTO replicas (id, pid, host, started_at, last_seen, revisions) VALUES ($1, $2, $3, $4, ${NOW_MS}, $5)
       ON CONFLICT (id) DO UPDATE SET last_seen = excluded.last_seen, revisions = excluded.revisions`,
      [replica.id, replica.pid, replica.host, replica.startedAt, JSON.stringify(replica.revisions ?? {})],
    );
  }

  async listReplicas(sinceMs: number): Promise<ReplicaRecord[]> {
    const { rows } = await this.pool.query<{ id: string; pid: number; host: string; started_at: string; last_seen: number; revisions: Record<string, number> }>(
      'SELECT id, pid, host, started_at, last_seen, revisions FROM replicas WHERE last_seen >= $1 ORDER BY id',
      [sinceMs],
    );
    return rows.map((r) => ({ id: r.id, pid: r.pid, host: r.host, startedAt: r.started_at, lastSeen: r.last_seen, revisions: r.revisions }));
  }

  async removeReplica(id: string): Promise<void> {
    await this.pool.query('DELETE FROM replicas WHERE id = $1', [id]);
  }

  async publishWindows(replica: string, windows: readonly Omit<PublishedWindow, 'replica' | 'updatedAt'>[]): Promise<void> {
    if (windows.length > 0) {
      // One statement for all of this replica's rows: a round trip a second per replica, whatever the variants.
      await this.pool.query(
        `INSERT INTO variant_windows (replica, endpoint, variant, key, counts, updated_at)
         SELECT $1, w.endpoint, w.variant, w.key, w.counts, ${NOW_MS}
         FROM jsonb_to_recordset($2::jsonb) AS w(endpoint text, variant text, key text, counts jsonb)
         ON CONFLICT (replica, endpoint, variant) DO UPDATE SET key = excluded.key, counts = excluded.counts, updated_at = excluded.updated_at`,
        [replica, JSON.stringify(windows)],
      );
    }
    await this.pool.query(`DELETE FROM variant_windows WHERE updated_at < ${NOW_MS} - $1`, [WINDOW_KEEP_MS]);
  }

  async publishedWindows(endpoint: string): Promise<PublishedWindow[]> {
    const { rows } = await this.pool.query<{ replica: string; endpoint: string; variant: string; key: string; counts: WindowCounts; updated_at: string }>(
      'SELECT replica, endpoint, variant, key, counts, updated_at FROM variant_windows WHERE endpoint = $1 ORDER BY replica, variant',
      [endpoint],
    );
    return rows.map((r) => ({ replica: r.replica, endpoint: r.endpoint, variant: r.variant, key: r.key, counts: r.counts, updatedAt: Number(r.updated_at) }));
  }

  async close(): Promise<void> {
    if (this.pool.ended) return;
    await this.loop.drain();
    await this.pool.end();
  }
}

async function recordEvent(
  c: Queryable, endpoint: string, time: Date, change: ChangeContext, action: string, revision: number, spec: EndpointSpec | null,
): Promise<void> {
  await c.query(
    'INSERT INTO endpoint_events (endpoint, time, actor, action, revision, reason, spec, details) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
    [
      endpoint, time, change.actor, action, revision, change.reason ?? null,
      spec === null ? null : JSON.stringify(spec), change.details === undefined ? null : JSON.stringify(change.details),
    ],
  );
}

function toVersion(row: VersionRow): ModelVersion {
  return {
    name: row.name, version: row.version, createdAt: row.created_at, description: row.description,
    task: row.task as ModelVersion['task'], format: row.format, sha256: row.sha256, size: row.size,
    signature: row.signature, manifest: row.manifest, files: row.files,
  };
}

/** A row as an event (Postgres returns its JSON columns parsed), keeping only the event's own fields. */
function toEvent(r: EndpointEvent): EndpointEvent {
  return {
    id: r.id, endpoint: r.endpoint, time: r.time, actor: r.actor, action: r.action, revision: r.revision,
    reason: r.reason, spec: r.spec, details: r.details,
  };
}

function toAlias(row: AliasRow): ModelAlias {
  return { name: row.name, alias: row.alias, version: row.version, updatedAt: row.updated_at };
}

function toEndpoint(row: EndpointRow): EndpointRecord {
  return { spec: row.spec, revision: row.revision, createdAt: row.created_at, updatedAt: row.updated_at };
}
