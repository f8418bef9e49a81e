// Loop sections of endpoint manifests: canonical, round-trip, diffed field by field, errors pointing at the section.
import { describe, expect, it } from 'vitest';
import { parseEndpointManifest } from './endpoint-manifest.js';
import { diffLoopSections, loopSections, parseLoopSections } from './loop-manifest.js';

const doc = {
  name: 'diab',
  variants: [{ name: 'primary', model: 'diabetes:1' }],
  capture: { enabled: true, sampleRate: 0.5, retention: '14d' },
  monitor: { enabled: true, window: '10m', thresholds: { alpha: 0.05 }, webhook: { url: 'http://127.0.0.1:9000/alerts' } },
  retrain: { enabled: true, command: ['python3', 'train.py'], schedule: '1d', rollout: { strategy: 'canary', steps: [50, 100], bake: '30s' } },
};

describe('loop sections of an endpoint manifest', () => {
  it('are canonical: every field written, and parsing the canonical form again gives it back', () => {
    const manifest = parseEndpointManifest(doc);
    expect(manifest.capture).toEqual({ enabled: true, sampleRate: 0.5, keep: 'both', maxPayloadBytes: 65536, retention: '14d', retentionRows: 0, retentionBytes: 0 });
    expect(manifest.monitor).toMatchObject({ enabled: true, window: '10m', baseline: null, thresholds: { alpha: 0.05 } });
    expect(manifest.retrain).toMatchObject({ schedule: '1d', cooldown: '1h', rollout: { strategy: 'canary', steps: [50, 100], bake: '30s' } });
    expect(parseEndpointManifest(JSON.parse(JSON.stringify(manifest)))).toEqual(manifest);
  });

  it('diff field by field, and not at all when unchanged', () => {
    const live = parseLoopSections(doc);
    expect(diffLoopSections(live, live)).toEqual([]);
    const changed = parseLoopSections({ ...doc, capture: { ...doc.capture, sampleRate: 1 } });
    expect(diffLoopSections(live, changed)).toEqual(['capture.sampleRate: 0.5 → 1']);
    expect(diffLoopSections({}, { capture: live.capture! })[0]).toMatch(/^capture: set/);
    expect(loopSections({})).toEqual({});
  });

  it('point at the section and field of a mistake', () => {
    expect(() => parseEndpointManifest({ ...doc, capture: { sampleRate: 3 } })).toThrow(/^capture: field "sampleRate"/);
    expect(() => parseEndpointManifest({ ...doc, retrain: { enabled: true } })).toThrow(/^retrain: .*needs a "command"/);
  });
});
