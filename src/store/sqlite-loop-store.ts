// The closed loop's tables in the embedded SQLite file. Captures are written by a worker thread with its own
// connection (capture-writer), so a flush never blocks the event loop; everything else runs on the main connection.

import type Database from 'better-sqlite3';
import type { BaselineProfile } from '../core/baseline.js';
import { batchOf, type CaptureAppend } from '../core/capture-batch.js';
import type { CaptureRecord, CaptureStatus } from '../core/capture-config.js';
import { NotFoundError } from '../core/errors.js';
import type { FeatureHistogram } from '../core/histogram.js';
import type { DeliveryAttempt, MonitorEvent, MonitorWindow, WebhookDelivery } from '../core/monitor-event.js';
import type { RetrainRun } from '../core/retrain-policy.js';
import type { CaptureWriterClient } from './capture-writer-client.js';
import type {
  CaptureQuery, CaptureStats, DeliveriesOf, FeedbackItem, FeedbackLabel, LabelledCapture, LabelledQuery, LoopStore, MonitorCursor, NewDelivery, NewRetrainRun,
  PendingRows, RetentionLimits, SavedWindow, SettingKind,
} from './loop-store.js';
import { getVersionReport, saveVersionReport } from './sqlite-version-reports.js';

interface CaptureRow {
  id: number;
  endpoint: string;
  request_id: string;
  time: number;
  variant: string;
  model: string;
  version: number;
  status: string;
  latency_ms: number;
  rows: number;
  inputs: Buffer | null;
  outputs: Buffer | null;
  truncated: number;
  error: string | null;
}

interface WindowRow {
  id: number;
  endpoint: string;
  start_time: number;
  end_time: number;
  first_capture: number;
  last_capture: number;
  baseline: string;
  drifted: number;
  evaluation: string;
  created_at: string;
}

interface EventRow {
  id: number;
  endpoint: string;
  window_id: number;
  time: string;
  kind: string;
  severity: string;
  features: string;
  findings: string;
}

interface DeliveryRow {
  id: number;
  event_id: number | null;
  url: string;
  headers: string;
  payload: string;
  attempts: number;
  status: string;
  next_attempt_at: number;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  attempt_log: string;
}

interface RunRow {
  id: number;
  endpoint: string;
  trigger: string;
  event_id: number | null;
  status: string;
  started_at: string;
  finished_at: string | null;
  exit_code: number | null;
  log: string;
  dataset: string | null;
  dataset_rows: number | null;
  output_dir: string | null;
  produced_version: string | null;
  validation_passed: number | null;
  rollout_id: string | null;
  error: string | null;
  replica: string | null;
}

/** A window's columns but its histograms, which only windowDetail reads. */
const WINDOW_COLUMNS = 'id, endpoint, start_time, end_time, first_capture, last_capture, baseline, drifted, evaluation, created_at';

/** SQLite allows 32766 bound parameters; id lists are sent in chunks well below it. */
const ID_CHUNK = 500;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function toCapture(row: CaptureRow): CaptureRecord {
  return {
    id: row.id, endpoint: row.endpoint, requestId: row.request_id, time: row.time, variant: row.variant, model: row.model,
    version: row.version, status: row.status as CaptureStatus, latencyMs: row.latency_ms, rows: row.rows,
    inputs: row.inputs, outputs: row.outputs, truncated: row.truncated === 1, error: row.error,
  };
}

function toWindow(row: WindowRow): MonitorWindow {
  return {
    id: row.id, endpoint: row.endpoint, start: row.start_time, end: row.end_time, firstCapture: row.first_capture,
    lastCapture: row.last_capture, baseline: row.baseline, drifted: row.drifted === 1,
    evaluation: JSON.parse(row.evaluation) as MonitorWindow['evaluation'], createdAt: row.created_at,
  };
}

function toEvent(row: EventRow): MonitorEvent {
  return {
    id: row.id, endpoint: row.endpoint, windowId: row.window_id, time: row.time, kind: row.kind as MonitorEvent['kind'],
    severity: row.severity as MonitorEvent['severity'], features: JSON.parse(row.features) as string[],
    findings: JSON.parse(row.findings) as MonitorEvent['findings'],
  };
}

