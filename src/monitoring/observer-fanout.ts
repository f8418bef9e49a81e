// Tells several observers what serving reports (metrics and the dashboard's series), so serving holds only one.

import type { RejectionReason, RequestObservation, ServingObserver } from '../serving/serving-observer.js';

export function fanOut(first: ServingObserver, second: ServingObserver): ServingObserver {
  return {
    observeRequest(o: RequestObservation, reason?: RejectionReason): void {
      first.observeRequest(o, reason);
      second.observeRequest(o, reason);
    },
    observeBatch(endpoint: string, variant: string, version: number, rows: number): void {
      first.observeBatch(endpoint, variant, version, rows);
      second.observeBatch(endpoint, variant, version, rows);
    },
  };
}
