// The closed loop's durable state behind one interface: captures, feedback, baselines, monitor windows and events,
// webhook deliveries, retraining runs, and the per-endpoint settings of all of them. The promises callers rely on are
// written on each method; the rules common to all are those of Store (store.ts), and test/store-contract.ts checks both.

import type { BaselineProfile } from '../core/baseline.js';
import type { CaptureAppend } from '../core/capture-batch.js';
import type { CaptureRecord, CaptureStatus } from '../core/capture-config.js';
import type { FeatureHistogram } from '../core/histogram.js';
import type { DeliveryAttempt, MonitorEvent, MonitorWindow, WebhookDelivery } from '../core/monitor-event.js';
import type { RetrainRun } from '../core/retrain-policy.js';

export type SettingKind = 'capture' | 'monitor' | 'retrain';

/** Which captures to read; every field narrows the set (all of them hold), and records come in id order. */
export interface CaptureQuery {
  endpoint: string;
  /** Keyset paging: records with id > afterId. Safe under concurrent appends because ids only grow (appendCaptures). */
  afterId?: number;
  /** Records with id <= untilId. */
  untilId?: number;
  /** Records with time >= since (ms). */
  since?: number;
  /** Records with time < until (ms). */
  until?: number;
  variant?: string;
  /** Records of these statuses; every status when absent or empty. */
  statuses?: CaptureStatus[];
  /**
   * Only records whose id is a multiple of this (id % sampleEvery === 0), applied before `limit`: an even sample of a
   * range too large to read whole, the same sample on every read. 1, 0 or absent: every record.
   */
  sampleEvery?: number;
  /** At most this many records (the first ones in id order). */
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
  /** Served rows, summed over records. */
  rows: number;
  /** Byte lengths of stored inputs and outputs, summed. */
  bytes: number;
  /** Capture times (ms) of the oldest and newest record; null when none. */
  oldest: number | null;
  newest: number | null;
  /** Feedback entries whose request id has a stored capture (feedback outliving its capture is not counted). */
  withFeedback: number;
}

/**
 * Successful captures that have feedback, read from the feedback side: the work follows the feedback given (received
 * since `receivedSince`), not the traffic served. Pages in feedback order; `after` is the previous page's last cursor.
 */
export interface LabelledQuery {
  endpoint: string;
  /** Feedback received at or after this time (ms). */
  receivedSince: number;
  /** Captures with since <= time < until (ms). */
  since: number;
  until: number;
  variant?: string;
  after?: LabelledCursor;
  limit: number;
}

/** Where a page of labelled captures ended: its feedback's receipt time and request id, and the capture's id. */
export interface LabelledCursor {
  receivedAt: number;
  requestId: string;
  id: number;
}

export interface LabelledCapture {
  record: CaptureRecord;
  label: FeedbackLabel;
  cursor: LabelledCursor;
}

/** What rowsAfter counted. */
export interface PendingRows {
  rows: number;
  /** Records those rows came from (`cap` when the scan stopped at its cap). */
  records: number;
  firstTime: number | null;
}

export interface MonitorCursor {
  /** The last capture id that belongs to an evaluated window. */
  afterId: number;
  windows: number;
}

export type NewRetrainRun = Pick<RetrainRun, 'endpoint' | 'trigger' | 'eventId'> & { replica: string };

/** A webhook delivery as it is queued: pending, with no attempts yet. */
export type NewDelivery = Omit<WebhookDelivery, 'id' | 'attempts' | 'status' | 'lastError' | 'createdAt' | 'deliveredAt' | 'attemptLog'>;

/** The deliveries a stored window's events call for (saveWindow queues them with the window). */
export type DeliveriesOf = (saved: { window: MonitorWindow; events: MonitorEvent[] }) => NewDelivery[];

/** A window as saveWindow stored it, with its events and the deliveries queued with them. */
export interface SavedWindow {
  window: MonitorWindow;
  events: MonitorEvent[];
  deliveries: WebhookDelivery[];
}

