// The closed loop's tables on Postgres: settings, feedback, baselines, monitor windows and events, webhook deliveries
// and retraining runs here; captures in postgres-captures.ts. Each method is one statement or one transaction.

import type pg from 'pg';
import type { BaselineProfile } from '../core/baseline.js';
import { recordsOf, type CaptureAppend } from '../core/capture-batch.js';
import type { CaptureRecord, CaptureStatus } from '../core/capture-config.js';
import { NotFoundError } from '../core/errors.js';
import type { FeatureHistogram } from '../core/histogram.js';
import type { DeliveryAttempt, MonitorEvent, MonitorWindow, WebhookDelivery } from '../core/monitor-event.js';
import type { RetrainRun } from '../core/retrain-policy.js';
import type {
  CaptureQuery, CaptureStats, DeliveriesOf, FeedbackItem, FeedbackLabel, LabelledCapture, LabelledQuery, LoopStore, MonitorCursor, NewDelivery, NewRetrainRun,
  PendingRows, RetentionLimits, SavedWindow, SettingKind,
} from './loop-store.js';
import { PostgresCaptures } from './postgres-captures.js';
import { inTransaction, NOW_MS } from './postgres-db.js';
import { getVersionReport, saveVersionReport } from './postgres-version-reports.js';

interface WindowRow {
  id: number;
  endpoint: string;
  start_time: number;
  end_time: number;
  first_capture: number;
  last_capture: number;
  baseline: string;
  drifted: boolean;
  evaluation: MonitorWindow['evaluation'];
  created_at: string;
}

interface EventRow {
  id: number;
  endpoint: string;
  window_id: number;
  time: string;
  kind: MonitorEvent['kind'];
  severity: MonitorEvent['severity'];
  features: string[];
  findings: MonitorEvent['findings'];
}

interface DeliveryRow {
  id: number;
  event_id: number | null;
  url: string;
  headers: Record<string, string>;
  payload: string;
  attempts: number;
  status: WebhookDelivery['status'];
  next_attempt_at: number;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  attempt_log: DeliveryAttempt[];
}

interface RunRow {
  id: number;
  endpoint: string;
  trigger: RetrainRun['trigger'];
  event_id: number | null;
  status: RetrainRun['status'];
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  log: string;
  dataset: string | null;
  dataset_rows: number | null;
  output_dir: string | null;
  produced_version: string | null;
  validation_passed: boolean | null;
  rollout_id: string | null;
  error: string | null;
  replica: string | null;
}

/** A window's columns but its histograms, which only windowDetail reads. */
const WINDOW_COLUMNS = 'id, endpoint, start_time, end_time, first_capture, last_capture, baseline, drifted, evaluation, created_at';

function toWindow(row: WindowRow): MonitorWindow {
  return {
    id: row.id, endpoint: row.endpoint, start: row.start_time, end: row.end_time, firstCapture: row.first_capture,
    lastCapture: row.last_capture, baseline: row.baseline, drifted: row.drifted, evaluation: row.evaluation, createdAt: row.created_at,
  };
}

function toEvent(row: EventRow): MonitorEvent {
  return {
    id: row.id, endpoint: row.endpoint, windowId: row.window_id, time: row.time, kind: row.kind, severity: row.severity,
    features: row.features, findings: row.findings,
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id, eventId: row.event_id, url: row.url, headers: row.headers, payload: row.payload, attempts: row.attempts,
    status: row.status, nextAttemptAt: row.next_attempt_at, lastError: row.last_error, createdAt: row.created_at, deliveredAt: row.delivered_at,
    attemptLog: row.attempt_log,
  };
}

function toRun(row: RunRow): RetrainRun {
  return {
    id: row.id, endpoint: row.endpoint, trigger: row.trigger, eventId: row.event_id, status: row.status, startedAt: row.started_at,
    finishedAt: row.finished_at, exitCode: row.exit_code, log: row.log, dataset: row.dataset, datasetRows: row.dataset_rows,
    outputDir: row.output_dir, producedVersion: row.produced_version, validationPassed: row.validation_passed, rolloutId: row.rollout_id,
    error: row.error, replica: row.replica,
  };
}

