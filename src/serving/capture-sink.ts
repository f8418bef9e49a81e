// What the serving path needs from capture: is it on for an endpoint, and a place to leave a finished record.
// Serving owns the interface; monitoring's capture pipeline implements it, so serving never imports monitoring.

import type { CaptureConfig, CaptureRecord } from '../core/capture-config.js';

export interface CaptureSink {
  /** The endpoint's settings while capture is on; undefined when it is off. Asked on every request: must be cheap. */
  active(endpoint: string): CaptureConfig | undefined;
  /** Takes a finished record, or drops it (and counts the drop) when it has no room. Never waits. */
  offer(record: CaptureRecord): void;
}