function toDelivery(row: DeliveryRow): WebhookDelivery {
  return {
    id: row.id, eventId: row.event_id, url: row.url, headers: JSON.parse(row.headers) as Record<string, string>, payload: row.payload,
    attempts: row.attempts, status: row.status as WebhookDelivery['status'], nextAttemptAt: row.next_attempt_at,
    lastError: row.last_error, createdAt: row.created_at, deliveredAt: row.delivered_at,
    attemptLog: JSON.parse(row.attempt_log) as DeliveryAttempt[],
  };
}

function toRun(row: RunRow): RetrainRun {
  return {
    id: row.id, endpoint: row.endpoint, trigger: row.trigger as RetrainRun['trigger'], eventId: row.event_id,
    status: row.status as RetrainRun['status'], startedAt: row.started_at, finishedAt: row.finished_at, exitCode: row.exit_code,
    log: row.log, dataset: row.dataset, datasetRows: row.dataset_rows, outputDir: row.output_dir, producedVersion: row.produced_version,
    validationPassed: row.validation_passed === null ? null : row.validation_passed === 1, rolloutId: row.rollout_id, error: row.error,
    replica: row.replica,
  };
}

const RUN_COLUMNS: Record<string, string> = {
  status: 'status', finishedAt: 'finished_at', exitCode: 'exit_code', log: 'log', dataset: 'dataset', datasetRows: 'dataset_rows',
  outputDir: 'output_dir', producedVersion: 'produced_version', validationPassed: 'validation_passed', rolloutId: 'rollout_id', error: 'error',
};

export class SqliteLoopStore implements LoopStore {
  constructor(
    private readonly db: Database.Database,
    private readonly writer: CaptureWriterClient,
  ) {}

  async getSetting<T>(endpoint: string, kind: SettingKind): Promise<T | undefined> {
    const row = this.db.prepare('SELECT config FROM endpoint_settings WHERE endpoint = ? AND kind = ?').get(endpoint, kind) as { config: string } | undefined;
    return row && (JSON.parse(row.config) as T);
  }