const RUN_COLUMNS: Record<string, string> = {
  status: 'status', finishedAt: 'finished_at', exitCode: 'exit_code', log: 'log', dataset: 'dataset', datasetRows: 'dataset_rows',
  outputDir: 'output_dir', producedVersion: 'produced_version', validationPassed: 'validation_passed', rolloutId: 'rollout_id', error: 'error',
};

/** Queues a delivery through the pool or inside a transaction's client (saveWindow queues its alerts with it). */
async function insertDelivery(db: pg.Pool | pg.PoolClient, d: NewDelivery): Promise<WebhookDelivery> {
  const created = new Date();
  const { rows } = await db.query<{ id: number }>(
    `INSERT INTO webhook_deliveries (event_id, url, headers, payload, attempts, status, next_attempt_at, created_at)
     VALUES ($1, $2, $3, $4, 0, 'pending', $5, $6) RETURNING id`,
    [d.eventId, d.url, JSON.stringify(d.headers), d.payload, d.nextAttemptAt, created],
  );
  return { ...d, id: rows[0]!.id, attempts: 0, status: 'pending', lastError: null, createdAt: created.toISOString(), deliveredAt: null, attemptLog: [] };
}

export class PostgresLoopStore implements LoopStore {
  private readonly captureTable: PostgresCaptures;

  constructor(private readonly pool: pg.Pool) {
    this.captureTable = new PostgresCaptures(pool);
  }

  /** Waits for appends in flight (Store.close). */
  drain(): Promise<void> {
    return this.captureTable.drain();
  }

  async getSetting<T>(endpoint: string, kind: SettingKind): Promise<T | undefined> {
    const { rows } = await this.pool.query<{ config: T }>('SELECT config FROM endpoint_settings WHERE endpoint = $1 AND kind = $2', [endpoint, kind]);
    return rows[0]?.config;
  }