export interface LoopStore {
  /** The settings as last put (a whole object; merging with earlier ones is the caller's), or undefined. */
  getSetting<T>(endpoint: string, kind: SettingKind): Promise<T | undefined>;
  /** Replaces the endpoint's settings of this kind. */
  putSetting(endpoint: string, kind: SettingKind, config: object): Promise<void>;
  /** Every endpoint's settings of this kind, ordered by endpoint. */
  listSettings<T>(kind: SettingKind): Promise<{ endpoint: string; config: T }[]>;
  /** Removes the endpoint's settings of every kind (nothing to remove is fine). */
  deleteSettings(endpoint: string): Promise<void>;

  /**
   * Appends records in one transaction, durable when the promise resolves. Ids are assigned in the records' order,
   * each greater than every id given before (of any endpoint, trimmed ones included), and a record becomes visible
   * only with every record of smaller id: a reader paging by id (scanCaptures) never misses one or sees one twice.
   * A CaptureBatch's memory is reused once the promise settles: a store keeps no view into it.
   */
  appendCaptures(records: CaptureAppend): Promise<void>;
  /** The records matching the query, in id order, with their ids. */
  captures(query: CaptureQuery): Promise<CaptureRecord[]>;
  captureStats(endpoint: string): Promise<CaptureStats>;
  /**
   * Removes an endpoint's records with time < `before`, and the oldest records past the newest `keepRows` or past the
   * newest `keepBytes` of tensors (a null limit is not applied); returns how many records went. With `before`, the
   * endpoint's feedback received before that time goes too (feedback of captures removed by count or size stays,
   * joined to nothing). Runs off the event loop (in SQLite, on the capture writer's thread; in Postgres, in the
   * database server), in small transactions.
   */
  trimCaptures(endpoint: string, limits: RetentionLimits): Promise<number>;
  /** LabelledQuery: successful captures with their feedback, a page at a time, from the feedback received since a time. */
  labelledCaptures(query: LabelledQuery): Promise<LabelledCapture[]>;
  /** Which of these request ids have a capture for the endpoint. */
  knownRequestIds(endpoint: string, requestIds: string[]): Promise<Set<string>>;

  /** Stores labels in one transaction; a later label for the same request id replaces the earlier one. */
  putFeedback(endpoint: string, items: FeedbackItem[]): Promise<void>;
  /** The labels of those of these request ids that have one, as they were put. */
  feedbackFor(endpoint: string, requestIds: string[]): Promise<Map<string, FeedbackLabel>>;

  /** A version's baseline: replaced by the next save, NotFoundError for a version that does not exist, gone with it. */
  saveBaseline(name: string, version: number, profile: BaselineProfile): Promise<void>;
  getBaseline(name: string, version: number): Promise<BaselineProfile | undefined>;

  /** Where the endpoint's monitor stands; `{ afterId: 0, windows: 0 }` before its first window. */
  monitorCursor(endpoint: string): Promise<MonitorCursor>;
  /**
   * Stores a window, its events (stamped with the window's id and time), its per-feature histograms (kept apart from
   * the window: only windowDetail reads them) and the new cursor (`afterId` = the window's last capture, one more
   * window) in one transaction: a restart never evaluates a window twice. Only while the cursor still stands where the
   * window begins (afterId = firstCapture - 1, or no cursor yet): otherwise another replica saved this window first (two
   * holders of the monitor duty during a lease handover), nothing is stored and the answer is undefined. The webhook
   * deliveries `deliveriesOf` asks for, given the stored window and events, are queued in the same transaction: a
   * process killed after the save cannot leave an alert that is never sent.
   */
  saveWindow(
    window: Omit<MonitorWindow, 'id' | 'createdAt'>, events: Omit<MonitorEvent, 'id' | 'windowId' | 'time'>[], histograms?: FeatureHistogram[],
    deliveriesOf?: DeliveriesOf,
  ): Promise<SavedWindow | undefined>;
  /** The endpoint's newest windows first, at most `limit`. */
  windows(endpoint: string, limit: number): Promise<MonitorWindow[]>;
  /**
   * One window of the endpoint with the histograms saved with it (empty when none were); undefined when the endpoint
   * has no window of that id.
   */
  windowDetail(endpoint: string, id: number): Promise<{ window: MonitorWindow; histograms: FeatureHistogram[] } | undefined>;
  /** Capture id ranges of windows with a drift finding, oldest first. */
  driftedRanges(endpoint: string): Promise<{ first: number; last: number }[]>;
  /** Events, newest first, at most `limit`: of one endpoint or all, with time >= `since` (ms), of one kind. */
  events(endpoint: string | undefined, options: { limit: number; since?: number; kind?: string }): Promise<MonitorEvent[]>;
  /** Starts the monitor's windows after capture `afterId` (evaluated windows and their count are kept). */
  resetMonitor(endpoint: string, afterId: number): Promise<void>;
  /**
   * Rows of successful captures after `afterId`, and how many records they came from, counting at most `cap` records
   * (the scan stays bounded however far a stalled monitor fell behind), and the time of the first capture after it
   * (null when none).
   */
  rowsAfter(endpoint: string, afterId: number, cap: number): Promise<PendingRows>;
  /** How many captures (of these statuses) lie after `afterId` with time < `until`, and the last one's id (null when none). */
  windowBounds(endpoint: string, afterId: number, until: number, statuses: CaptureStatus[]): Promise<{ records: number; lastId: number | null }>;
  /** The newest capture id of the endpoint (0 when none). */
  lastCaptureId(endpoint: string): Promise<number>;

