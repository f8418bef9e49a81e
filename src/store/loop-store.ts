// The closed loop's durable state behind one interface: captures, feedback, baselines, monitor windows and events,
// webhook deliveries, retraining runs, and the per-endpoint settings of all of them.

import type { BaselineProfile } from '../core/baseline.js';
import type { CaptureRecord, CaptureStatus } from '../core/capture-config.js';
import type { MonitorEvent, MonitorWindow, WebhookDelivery } from '../core/monitor-event.js';
import type { RetrainRun } from '../core/retrain-policy.js';

export type SettingKind = 'capture' | 'monitor' | 'retrain';

export interface CaptureQuery {
  endpoint: string;
  /** Keyset paging: records with id > afterId, in id order. */
  afterId?: number;
  /** Records with id <= untilId. */
  untilId?: number;
  since?: number;
  until?: number;
  variant?: string;
  statuses?: CaptureStatus[];
  /** Only records whose id is a multiple of this: an even sample of a range too large to read whole. */
  sampleEvery?: number;
  limit: number;
}

/** Ground truth for a request: a class (label text or index) or a value. Arrays for requests of several rows. */
export type FeedbackLabel = string | number | (string | number)[];

export interface FeedbackItem {
  requestId: string;
  label: FeedbackLabel;
}

export interface RetentionLimits {
  before: number | null;
  keepRows: number | null;
  keepBytes: number | null;
}

export interface CaptureStats {
  records: number;
  rows: number;
  bytes: number;
  oldest: number | null;
  newest: number | null;
  withFeedback: number;
}

export interface MonitorCursor {
  /** The last capture id that belongs to an evaluated window. */
  afterId: number;
  windows: number;
}

export type NewRetrainRun = Pick<RetrainRun, 'endpoint' | 'trigger' | 'eventId'>;

export interface LoopStore {
  getSetting<T>(endpoint: string, kind: SettingKind): Promise<T | undefined>;
  putSetting(endpoint: string, kind: SettingKind, config: object): Promise<void>;
  listSettings<T>(kind: SettingKind): Promise<{ endpoint: string; config: T }[]>;
  deleteSettings(endpoint: string): Promise<void>;

  /** Appends records in one transaction; ids are assigned in order. */
  appendCaptures(records: CaptureRecord[]): Promise<void>;
  captures(query: CaptureQuery): Promise<CaptureRecord[]>;
  captureStats(endpoint: string): Promise<CaptureStats>;
  /**
   * Removes an endpoint's records older than `before` and the oldest past `keepRows` records or `keepBytes` of tensors;
   * returns how many went. Runs off the event loop (in SQLite, on the capture writer's thread), in small transactions.
   */
  trimCaptures(endpoint: string, limits: RetentionLimits): Promise<number>;
  /** Which of these request ids have a capture for the endpoint. */
  knownRequestIds(endpoint: string, requestIds: string[]): Promise<Set<string>>;

  putFeedback(endpoint: string, items: FeedbackItem[]): Promise<void>;
  feedbackFor(endpoint: string, requestIds: string[]): Promise<Map<string, FeedbackLabel>>;

  saveBaseline(name: string, version: number, profile: BaselineProfile): Promise<void>;
  getBaseline(name: string, version: number): Promise<BaselineProfile | undefined>;

  monitorCursor(endpoint: string): Promise<MonitorCursor>;
  /** Stores a window, its events and the new cursor in one transaction (a restart never evaluates a window twice). */
  saveWindow(window: Omit<MonitorWindow, 'id' | 'createdAt'>, events: Omit<MonitorEvent, 'id' | 'windowId' | 'time'>[]): Promise<{ window: MonitorWindow; events: MonitorEvent[] }>;
  windows(endpoint: string, limit: number): Promise<MonitorWindow[]>;
  /** Capture id ranges of windows with a drift finding, oldest first. */
  driftedRanges(endpoint: string): Promise<{ first: number; last: number }[]>;
  events(endpoint: string | undefined, options: { limit: number; since?: number; kind?: string }): Promise<MonitorEvent[]>;
  /** Starts the monitor's windows after capture `afterId` (evaluated windows are kept). */
  resetMonitor(endpoint: string, afterId: number): Promise<void>;
  /**
   * Rows of successful captures after `afterId`, counting at most `cap` records (the scan stays bounded however far a
   * stalled monitor fell behind), and the time of the first capture after it (null when none).
   */
  rowsAfter(endpoint: string, afterId: number, cap: number): Promise<{ rows: number; firstTime: number | null }>;
  /** How many captures (of these statuses) lie after `afterId` and before `until`, and the last one's id. */
  windowBounds(endpoint: string, afterId: number, until: number, statuses: CaptureStatus[]): Promise<{ records: number; lastId: number | null }>;
  /** The newest capture id of the endpoint (0 when none). */
  lastCaptureId(endpoint: string): Promise<number>;

  enqueueDelivery(delivery: Omit<WebhookDelivery, 'id' | 'attempts' | 'status' | 'lastError' | 'createdAt' | 'deliveredAt'>): Promise<WebhookDelivery>;
  dueDeliveries(now: number, limit: number): Promise<WebhookDelivery[]>;
  updateDelivery(id: number, change: Pick<WebhookDelivery, 'attempts' | 'status' | 'nextAttemptAt' | 'lastError'> & { deliveredAt?: string }): Promise<void>;
  deliveries(eventId: number | undefined, limit: number): Promise<WebhookDelivery[]>;

  startRetrainRun(run: NewRetrainRun): Promise<RetrainRun>;
  updateRetrainRun(id: number, change: Partial<Omit<RetrainRun, 'id' | 'endpoint' | 'trigger' | 'eventId' | 'startedAt'>>): Promise<RetrainRun>;
  retrainRuns(endpoint: string, limit: number): Promise<RetrainRun[]>;
  retrainRun(id: number): Promise<RetrainRun | undefined>;
  /** Runs left 'running' by a crash: marked failed at start-up. */
  failInterruptedRuns(reason: string): Promise<number>;
}
