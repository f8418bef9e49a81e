import { describe, expect, it } from 'vitest';
import type { ProfileReport } from '../core/profile-report.js';
import { buildReport } from './profile-run.js';
import { profileChartSvg } from './chart-svg.js';
import { point } from './fake-points.test-util.js';

const settings: ProfileReport['settings'] = {
  sloP99Ms: 20, budgetSeconds: 10, exhaustive: false, pricePerCoreHour: 0.1, concurrency: [1, 4], seed: 1, minRequests: 300, pointMillis: 1000, targetRps: 5000,
};
const extra = { input: 'random' as const, batchingBlocker: null, cpuModel: 'test cpu', platform: 'linux x64', providers: { available: ['cpu' as const], unavailable: [] } };

/** Every tag opened is closed, in order: enough of XML to catch a broken chart. */
function balanced(svg: string): boolean {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (m[3]) continue;
    if (m[1]) {
      if (stack.pop() !== m[2]) return false;
    } else stack.push(m[2]!);
  }
  return stack.length === 0;
}

describe('profileChartSvg', () => {
  it('draws a well-formed SVG with the points, the front, the SLO line and the recommendation', () => {
    const report = buildReport('m:1', '2026-01-01T00:00:00Z', settings, 2, [point({}, 180, 6), point({ maxBatchSize: 16 }, 520, 15, 4), point({ instances: 2 }, 300, 30, 4)], 40, extra);
    const svg = profileChartSvg(report);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(balanced(svg)).toBe(true);
    expect(svg.match(/class="point/g)).toHaveLength(3);
    expect(svg).toContain('class="front"');
    expect(svg).toContain('class="slo"');
    expect(svg).toContain('class="recommended"');
    expect(svg).toContain('>recommended<');
    expect(report.capacity!.replicas).toBe(14);
  });

  it('marks the closest point when nothing meets the SLO, and escapes text', () => {
    const report = buildReport('a<b>:1', '2026-01-01T00:00:00Z', { ...settings, sloP99Ms: 1 }, 2, [point({}, 180, 6)], 40, extra);
    const svg = profileChartSvg(report);
    expect(balanced(svg)).toBe(true);
    expect(svg).toContain('closest (SLO not met)');
    expect(svg).toContain('a&lt;b&gt;:1');
  });
});
