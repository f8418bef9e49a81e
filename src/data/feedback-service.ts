// Ground truth for served requests and the live quality it yields: feedback joined to captures, per variant over time.

import type { ModelVersion } from '../core/model-version.js';
import type { LoopStore } from '../store/loop-store.js';
import type { FeedbackResult } from './feedback.js';
import { parseFeedback, recordFeedback } from './feedback.js';
import type { QualityQuery, QualityReport } from './live-quality.js';
import { liveQuality } from './live-quality.js';

export interface FeedbackServiceDeps {
  store: LoopStore;
  /** A registry version, to read its captures by. */
  versionOf: (name: string, version: number) => Promise<ModelVersion>;
  /** Writes buffered captures: feedback may name a request answered a moment ago. */
  flushCaptures: () => Promise<void>;
}

export class FeedbackService {
  constructor(private readonly deps: FeedbackServiceDeps) {}

  /** Records a feedback body ({feedback: [{request_id, label | value}]}); unknown ids are reported back. */
  async record(endpoint: string, body: unknown): Promise<FeedbackResult> {
    const items = parseFeedback(body);
    return recordFeedback(this.deps.store, endpoint, items, this.deps.flushCaptures);
  }

  async quality(query: QualityQuery): Promise<QualityReport> {
    await this.deps.flushCaptures();
    return liveQuality(this.deps.store, this.deps.versionOf, query);
  }
}
