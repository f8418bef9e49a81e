// What monitors leave behind: evaluated windows, the alert events raised from their findings, and webhook deliveries.

import type { Finding, FindingKind, Severity, WindowEvaluation } from './baseline.js';

/** One evaluated tumbling window of an endpoint's captures. */
export interface MonitorWindow {
  id: number;
  endpoint: string;
  /** Captures with ids in [firstCapture, lastCapture] and times in [start, end). */
  start: number;
  end: number;
  firstCapture: number;
  lastCapture: number;
  /** The version whose baseline the window was compared with. */
  baseline: string;
  drifted: boolean;
  evaluation: WindowEvaluation;
  createdAt: string;
}

/** An alert: the findings of one kind in one window. */
export interface MonitorEvent {
  id: number;
  endpoint: string;
  windowId: number;
  time: string;
  kind: FindingKind;
  severity: Severity;
  features: string[];
  findings: Finding[];
}

export type DeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One try of a delivery: when, what the receiver answered (or why nothing came back), and when the next try is due. */
export interface DeliveryAttempt {
  /** ms since the epoch the try started, and how long it took. */
  time: number;
  durationMs: number;
  /** The receiver's HTTP status; null when no answer came (refused, timed out). */
  statusCode: number | null;
  /** null for a success. */
  error: string | null;
  /** ms since the epoch of the retry this failure scheduled; null when none follows (delivered, or given up). */
  nextAttemptAt: number | null;
}

export interface WebhookDelivery {
  id: number;
  eventId: number | null;
  url: string;
  headers: Record<string, string>;
  payload: string;
  attempts: number;
  status: DeliveryStatus;
  /** ms since the epoch of the next try (pending deliveries). */
  nextAttemptAt: number;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
  /** Every try so far, oldest first. */
  attemptLog: DeliveryAttempt[];
}
