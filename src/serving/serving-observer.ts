// What serving reports as it works (each request's outcome, each batch) and what it shows when asked (queues, windows):
// serving declares it, metrics implement it, so serving never imports monitoring.

import type { HandlerMicros } from '../runtime/runner.js';

export interface RequestObservation {
  endpoint: string;
  variant: string;
  version: number;
  ok: boolean;
  durationMicros: number;
  /** Present when the request reached the model (not for requests refused before it ran). */
  queueMicros?: number;
  computeMicros?: number;
  rows?: number;
}

/** Why a request failed: refusals by kind; any other failure is the model's or ours, an error. */
export type RejectionReason = 'overloaded' | 'deadline' | 'cancelled' | 'invalid' | 'error';

/** Which rate limit refused a request: the endpoint's, or the calling token's. */
export type RateLimitReason = 'endpoint' | 'token';

/** Told of every request's outcome and every executed batch, on the serving path: must not block or throw. */
export interface ServingObserver {
  observeRequest(o: RequestObservation, reason?: RejectionReason): void;
  /** `handler`: the package handler's share of the batch (pre- and post-processing, apart from the model). */
  observeBatch(endpoint: string, variant: string, version: number, rows: number, handler?: HandlerMicros): void;
  /** A request refused by a rate limit, before its body was read or decoded. */
  observeRateLimited(endpoint: string, reason: RateLimitReason): void;
}

/** What serving shows when asked (at scrape time): requests pending per version, each variant's current window. */
export interface ServingState {
  pendingByVersion(): { endpoint: string; version: number; pending: number }[];
  /** Each variant's current window (since the last rollout step, or since it was loaded). */
  variantWindows(): { endpoint: string; variant: string; shadow: boolean; requests: number; errorRate: number | null; p99Ms: number | null; agreement: number | null }[];
}