  async putSetting(endpoint: string, kind: SettingKind, config: object): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO endpoint_settings (endpoint, kind, config, updated_at) VALUES (?, ?, ?, ?)
         ON CONFLICT (endpoint, kind) DO UPDATE SET config = excluded.config, updated_at = excluded.updated_at`,
      )
      .run(endpoint, kind, JSON.stringify(config), new Date().toISOString());
  }

  async listSettings<T>(kind: SettingKind): Promise<{ endpoint: string; config: T }[]> {
    const rows = this.db.prepare('SELECT endpoint, config FROM endpoint_settings WHERE kind = ? ORDER BY endpoint').all(kind) as { endpoint: string; config: string }[];
    return rows.map((r) => ({ endpoint: r.endpoint, config: JSON.parse(r.config) as T }));
  }

  async deleteSettings(endpoint: string): Promise<void> {
    this.db.prepare('DELETE FROM endpoint_settings WHERE endpoint = ?').run(endpoint);
  }

  appendCaptures(records: CaptureAppend): Promise<void> {
    return this.writer.append(batchOf(records));
  }

  async captures(query: CaptureQuery): Promise<CaptureRecord[]> {
    const where = ['endpoint = ?'];
    const params: (string | number)[] = [query.endpoint];
    if (query.afterId !== undefined) { where.push('id > ?'); params.push(query.afterId); }
    if (query.untilId !== undefined) { where.push('id <= ?'); params.push(query.untilId); }
    if (query.since !== undefined) { where.push('time >= ?'); params.push(query.since); }
    if (query.until !== undefined) { where.push('time < ?'); params.push(query.until); }
    if (query.variant !== undefined) { where.push('variant = ?'); params.push(query.variant); }
    if (query.sampleEvery !== undefined && query.sampleEvery > 1) { where.push('id % ? = 0'); params.push(query.sampleEvery); }
    if (query.statuses && query.statuses.length > 0) {
      where.push(`status IN (${query.statuses.map(() => '?').join(', ')})`);
      params.push(...query.statuses);
    }
    params.push(query.limit);
    const rows = this.db.prepare(`SELECT * FROM captures WHERE ${where.join(' AND ')} ORDER BY id LIMIT ?`).all(...params) as CaptureRow[];
    return rows.map(toCapture);
  }

  async captureStats(endpoint: string): Promise<CaptureStats> {
    // Counts from the totals the capture writer keeps; the oldest and newest time each one seek in the time index. None
    // of it reads the captures themselves: a status read costs the same at a thousand records and at a hundred million.
    const totals = this.db.prepare('SELECT records, rows, bytes FROM capture_totals WHERE endpoint = ?').get(endpoint) as
      | { records: number; rows: number; bytes: number }
      | undefined;
    const oldest = this.db.prepare('SELECT min(time) AS time FROM captures WHERE endpoint = ?').get(endpoint) as { time: number | null };
    const newest = this.db.prepare('SELECT max(time) AS time FROM captures WHERE endpoint = ?').get(endpoint) as { time: number | null };
    const feedback = this.db
      .prepare('SELECT count(*) AS n FROM feedback f WHERE f.endpoint = ? AND EXISTS (SELECT 1 FROM captures c WHERE c.endpoint = f.endpoint AND c.request_id = f.request_id)')
      .get(endpoint) as { n: number };
    return { records: totals?.records ?? 0, rows: totals?.rows ?? 0, bytes: totals?.bytes ?? 0, oldest: oldest.time, newest: newest.time, withFeedback: feedback.n };
  }

  trimCaptures(endpoint: string, limits: RetentionLimits): Promise<number> {
    return this.writer.trim(endpoint, limits);
  }

  async labelledCaptures(q: LabelledQuery): Promise<LabelledCapture[]> {
    const params: (string | number)[] = [q.endpoint, q.receivedSince, q.since, q.until];
    let extra = '';
    if (q.variant !== undefined) { extra += ' AND c.variant = ?'; params.push(q.variant); }
    if (q.after) {
      // The first pair starts the feedback index's range at the cursor; the triple steps past the captures read.
      extra += ' AND (f.received_at, f.request_id) >= (?, ?) AND (f.received_at, f.request_id, c.id) > (?, ?, ?)';
      params.push(q.after.receivedAt, q.after.requestId, q.after.receivedAt, q.after.requestId, q.after.id);
    }
    params.push(q.limit);
    const rows = this.db
      .prepare(
        // Feedback first (CROSS JOIN keeps that order), each capture found by its request id: left to itself SQLite
        // read every capture in the time range (its index, `+` keeps it out) and joined the feedback to them.
        `SELECT c.*, f.label AS feedback_label, f.received_at AS feedback_received
         FROM feedback f CROSS JOIN captures c
         WHERE f.endpoint = ? AND f.received_at >= ? AND c.endpoint = f.endpoint AND c.request_id = f.request_id
           AND +c.time >= ? AND +c.time < ? AND c.status = 'ok'${extra}
         ORDER BY f.received_at, f.request_id, c.id LIMIT ?`,
      )
      .all(...params) as (CaptureRow & { feedback_label: string; feedback_received: number })[];
    return rows.map((r) => ({
      record: toCapture(r), label: JSON.parse(r.feedback_label) as FeedbackLabel,
      cursor: { receivedAt: r.feedback_received, requestId: r.request_id, id: r.id },
    }));
  }

  async knownRequestIds(endpoint: string, requestIds: string[]): Promise<Set<string>> {
    const known = new Set<string>();
    for (const part of chunks([...new Set(requestIds)], ID_CHUNK)) {
      const rows = this.db
        .prepare(`SELECT DISTINCT request_id FROM captures WHERE endpoint = ? AND request_id IN (${part.map(() => '?').join(', ')})`)
        .all(endpoint, ...part) as { request_id: string }[];
      for (const r of rows) known.add(r.request_id);
    }
    return known;
  }

  async putFeedback(endpoint: string, items: FeedbackItem[]): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO feedback (endpoint, request_id, label, received_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (endpoint, request_id) DO UPDATE SET label = excluded.label, received_at = excluded.received_at`,
    );
    const now = Date.now();
    this.db.transaction(() => {
      for (const item of items) insert.run(endpoint, item.requestId, JSON.stringify(item.label), now);
    }).immediate();
  }

  async feedbackFor(endpoint: string, requestIds: string[]): Promise<Map<string, FeedbackLabel>> {
    const labels = new Map<string, FeedbackLabel>();
    for (const part of chunks([...new Set(requestIds)], ID_CHUNK)) {
      const rows = this.db
        .prepare(`SELECT request_id, label FROM feedback WHERE endpoint = ? AND request_id IN (${part.map(() => '?').join(', ')})`)
        .all(endpoint, ...part) as { request_id: string; label: string }[];
      for (const r of rows) labels.set(r.request_id, JSON.parse(r.label) as FeedbackLabel);
    }
    return labels;
  }

  async saveBaseline(name: string, version: number, profile: BaselineProfile): Promise<void> {
    saveVersionReport(this.db, 'baselines', name, version, { created_at: profile.createdAt }, profile);
  }

  async getBaseline(name: string, version: number): Promise<BaselineProfile | undefined> {
    return getVersionReport<BaselineProfile>(this.db, 'baselines', name, version);
  }

  async monitorCursor(endpoint: string): Promise<MonitorCursor> {
    const row = this.db.prepare('SELECT after_id, windows FROM monitor_cursors WHERE endpoint = ?').get(endpoint) as { after_id: number; windows: number } | undefined;
    return { afterId: row?.after_id ?? 0, windows: row?.windows ?? 0 };
  }

  async saveWindow(
    window: Omit<MonitorWindow, 'id' | 'createdAt'>, events: Omit<MonitorEvent, 'id' | 'windowId' | 'time'>[], histograms?: FeatureHistogram[],
    deliveriesOf?: DeliveriesOf,
  ): Promise<SavedWindow | undefined> {
    return this.db.transaction(() => {
      // Only from where this window begins: another process that saved it first has moved the cursor on.
      const moved = this.db
        .prepare(
          `INSERT INTO monitor_cursors (endpoint, after_id, windows) VALUES (?, ?, 1)
           ON CONFLICT (endpoint) DO UPDATE SET after_id = excluded.after_id, windows = windows + 1 WHERE after_id = ?`,
        )
        .run(window.endpoint, window.lastCapture, window.firstCapture - 1);
      if (moved.changes !== 1) return undefined;
      const createdAt = new Date().toISOString();
      const id = Number(
        this.db
          .prepare(
            `INSERT INTO monitor_windows (endpoint, start_time, end_time, first_capture, last_capture, baseline, drifted, evaluation, created_at, histograms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            window.endpoint, window.start, window.end, window.firstCapture, window.lastCapture, window.baseline, window.drifted ? 1 : 0,
            JSON.stringify(window.evaluation), createdAt, histograms ? JSON.stringify(histograms) : null,
          )
          .lastInsertRowid,
      );
      const insertEvent = this.db.prepare(
        'INSERT INTO monitor_events (endpoint, window_id, time, kind, severity, features, findings) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      const stored = events.map((e): MonitorEvent => {
        const eventId = Number(insertEvent.run(e.endpoint, id, createdAt, e.kind, e.severity, JSON.stringify(e.features), JSON.stringify(e.findings)).lastInsertRowid);
        return { ...e, id: eventId, windowId: id, time: createdAt };
      });
      const saved = { window: { ...window, id, createdAt }, events: stored };
      return { ...saved, deliveries: (deliveriesOf?.(saved) ?? []).map((d) => this.insertDelivery(d)) };
    }).immediate();
  }

  async windows(endpoint: string, limit: number): Promise<MonitorWindow[]> {
    const rows = this.db.prepare(`SELECT ${WINDOW_COLUMNS} FROM monitor_windows WHERE endpoint = ? ORDER BY id DESC LIMIT ?`).all(endpoint, limit) as WindowRow[];
    return rows.map(toWindow);
  }

  async windowDetail(endpoint: string, id: number): Promise<{ window: MonitorWindow; histograms: FeatureHistogram[] } | undefined> {
    const row = this.db.prepare(`SELECT ${WINDOW_COLUMNS}, histograms FROM monitor_windows WHERE endpoint = ? AND id = ?`).get(endpoint, id) as
      | (WindowRow & { histograms: string | null })
      | undefined;
    return row && { window: toWindow(row), histograms: row.histograms === null ? [] : (JSON.parse(row.histograms) as FeatureHistogram[]) };
  }

  async driftedRanges(endpoint: string): Promise<{ first: number; last: number }[]> {
    return this.db
      .prepare('SELECT first_capture AS first, last_capture AS last FROM monitor_windows WHERE endpoint = ? AND drifted = 1 ORDER BY first_capture')
      .all(endpoint) as { first: number; last: number }[];
  }

  async events(endpoint: string | undefined, options: { limit: number; since?: number; kind?: string }): Promise<MonitorEvent[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (endpoint !== undefined) { where.push('endpoint = ?'); params.push(endpoint); }
    if (options.since !== undefined) {
      // Newest first by id, from the first event of the range (found in the time index): SQLite otherwise walks every
      // event back from the newest to find the range's few (12 ms at 200k events, on the overview's 2 s poll).
      const since = new Date(options.since).toISOString();
      where.push('id >= (SELECT coalesce(min(id), 9223372036854775807) FROM monitor_events INDEXED BY monitor_events_time WHERE time >= ?)', 'time >= ?');
      params.push(since, since);
    }
    if (options.kind !== undefined) { where.push('kind = ?'); params.push(options.kind); }
    params.push(options.limit);
    const rows = this.db
      .prepare(`SELECT * FROM monitor_events ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`)
      .all(...params) as EventRow[];
    return rows.map(toEvent);
  }

  async resetMonitor(endpoint: string, afterId: number): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO monitor_cursors (endpoint, after_id, windows) VALUES (?, ?, 0)
         ON CONFLICT (endpoint) DO UPDATE SET after_id = excluded.after_id`,
      )
      .run(endpoint, afterId);
  }

  async rowsAfter(endpoint: string, afterId: number, cap: number): Promise<PendingRows> {
    const sum = this.db
      .prepare(`SELECT coalesce(sum(rows), 0) AS rows, count(*) AS records FROM (SELECT rows FROM captures WHERE endpoint = ? AND id > ? AND status = 'ok' ORDER BY id LIMIT ?)`)
      .get(endpoint, afterId, cap) as { rows: number; records: number };
    const first = this.db.prepare('SELECT time FROM captures WHERE endpoint = ? AND id > ? ORDER BY id LIMIT 1').get(endpoint, afterId) as { time: number } | undefined;
    return { rows: sum.rows, records: sum.records, firstTime: first?.time ?? null };
  }

  async windowBounds(endpoint: string, afterId: number, until: number, statuses: CaptureStatus[]): Promise<{ records: number; lastId: number | null }> {
    const row = this.db
      .prepare(`SELECT count(*) AS records, max(id) AS lastId FROM captures WHERE endpoint = ? AND id > ? AND time < ? AND status IN (${statuses.map(() => '?').join(', ')})`)
      .get(endpoint, afterId, until, ...statuses) as { records: number; lastId: number | null };
    return row;
  }

  async lastCaptureId(endpoint: string): Promise<number> {
    const row = this.db.prepare('SELECT max(id) AS id FROM captures WHERE endpoint = ?').get(endpoint) as { id: number | null };
    return row.id ?? 0;
  }

  async enqueueDelivery(d: NewDelivery): Promise<WebhookDelivery> {
    return this.insertDelivery(d);
  }

  private insertDelivery(d: NewDelivery): WebhookDelivery {
    const createdAt = new Date().toISOString();
    const id = Number(
      this.db
        .prepare(
          `INSERT INTO webhook_deliveries (event_id, url, headers, payload, attempts, status, next_attempt_at, created_at)
           VALUES (?, ?, ?, ?, 0, 'pending', ?, ?)`,
        )
        .run(d.eventId, d.url, JSON.stringify(d.headers), d.payload, d.nextAttemptAt, createdAt).lastInsertRowid,
    );
    return { ...d, id, attempts: 0, status: 'pending', lastError: null, createdAt, deliveredAt: null, attemptLog: [] };
  }

  async dueDeliveries(now: number, limit: number): Promise<WebhookDelivery[]> {
    const rows = this.db
      .prepare(`SELECT * FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?`)
      .all(now, limit) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  async claimDelivery(id: number, attempts: number, now: number, until: number): Promise<boolean> {
    const { changes } = this.db
      .prepare(`UPDATE webhook_deliveries SET next_attempt_at = ? WHERE id = ? AND status = 'pending' AND attempts = ? AND next_attempt_at <= ?`)
      .run(until, id, attempts, now);
    return changes === 1;
  }

  async updateDelivery(
    id: number, c: Pick<WebhookDelivery, 'attempts' | 'status' | 'nextAttemptAt' | 'lastError'> & { deliveredAt?: string; attempt?: DeliveryAttempt },
  ): Promise<void> {
    this.db
      .prepare(
        `UPDATE webhook_deliveries SET attempts = ?, status = ?, next_attempt_at = ?, last_error = ?, delivered_at = ?,
         attempt_log = CASE WHEN ? IS NULL THEN attempt_log ELSE json_insert(attempt_log, '$[#]', json(?)) END WHERE id = ?`,
      )
      .run(c.attempts, c.status, c.nextAttemptAt, c.lastError, c.deliveredAt ?? null, c.attempt ? 1 : null, c.attempt ? JSON.stringify(c.attempt) : null, id);
  }

  async deliveries(eventId: number | undefined, limit: number): Promise<WebhookDelivery[]> {
    const rows = (
      eventId === undefined
        ? this.db.prepare('SELECT * FROM webhook_deliveries ORDER BY id DESC LIMIT ?').all(limit)
        : this.db.prepare('SELECT * FROM webhook_deliveries WHERE event_id = ? ORDER BY id DESC LIMIT ?').all(eventId, limit)
    ) as DeliveryRow[];
    return rows.map(toDelivery);
  }

  async startRetrainRun(run: NewRetrainRun): Promise<RetrainRun | undefined> {
    // The partial unique index on running runs is the claim: a second running run of the endpoint inserts nothing.
    const { changes, lastInsertRowid } = this.db
      .prepare(
        `INSERT INTO retrain_runs (endpoint, trigger, event_id, status, started_at, log, replica) VALUES (?, ?, ?, 'running', ?, '', ?)
         ON CONFLICT (endpoint) WHERE status = 'running' DO NOTHING`,
      )
      .run(run.endpoint, run.trigger, run.eventId, new Date().toISOString(), run.replica);
    return changes === 1 ? this.retrainRun(Number(lastInsertRowid)) : undefined;
  }

  async updateRetrainRun(id: number, change: Partial<Omit<RetrainRun, 'id' | 'endpoint' | 'trigger' | 'eventId' | 'startedAt' | 'replica'>>): Promise<RetrainRun> {
    const sets: string[] = [];
    const params: (string | number | null)[] = [];
    for (const [key, value] of Object.entries(change)) {
      const column = RUN_COLUMNS[key];
      if (!column || value === undefined) continue;
      sets.push(`${column} = ?`);
      params.push(typeof value === 'boolean' ? (value ? 1 : 0) : (value as string | number | null));
    }
    if (sets.length > 0) this.db.prepare(`UPDATE retrain_runs SET ${sets.join(', ')} WHERE id = ?`).run(...params, id);
    const run = await this.retrainRun(id);
    if (!run) throw new NotFoundError(`retraining run ${id} not found`);
    return run;
  }

  async retrainRuns(endpoint: string, limit: number): Promise<RetrainRun[]> {
    const rows = this.db.prepare('SELECT * FROM retrain_runs WHERE endpoint = ? ORDER BY id DESC LIMIT ?').all(endpoint, limit) as RunRow[];
    return rows.map(toRun);
  }

  async retrainRun(id: number): Promise<RetrainRun | undefined> {
    const row = this.db.prepare('SELECT * FROM retrain_runs WHERE id = ?').get(id) as RunRow | undefined;
    return row && toRun(row);
  }

  async failOrphanedRuns(reason: string, goneAfterMs: number): Promise<number> {
    return this.db
      .prepare(
        `UPDATE retrain_runs SET status = 'failed', finished_at = ?, error = ?
         WHERE status = 'running' AND (replica IS NULL OR replica NOT IN (SELECT id FROM replicas WHERE last_seen >= ?))`,
      )
      .run(new Date().toISOString(), reason, Date.now() - goneAfterMs).changes;
  }
}
