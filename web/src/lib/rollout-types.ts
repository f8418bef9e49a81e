// The Rollout page's API answers as the server types them (type-only imports: nothing of the server is bundled).

export type { RolloutSummary, RolloutTimeline, TimelineGate, TimelineStep } from '../../../src/rollout/rollout-timeline.js';
import type { TimelineStep } from '../../../src/rollout/rollout-timeline.js';

/** One gate of one step, with its samples over the bake and the value the decision was taken on. */
export type StepGate = TimelineStep['gates'][number];

/** A variant's current window, as GET /api/v1/endpoints/{name}/rollout answers it beside the state. */
export interface VariantWindow {
  variant: string;
  model: string;
  weight: number;
  shadow: boolean;
  requests: number;
  errors: number;
  errorRate: number | null;
  p99Ms: number | null;
  agreement: number | null;
  compared: number;
}

export type RolloutCommand = 'pause' | 'resume' | 'promote' | 'abort';
