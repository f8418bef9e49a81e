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
}
