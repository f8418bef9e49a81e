// The soak's verdicts: from the figures a run gathered (trends, request counts, captures, webhooks, rollouts) to a list
// of named checks, each passed or failed with what was measured. Pure, so each rule is tested without a server.

import type { Trend } from './slope.js';

/** One server process's lifetime in the run (the soak restarts the server once). */
export interface Segment {
  label: string;
  pid: number;
  /** Resident set size, MB. */
  rss: Trend;
  /** Open file descriptors (/proc/PID/fd). */
  fds: Trend;
}

export interface ProtocolCount {
  sent: number;
  answered: number;
}

export interface RequestFigures {
  byProtocol: Record<string, ProtocolCount>;
  /** 5xx answers (gRPC: the codes a server failure gives) outside the restart, and during it (on purpose). */
  serverErrors: number;
  serverErrorsOnPurpose: number;
  /** Requests that got no answer at all (connection refused or reset), outside the restart and during it. */
  transportErrors: number;
  transportErrorsOnPurpose: number;
  /** 4xx answers: the soak sends none on purpose, so any is a finding. */
  clientErrors: number;
}

export interface CaptureFigures {
  answered: number;
  captured: number;
  /** Answered requests with no captured row; a few of their ids. */
  missing: number;
  missingSample: string[];
  /** Request ids with more than one captured row (each soak request has one row). */
  duplicated: number;
  /** Captured rows whose request the client saw no answer for (cut by the restart): reported, not a failure. */
  capturedUnanswered: number;
  /** Records the server dropped (buffer full or a failed write), from its metrics. */
  dropped: number;
}

export interface WebhookFigures {
  /** Alert events the monitor raised at or above the webhook's severity. */
  events: number;
  delivered: number;
  failed: number;
  /** Still neither delivered nor failed when the soak ended. */
  pending: number;
  /** Events with no delivery recorded at all. */
  withoutDelivery: number;
  /** Deliveries recorded as delivered that the receiver never got. */
  deliveredNotReceived: number;
  received: number;
}

export interface SoakFigures {
  segments: Segment[];
  requests: RequestFigures;
  captures: CaptureFigures;
  webhooks: WebhookFigures;
  /** Final status (and reason) of the canary rollout that should succeed, and of the one whose gate fails on purpose. */
  canary: string;
  rollback: string;
}

export interface SoakLimits {
  maxRssMbPerMinute: number;
  maxFdsPerMinute: number;
}

export const DEFAULT_LIMITS: SoakLimits = { maxRssMbPerMinute: 3, maxFdsPerMinute: 1 };

export interface Check {
  name: string;
  passed: boolean;
  detail: string;
}

const fixed = (n: number | null, digits = 2): string => (n === null ? 'n/a' : n.toFixed(digits));

function slopeCheck(name: string, trend: Trend, limit: number, unit: string): Check {
  const slope = trend.perMinute;
  return {
    name,
    passed: slope !== null && slope <= limit,
    detail: slope === null
      ? `could not fit a slope (${trend.samples} samples after warm-up): run longer`
      : `${fixed(slope)} ${unit}/min over ${trend.samples} samples (limit ${limit}); ${fixed(trend.first, 1)} → ${fixed(trend.last, 1)}, max ${fixed(trend.max, 1)}`,
  };
}

export function judgeSoak(f: SoakFigures, limits: SoakLimits = DEFAULT_LIMITS): Check[] {
  const checks: Check[] = [];
  for (const s of f.segments) {
    checks.push(slopeCheck(`RSS flat after warm-up (${s.label})`, s.rss, limits.maxRssMbPerMinute, 'MB'));
    checks.push(slopeCheck(`open files flat after warm-up (${s.label})`, s.fds, limits.maxFdsPerMinute, 'fds'));
  }
  for (const [protocol, count] of Object.entries(f.requests.byProtocol)) {
    checks.push({ name: `${protocol} traffic answered`, passed: count.answered > 0, detail: `${count.answered} of ${count.sent} answered` });
  }
  const r = f.requests;
  checks.push({
    name: 'no 5xx except those caused on purpose',
    passed: r.serverErrors === 0 && r.transportErrors === 0,
    detail: `${r.serverErrors} server errors and ${r.transportErrors} unanswered outside the restart; ${r.serverErrorsOnPurpose} + ${r.transportErrorsOnPurpose} during it (on purpose)`,
  });
  checks.push({ name: 'no 4xx (the soak sends only valid requests)', passed: r.clientErrors === 0, detail: `${r.clientErrors}` });
  const c = f.captures;
  checks.push({
    name: 'every answered request captured',
    passed: c.missing === 0 && c.answered > 0,
    detail: `${c.captured} captured of ${c.answered} answered; ${c.missing} missing${c.missing ? ` (e.g. ${c.missingSample.join(', ')})` : ''}; ${c.dropped} dropped by the server; ${c.capturedUnanswered} captured whose answer the restart cut`,
  });
  checks.push({ name: 'no capture duplicated', passed: c.duplicated === 0, detail: `${c.duplicated} request ids with more than one row` });
  const w = f.webhooks;
  checks.push({ name: 'the monitor alerted', passed: w.events > 0, detail: `${w.events} alert events` });
  checks.push({
    name: 'every webhook event delivered or recorded failed',
    passed: w.pending === 0 && w.withoutDelivery === 0 && w.deliveredNotReceived === 0,
    detail: `${w.delivered} delivered (${w.received} received), ${w.failed} failed, ${w.pending} pending, ${w.withoutDelivery} events without a delivery, ${w.deliveredNotReceived} delivered but never received`,
  });
  checks.push({ name: 'canary rollout succeeded', passed: f.canary.startsWith('succeeded'), detail: f.canary });
  checks.push({ name: 'failing canary rolled back', passed: f.rollback.startsWith('rolled_back'), detail: f.rollback });
  return checks;
}
