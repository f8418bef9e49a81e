// What the serving path needs from capture: is it on for an endpoint, and a place to leave a finished record.
// Serving owns the interface; monitoring's capture pipeline implements it, so serving never imports monitoring.

import type { FinishedCapture } from '../core/capture-batch.js';
import type { CaptureConfig } from '../core/capture-config.js';

export interface CaptureSink {
  /** The endpoint's settings while capture is on; undefined when it is off. Asked on every request: must be cheap. */
  active(endpoint: string): CaptureConfig | undefined;
  /**
   * Takes a finished record (written into the pending batch at once: the record and its tensors may be reused after),
   * or drops it (and counts the drop) when it has no room. Never waits. `inputBytes`/`outputBytes`: the parts' encoded
   * sizes, when the caller measured them (tensorBytes).
   */
  offer(record: FinishedCapture, inputBytes?: number, outputBytes?: number): void;
}