  /** Stores a delivery as pending, with no attempts yet (an empty attempt log). */
  enqueueDelivery(delivery: NewDelivery): Promise<WebhookDelivery>;
  /** Pending deliveries with nextAttemptAt <= now, soonest first, at most `limit`. */
  dueDeliveries(now: number, limit: number): Promise<WebhookDelivery[]>;
  /**
   * Takes a due delivery for one attempt: moves its nextAttemptAt to `until` only if it is still pending, has made
   * exactly `attempts` attempts and is due at `now`; true when this caller got it. Replicas that see the same due
   * delivery (the one that raised the alert and the webhook duty's holder, or two holders during a lease handover) thus
   * POST it once; a claimer that dies mid-attempt leaves it due again at `until`.
   */
  claimDelivery(id: number, attempts: number, now: number, until: number): Promise<boolean>;
  /**
   * Sets these fields (deliveredAt null unless given) and appends `attempt`, if given, to the attempt log, in one
   * statement; an unknown id changes nothing.
   */
  updateDelivery(
    id: number, change: Pick<WebhookDelivery, 'attempts' | 'status' | 'nextAttemptAt' | 'lastError'> & { deliveredAt?: string; attempt?: DeliveryAttempt },
  ): Promise<void>;
  /** Deliveries, newest first, at most `limit`: all, or one event's. */
  deliveries(eventId: number | undefined, limit: number): Promise<WebhookDelivery[]>;

  /**
   * Claims the endpoint's one run in progress: stores the run as running, started now, with an empty log and the
   * replica running it — unless a run of the endpoint is running already (started by any replica), when nothing is
   * stored and the answer is undefined. Atomic: of concurrent callers for one endpoint, one gets it.
   */
  startRetrainRun(run: NewRetrainRun): Promise<RetrainRun | undefined>;
  /** Sets the fields given (undefined ones are left as they are) and returns the run; NotFoundError if there is none. */
  updateRetrainRun(id: number, change: Partial<Omit<RetrainRun, 'id' | 'endpoint' | 'trigger' | 'eventId' | 'startedAt' | 'replica'>>): Promise<RetrainRun>;
  /** The endpoint's newest runs first, at most `limit`. */
  retrainRuns(endpoint: string, limit: number): Promise<RetrainRun[]>;
  retrainRun(id: number): Promise<RetrainRun | undefined>;
  /**
   * Runs left 'running' by a replica that is gone — one the replica list (Store.heartbeat) no longer holds, or has not
   * seen for `goneAfterMs` by the store's clock — or by no recorded replica (runs stored before replicas were): marked
   * failed (finished now, error = reason), which frees the endpoint's claim; how many.
   */
  failOrphanedRuns(reason: string, goneAfterMs: number): Promise<number>;
}
