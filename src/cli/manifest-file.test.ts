import { describe, expect, it } from 'vitest';
import { manifestOf } from '../core/endpoint-manifest.js';
import type { EndpointSpec } from '../core/endpoint-spec.js';
import { DEFAULT_POLICY } from '../core/rollout-policy.js';
import { DEFAULT_RUNTIME } from '../core/runtime-config.js';
import { decodeManifest, manifestYaml } from './manifest-file.js';

const spec: EndpointSpec = {
  name: 'digits',
  variants: [
    { name: 'stable', model: { name: 'digits', version: 3 }, ref: 'digits:3', weight: 90, shadow: false, runtime: { ...DEFAULT_RUNTIME, preferredBatchSizes: [1] } },
    { name: 'canary', model: { name: 'digits', version: 4 }, ref: 'digits:4', weight: 10, shadow: false, runtime: DEFAULT_RUNTIME },
    { name: 'shadow', model: { name: 'digits', version: 5 }, ref: 'digits@challenger', weight: 0, shadow: true, runtime: DEFAULT_RUNTIME },
  ],
  routing: { stickyHeader: 'x-slipway-route-key' },
  rollout: DEFAULT_POLICY,
};

describe('manifest files', () => {
  it('writes YAML that decodes back to the same manifest, in the canonical order', () => {
    const text = manifestYaml(manifestOf(spec));
    expect(text.split('\n').slice(0, 5)).toEqual(['kind: Endpoint', 'name: digits', 'variants:', '  - name: stable', '    model: digits:3']);
    expect(text).toMatch(/^ {6}preferredBatchSizes: \[1\]$/m);
    expect(text).toMatch(/^ {2}gates: \[error_rate<=0\.01, min_requests>=100\]$/m);
    expect(text).not.toMatch(/[&*]a\d/);
    expect(decodeManifest(text, 'digits.yaml')).toEqual(manifestOf(spec));
    expect(manifestYaml(decodeManifest(text, 'digits.yaml'))).toBe(text);
  });

  it('names the file in parse errors and field errors', () => {
    expect(() => decodeManifest('name: [unclosed', 'endpoint.yaml')).toThrow(/^endpoint\.yaml: not valid YAML: /);
    expect(() => decodeManifest('{"name": ', 'endpoint.json')).toThrow(/^endpoint\.json: not valid JSON: /);
    expect(() => decodeManifest('name: a\nname: b\n', 'endpoint.yaml')).toThrow(/^endpoint\.yaml: not valid YAML: .*unique/i);
    expect(() => decodeManifest('name: e\nvariants:\n  - { name: a, model: m:1 }\n  - { name: b, model: m:2, weight: 150 }\n', 'endpoint.yaml'))
      .toThrow('endpoint.yaml: variants[1].weight: expected a number from 0 to 100, got 150');
  });
});