  async putSetting(endpoint: string, kind: SettingKind, config: object): Promise<void> {
    await this.pool.query(
      `INSERT INTO endpoint_settings (endpoint, kind, config, updated_at) VALUES ($1, $2, $3, now())
       ON CONFLICT (endpoint, kind) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
      [endpoint, kind, JSON.stringify(config)],
    );
  }

  async listSettings<T>(kind: SettingKind): Promise<{ endpoint: string; config: T }[]> {
    const { rows } = await this.pool.query<{ endpoint: string; config: T }>(
      'SELECT endpoint, config FROM endpoint_settings WHERE kind = $1 ORDER BY endpoint', [kind],
    );
    return rows.map((r) => ({ endpoint: r.endpoint, config: r.config }));
  }

  async deleteSettings(endpoint: string): Promise<void> {
    await this.pool.query('DELETE FROM endpoint_settings WHERE endpoint = $1', [endpoint]);
  }

  appendCaptures(records: CaptureAppend): Promise<void> {
    return this.captureTable.append(recordsOf(records));
  }

  captures(query: CaptureQuery): Promise<CaptureRecord[]> {
    return this.captureTable.query(query);
  }

  captureStats(endpoint: string): Promise<CaptureStats> {
    return this.captureTable.stats(endpoint);
  }

  trimCaptures(endpoint: string, limits: RetentionLimits): Promise<number> {
    return this.captureTable.trim(endpoint, limits);
  }

  labelledCaptures(query: LabelledQuery): Promise<LabelledCapture[]> {
    return this.captureTable.labelled(query);
  }

  knownRequestIds(endpoint: string, requestIds: string[]): Promise<Set<string>> {
    return this.captureTable.knownRequestIds(endpoint, requestIds);
  }

  async putFeedback(endpoint: string, items: FeedbackItem[]): Promise<void> {
    // One statement is one transaction. A request id given twice keeps its last label (one upsert cannot touch a row twice).
    const last = new Map<string, FeedbackLabel>();
    for (const item of items) last.set(item.requestId, item.label);
    if (last.size === 0) return;
    await this.pool.query(
      `INSERT INTO feedback (endpoint, request_id, label, received_at)
       SELECT $1, r, l::json, $4 FROM unnest($2::text[], $3::text[]) AS t(r, l)
       ON CONFLICT (endpoint, request_id) DO UPDATE SET label = excluded.label, received_at = excluded.received_at`,
      [endpoint, [...last.keys()], [...last.values()].map((label) => JSON.stringify(label)), Date.now()],
    );
  }

  async feedbackFor(endpoint: string, requestIds: string[]): Promise<Map<string, FeedbackLabel>> {
    if (requestIds.length === 0) return new Map();
    const { rows } = await this.pool.query<{ request_id: string; label: FeedbackLabel }>(
      'SELECT request_id, label FROM feedback WHERE endpoint = $1 AND request_id = ANY($2::text[])', [endpoint, [...new Set(requestIds)]],
    );
    return new Map(rows.map((r) => [r.request_id, r.label]));
  }

  async saveBaseline(name: string, version: number, profile: BaselineProfile): Promise<void> {
    await saveVersionReport(this.pool, 'baselines', name, version, { created_at: profile.createdAt }, profile);
  }

  async getBaseline(name: string, version: number): Promise<BaselineProfile | undefined> {
    return getVersionReport<BaselineProfile>(this.pool, 'baselines', name, version);
  }

  async monitorCursor(endpoint: string): Promise<MonitorCursor> {
    const { rows } = await this.pool.query<{ after_id: number; windows: number }>(
      'SELECT after_id, windows FROM monitor_cursors WHERE endpoint = $1', [endpoint],
    );
    return { afterId: rows[0]?.after_id ?? 0, windows: rows[0]?.windows ?? 0 };
  }

  async saveWindow(
    window: Omit<MonitorWindow, 'id' | 'createdAt'>, events: Omit<MonitorEvent, 'id' | 'windowId' | 'time'>[], histograms?: FeatureHistogram[],
    deliveriesOf?: DeliveriesOf,
  ): Promise<SavedWindow | undefined> {
    return inTransaction(this.pool, async (c) => {
      // The cursor moves first, and only from where this window begins: a second saver of the same window (its insert
      // waits for the first's row, then finds the cursor moved) stores nothing.
      const moved = await c.query(
        `INSERT INTO monitor_cursors (endpoint, after_id, windows) VALUES ($1, $2, 1)
         ON CONFLICT (endpoint) DO UPDATE SET after_id = excluded.after_id, windows = monitor_cursors.windows + 1
         WHERE monitor_cursors.after_id = $3`,
        [window.endpoint, window.lastCapture, window.firstCapture - 1],
      );
      if (moved.rowCount !== 1) return undefined;
      const created = new Date();
      const createdAt = created.toISOString();
      const { rows } = await c.query<{ id: number }>(
        `INSERT INTO monitor_windows (endpoint, start_time, end_time, first_capture, last_capture, baseline, drifted, evaluation, created_at, histograms)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
        [
          window.endpoint, window.start, window.end, window.firstCapture, window.lastCapture, window.baseline, window.drifted,
          JSON.stringify(window.evaluation), created, histograms ? JSON.stringify(histograms) : null,
        ],
      );
      const id = rows[0]!.id;
      const stored: MonitorEvent[] = [];
      for (const e of events) {
        const inserted = await c.query<{ id: number }>(
          `INSERT INTO monitor_events (endpoint, window_id, time, kind, severity, features, findings) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
          [e.endpoint, id, created, e.kind, e.severity, JSON.stringify(e.features), JSON.stringify(e.findings)],
        );
        stored.push({ ...e, id: inserted.rows[0]!.id, windowId: id, time: createdAt });
      }
      const saved = { window: { ...window, id, createdAt }, events: stored };
      const deliveries: WebhookDelivery[] = [];
      for (const d of deliveriesOf?.(saved) ?? []) deliveries.push(await insertDelivery(c, d));
      return { ...saved, deliveries };
    });
  }

  async windows(endpoint: string, limit: number): Promise<MonitorWindow[]> {
    const { rows } = await this.pool.query<WindowRow>(`SELECT ${WINDOW_COLUMNS} FROM monitor_windows WHERE endpoint = $1 ORDER BY id DESC LIMIT $2`, [endpoint, limit]);
    return rows.map(toWindow);
  }

  async windowDetail(endpoint: string, id: number): Promise<{ window: MonitorWindow; histograms: FeatureHistogram[] } | undefined> {
    const { rows } = await this.pool.query<WindowRow & { histograms: FeatureHistogram[] | null }>(
      `SELECT ${WINDOW_COLUMNS}, histograms FROM monitor_windows WHERE endpoint = $1 AND id = $2`, [endpoint, id],
    );
    const row = rows[0];
    return row && { window: toWindow(row), histograms: row.histograms ?? [] };
  }

  async driftedRanges(endpoint: string): Promise<{ first: number; last: number }[]> {
    const { rows } = await this.pool.query<{ first: number; last: number }>(
      'SELECT first_capture AS first, last_capture AS last FROM monitor_windows WHERE endpoint = $1 AND drifted ORDER BY first_capture', [endpoint],
    );
    return rows.map((r) => ({ first: r.first, last: r.last }));
  }

  async events(endpoint: string | undefined, options: { limit: number; since?: number; kind?: string }): Promise<MonitorEvent[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (clause: string, value: unknown): void => {
      params.push(value);
      where.push(`${clause} $${params.length}`);
    };
    if (endpoint !== undefined) add('endpoint =', endpoint);
    if (options.since !== undefined) add('time >=', new Date(options.since));
    if (options.kind !== undefined) add('kind =', options.kind);
    params.push(options.limit);
    const { rows } = await this.pool.query<EventRow>(
      `SELECT * FROM monitor_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT $${params.length}`, params,
    );
    return rows.map(toEvent);
  }

  async resetMonitor(endpoint: string, afterId: number): Promise<void> {
    await this.pool.query(
      `INSERT INTO monitor_cursors (endpoint, after_id, windows) VALUES ($1, $2, 0)
       ON CONFLICT (endpoint) DO UPDATE SET after_id = excluded.after_id`,
      [endpoint, afterId],
    );
  }

  rowsAfter(endpoint: string, afterId: number, cap: number): Promise<PendingRows> {
    return this.captureTable.rowsAfter(endpoint, afterId, cap);
  }

  windowBounds(endpoint: string, afterId: number, until: number, statuses: CaptureStatus[]): Promise<{ records: number; lastId: number | null }> {
    return this.captureTable.windowBounds(endpoint, afterId, until, statuses);
  }

  lastCaptureId(endpoint: string): Promise<number> {
    return this.captureTable.lastId(endpoint);
  }

  enqueueDelivery(d: NewDelivery): Promise<WebhookDelivery> {
    return insertDelivery(this.pool, d);
  }

  async dueDeliveries(now: number, limit: number): Promise<WebhookDelivery[]> {
    const { rows } = await this.pool.query<DeliveryRow>(
      `SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 ORDER BY next_attempt_at, id LIMIT $2`, [now, limit],
    );
    return rows.map(toDelivery);
  }

  async claimDelivery(id: number, attempts: number, now: number, until: number): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `UPDATE webhook_deliveries SET next_attempt_at = $4 WHERE id = $1 AND status = 'pending' AND attempts = $2 AND next_attempt_at <= $3`,
      [id, attempts, now, until],
    );
    return rowCount === 1;
  }

  async updateDelivery(
    id: number, c: Pick<WebhookDelivery, 'attempts' | 'status' | 'nextAttemptAt' | 'lastError'> & { deliveredAt?: string; attempt?: DeliveryAttempt },
  ): Promise<void> {
    await this.pool.query(
      `UPDATE webhook_deliveries SET attempts = $1, status = $2, next_attempt_at = $3, last_error = $4, delivered_at = $5,
       attempt_log = CASE WHEN $7::jsonb IS NULL THEN attempt_log ELSE attempt_log || jsonb_build_array($7::jsonb) END WHERE id = $6`,
      [c.attempts, c.status, c.nextAttemptAt, c.lastError, c.deliveredAt ?? null, id, c.attempt ? JSON.stringify(c.attempt) : null],
    );
  }

  async deliveries(eventId: number | undefined, limit: number): Promise<WebhookDelivery[]> {
    const { rows } =
      eventId === undefined
        ? await this.pool.query<DeliveryRow>('SELECT * FROM webhook_deliveries ORDER BY id DESC LIMIT $1', [limit])
        : await this.pool.query<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE event_id = $1 ORDER BY id DESC LIMIT $2', [eventId, limit]);
    return rows.map(toDelivery);
  }

  async startRetrainRun(run: NewRetrainRun): Promise<RetrainRun | undefined> {
    // The partial unique index on running runs is the claim: a second running run of the endpoint inserts nothing.
    const { rows } = await this.pool.query<RunRow>(
      `INSERT INTO retrain_runs (endpoint, trigger, event_id, status, started_at, log, replica) VALUES ($1, $2, $3, 'running', $4, '', $5)
       ON CONFLICT (endpoint) WHERE status = 'running' DO NOTHING RETURNING *`,
      [run.endpoint, run.trigger, run.eventId, new Date(), run.replica],
    );
    return rows[0] && toRun(rows[0]);
  }

  async updateRetrainRun(id: number, change: Partial<Omit<RetrainRun, 'id' | 'endpoint' | 'trigger' | 'eventId' | 'startedAt' | 'replica'>>): Promise<RetrainRun> {
    const sets: string[] = [];
    const params: unknown[] = [];
    for (const [key, value] of Object.entries(change)) {
      const column = RUN_COLUMNS[key];
      if (!column || value === undefined) continue;
      params.push(value);
      sets.push(`${column} = $${params.length}`);
    }
    params.push(id);
    const { rows } =
      sets.length > 0
        ? await this.pool.query<RunRow>(`UPDATE retrain_runs SET ${sets.join(', ')} WHERE id = $${params.length} RETURNING *`, params)
        : await this.pool.query<RunRow>('SELECT * FROM retrain_runs WHERE id = $1', params);
    if (!rows[0]) throw new NotFoundError(`retraining run ${id} not found`);
    return toRun(rows[0]);
  }

  async retrainRuns(endpoint: string, limit: number): Promise<RetrainRun[]> {
    const { rows } = await this.pool.query<RunRow>('SELECT * FROM retrain_runs WHERE endpoint = $1 ORDER BY id DESC LIMIT $2', [endpoint, limit]);
    return rows.map(toRun);
  }

  async retrainRun(id: number): Promise<RetrainRun | undefined> {
    const { rows } = await this.pool.query<RunRow>('SELECT * FROM retrain_runs WHERE id = $1', [id]);
    return rows[0] && toRun(rows[0]);
  }

  async failOrphanedRuns(reason: string, goneAfterMs: number): Promise<number> {
    // Last seen on the database's clock, as heartbeats are written: replicas on other machines need not agree on the time.
    const { rowCount } = await this.pool.query(
      `UPDATE retrain_runs SET status = 'failed', finished_at = $1, error = $2
       WHERE status = 'running' AND (replica IS NULL OR replica NOT IN (SELECT id FROM replicas WHERE last_seen >= ${NOW_MS} - $3))`,
      [new Date().toISOString(), reason, goneAfterMs],
    );
    return rowCount ?? 0;
  }
}
