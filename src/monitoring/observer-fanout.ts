// Tells several observers what serving reports (metrics and the dashboard's series), so serving holds only one.

import type { HandlerMicros } from '../runtime/runner.js';
import type { RateLimitReason, RejectionReason, RequestObservation, ServingObserver } from '../serving/serving-observer.js';

/** What the second observer hears: every request and batch (rate-limit refusals, before any variant, are the first's). */
export type RequestAndBatchObserver = Pick<ServingObserver, 'observeRequest' | 'observeBatch'>;

export function fanOut(first: ServingObserver, second: RequestAndBatchObserver): ServingObserver {
  return {
    observeRequest(o: RequestObservation, reason?: RejectionReason): void {
      first.observeRequest(o, reason);
      second.observeRequest(o, reason);
    },
    observeBatch(endpoint: string, variant: string, version: number, rows: number, handler?: HandlerMicros): void {
      first.observeBatch(endpoint, variant, version, rows, handler);
      second.observeBatch(endpoint, variant, version, rows);
    },
    observeRateLimited(endpoint: string, reason: RateLimitReason): void {
      first.observeRateLimited(endpoint, reason);
    },
  };
}
