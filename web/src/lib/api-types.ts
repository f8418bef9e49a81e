// The management API's JSON as the dashboard reads it; leaf types come from the server's own source (type-only).

export type { SeriesPoint, SeriesReason } from '../../../src/monitoring/variant-series.js';
export type { RolloutState, GateResult } from '../../../src/core/rollout-state.js';
export type { CaptureConfig } from '../../../src/core/capture-config.js';
export type { MonitorWindow } from '../../../src/core/monitor-event.js';
import type { SeriesPoint } from '../../../src/monitoring/variant-series.js';

export interface Summary {
  requestsPerSecond: number;
  errorRate: number | null;
  p50Ms: number | null;
  p99Ms: number | null;
}

export type EndpointState = 'loading' | 'ready' | 'failed';

export interface OverviewEndpoint {
  name: string;
  state: EndpointState;
  error?: string;
  revision: number;
  lastRollout: { id: string; status: string } | null;
  summary: Summary;
  variants: { name: string; model: string; weight: number; shadow: boolean; summary: Summary; spark: number[] }[];
}

export interface Overview {
  now: number;
  endpoints: OverviewEndpoint[];
  rollouts: { id: string; endpoint: string; status: string; phase: string; stepIndex: number; steps: number[]; stable: string; candidate: string; startedAt: string }[];
  alerts: { id: number; endpoint: string; time: string; kind: string; severity: string; features: string[] }[];
}

export interface EndpointSeries {
  endpoint: string;
  now: number;
  stepSeconds: number;
  variants: { variant: string; live: boolean; shadow?: boolean; points: SeriesPoint[] }[];
}

export interface EndpointView {
  name: string;
  state: EndpointState;
  error?: string;
  revision: number;
  createdAt: string;
  updatedAt: string;
  variants: { name: string; model: string; ref?: string; weight: number; runtime: Record<string, unknown>; running?: Record<string, unknown>; picked?: string }[];
}

export interface HistoryEvent {
  id: number;
  time: string;
  actor: string;
  action: string;
  revision: number;
  reason: string | null;
  spec: Record<string, unknown> | null;
  details: Record<string, unknown> | null;
}

export interface ModelSummary {
  name: string;
  latestVersion: number;
  versions: number[];
  aliases: Record<string, number>;
  task?: string;
  description?: string;
  updatedAt: string;
}

export interface TensorSpec {
  name: string;
  datatype: string;
  shape: number[];
  features?: string[];
  labels?: string[];
}

export interface ModelVersionView {
  name: string;
  version: number;
  createdAt: string;
  description?: string;
  task?: string;
  format: string;
  sha256: string;
  size: number;
  aliases: string[];
  signature: { inputs: TensorSpec[]; outputs: TensorSpec[] };
}

export interface LoopStatus {
  endpoint: string;
  capture: { enabled: boolean; sampleRate: number; stats: { records: number; rows: number; bytes: number; oldest: number | null; newest: number | null }; buffered: number };
  monitor: {
    config: Record<string, unknown>; problem: string | null; pendingRows: number; pendingAtLeast: boolean; lastWindow: Record<string, unknown> | null;
    recentEvents: unknown[];
  } | null;
  retrain: Record<string, unknown> | null;
}
