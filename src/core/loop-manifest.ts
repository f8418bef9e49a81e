// The closed loop's sections of an endpoint manifest (capture, monitor, retrain): parsed with the settings parsers and
// written back in the same words people write, so `slipway get` → `slipway apply` changes nothing.

import type { CaptureConfig } from './capture-config.js';
import { DEFAULT_CAPTURE, parseCaptureConfig } from './capture-config.js';
import { formatDuration } from './duration.js';
import { InvalidInputError } from './errors.js';
import type { MonitorConfig } from './monitor-config.js';
import { DEFAULT_MONITOR, parseMonitorConfig } from './monitor-config.js';
import type { RetrainPolicy } from './retrain-policy.js';
import { DEFAULT_RETRAIN, parseRetrainPolicy } from './retrain-policy.js';
import { formatGate } from './rollout-policy.js';

export const LOOP_SECTIONS = ['capture', 'monitor', 'retrain'] as const;
export type LoopSection = (typeof LOOP_SECTIONS)[number];

/** The sections as written in a manifest (durations as text), each canonical: every field, in a fixed order. */
export type LoopSections = Partial<Record<LoopSection, Record<string, unknown>>>;

export interface LoopSettings {
  capture?: CaptureConfig;
  monitor?: MonitorConfig;
  retrain?: RetrainPolicy;
}

/** Days read better than hours for retention and look-back: "7d", not "168h". */
function longDuration(ms: number): string {
  return ms > 0 && ms % 86_400_000 === 0 ? `${ms / 86_400_000}d` : formatDuration(ms);
}

export function captureSection(c: CaptureConfig): Record<string, unknown> {
  return { enabled: c.enabled, sampleRate: c.sampleRate, keep: c.keep, maxPayloadBytes: c.maxPayloadBytes, retention: longDuration(c.retentionMs), retentionRows: c.retentionRows, retentionBytes: c.retentionBytes };
}

export function monitorSection(m: MonitorConfig): Record<string, unknown> {
  return {
    enabled: m.enabled,
    ...(m.windowMs !== null ? { window: formatDuration(m.windowMs) } : { windowRows: m.windowRows }),
    baseline: m.baseline ? `${m.baseline.model}:${m.baseline.version}` : null,
    thresholds: { ...m.thresholds },
    webhook: m.webhook ? { url: m.webhook.url, minSeverity: m.webhook.minSeverity, headers: { ...m.webhook.headers } } : null,
  };
}

export function retrainSection(p: RetrainPolicy): Record<string, unknown> {
  return {
    enabled: p.enabled, onDrift: p.onDrift, minSeverity: p.minSeverity, schedule: p.scheduleMs === null ? null : longDuration(p.scheduleMs),
    cooldown: longDuration(p.cooldownMs), command: p.command ? [...p.command] : null, webhook: p.webhook, timeout: longDuration(p.timeoutMs),
    dataset: {
      lookback: longDuration(p.dataset.lookbackMs), format: p.dataset.format, withFeedback: p.dataset.withFeedback,
      onlyLabelled: p.dataset.onlyLabelled, onlyDriftedWindows: p.dataset.onlyDriftedWindows,
    },
    rollout: p.rollout
      ? {
          strategy: p.rollout.strategy, ...(p.rollout.steps ? { steps: [...p.rollout.steps] } : {}),
          ...(p.rollout.bakeMs !== undefined ? { bake: formatDuration(p.rollout.bakeMs) } : {}),
          ...(p.rollout.gates ? { gates: p.rollout.gates.map(formatGate) } : {}),
        }
      : null,
  };
}

function within<T>(section: LoopSection, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof InvalidInputError) throw new InvalidInputError(`${section}: ${err.message}`);
    throw err;
  }
}

/**
 * Reads the sections a manifest writes. Each replaces the endpoint's settings of its kind whole (what is left out takes
 * the default, as everywhere in a manifest); a section the manifest leaves out leaves those settings alone.
 */
export function parseLoopSections(doc: Record<string, unknown>): LoopSettings {
  const out: LoopSettings = {};
  if (doc.capture !== undefined && doc.capture !== null) out.capture = within('capture', () => parseCaptureConfig(doc.capture, DEFAULT_CAPTURE));
  if (doc.monitor !== undefined && doc.monitor !== null) out.monitor = within('monitor', () => parseMonitorConfig(doc.monitor, DEFAULT_MONITOR));
  if (doc.retrain !== undefined && doc.retrain !== null) out.retrain = within('retrain', () => parseRetrainPolicy(doc.retrain, DEFAULT_RETRAIN));
  return out;
}

export function loopSections(settings: LoopSettings): LoopSections {
  const out: LoopSections = {};
  if (settings.capture) out.capture = captureSection(settings.capture);
  if (settings.monitor) out.monitor = monitorSection(settings.monitor);
  if (settings.retrain) out.retrain = retrainSection(settings.retrain);
  return out;
}

/** One line per changed field of the sections the manifest writes, as `capture.sampleRate: 1 → 0.5`. */
export function diffLoopSections(live: LoopSettings, desired: LoopSettings): string[] {
  const lines: string[] = [];
  const before = loopSections(live);
  const after = loopSections(desired);
  for (const section of LOOP_SECTIONS) {
    const next = after[section];
    if (!next) continue;
    const prev = before[section];
    if (!prev) {
      lines.push(`${section}: set (${JSON.stringify(next)})`);
      continue;
    }
    for (const key of new Set([...Object.keys(prev), ...Object.keys(next)])) {
      const a = JSON.stringify(prev[key]) ?? '(none)';
      const b = JSON.stringify(next[key]) ?? '(none)';
      if (a !== b) lines.push(`${section}.${key}: ${a} → ${b}`);
    }
  }
  return lines;
}
