// The settings registry: defaults for kinds never set, merge-and-validate on set, the hook before storing, apply to
// the running part, start from what is stored, forget with the endpoint — once for every kind.

import { describe, expect, it } from 'vitest';
import { DEFAULT_CAPTURE, parseCaptureConfig } from '../core/capture-config.js';
import { NotFoundError } from '../core/errors.js';
import { DEFAULT_MONITOR, parseMonitorConfig } from '../core/monitor-config.js';
import { DEFAULT_RETRAIN, parseRetrainPolicy } from '../core/retrain-policy.js';
import type { SettingKind } from '../store/loop-store.js';
import { EndpointSettings } from './endpoint-settings.js';

function registry(): { settings: EndpointSettings; log: string[]; stored: Map<string, object> } {
  const stored = new Map<string, object>();
  const log: string[] = [];
  const key = (endpoint: string, kind: SettingKind): string => `${endpoint}/${kind}`;
  const settings = new EndpointSettings({
    store: {
      async getSetting<T>(endpoint: string, kind: SettingKind) {
        return stored.get(key(endpoint, kind)) as T | undefined;
      },
      async putSetting(endpoint, kind, config) {
        log.push(`store ${kind}`);
        stored.set(key(endpoint, kind), config);
      },
      async listSettings<T>(kind: SettingKind) {
        return [...stored.entries()].filter(([k]) => k.endsWith(`/${kind}`)).map(([k, config]) => ({ endpoint: k.split('/')[0]!, config: config as T }));
      },
      async deleteSettings(endpoint) {
        for (const k of [...stored.keys()]) if (k.startsWith(`${endpoint}/`)) stored.delete(k);
      },
    },
    requireEndpoint: (endpoint) => {
      if (endpoint !== 'e') throw new NotFoundError(`endpoint "${endpoint}" not found`);
    },
    kinds: {
      capture: { defaults: DEFAULT_CAPTURE, parse: parseCaptureConfig, apply: (_e, c) => void log.push(`apply capture ${c ? c.sampleRate : 'none'}`) },
      monitor: {
        defaults: DEFAULT_MONITOR, parse: parseMonitorConfig,
        beforeStore: async (_e, next, before) => void log.push(`before monitor ${before.enabled} -> ${next.enabled}`),
        apply: (_e, c) => void log.push(`apply monitor ${c ? c.enabled : 'none'}`),
      },
      retrain: { defaults: DEFAULT_RETRAIN, parse: parseRetrainPolicy, apply: async (_e, p) => void log.push(`apply retrain ${p ? p.enabled : 'none'}`) },
    },
  });
  return { settings, log, stored };
}

describe('endpoint settings', () => {
  it('reads defaults, merges a set over the current value, and refuses an unknown endpoint or a bad field', async () => {
    const { settings, log } = registry();
    expect(await settings.get('capture', 'e')).toEqual(DEFAULT_CAPTURE);
    expect(await settings.all('e')).toEqual({});
    const on = await settings.set('capture', 'e', { enabled: true });
    expect(await settings.set('capture', 'e', { sampleRate: 0.5 })).toEqual({ ...on, sampleRate: 0.5 });
    expect(log).toEqual(['store capture', 'apply capture 1', 'store capture', 'apply capture 0.5']);
    await expect(settings.get('capture', 'typo')).rejects.toThrow('endpoint "typo" not found');
    await expect(settings.set('monitor', 'e', { thresholds: { alpha: 5 } })).rejects.toThrow('field "thresholds.alpha"');
    expect(await settings.stored('monitor', 'e')).toBeUndefined();
  });

  it('runs the hook before storing with the value it replaces; replace, start and forget cover every kind', async () => {
    const { settings, log, stored } = registry();
    await settings.replace('e', { monitor: parseMonitorConfig({ enabled: true }), retrain: DEFAULT_RETRAIN });
    expect(log).toEqual(['before monitor false -> true', 'store monitor', 'apply monitor true', 'store retrain', 'apply retrain false']);
    log.length = 0;
    await settings.start();
    expect(log).toEqual(['apply monitor true', 'apply retrain false']);
    log.length = 0;
    await settings.forget('e');
    expect(stored.size).toBe(0);
    expect(log).toEqual(['apply capture none', 'apply monitor none', 'apply retrain none']);
  });
});
