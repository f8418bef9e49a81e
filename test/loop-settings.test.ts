// Loop settings are judged once, when they are set: monitor thresholds that could never evaluate a window (alpha
// outside (0, 1), psiCritical below psiWarning) are refused with the field named, by PUT .../monitor and by a manifest.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import type { LoopServer } from './loop-harness.js';
import { DIABETES, deploy, push, setLoop, startLoopServer } from './loop-harness.js';

let loop: LoopServer;

beforeAll(async () => {
  loop = await startLoopServer();
  const v = await push(loop.url, DIABETES);
  await deploy(loop.url, 'sugar', `${v.name}:${v.version}`);
}, 120_000);

afterAll(async () => {
  await loop?.close();
});

interface ErrorBody {
  error: string;
  code: string;
}

describe('monitor thresholds', () => {
  it('are refused when set, naming the field, and the stored settings stay as they were', async () => {
    const before = await setLoop(loop.url, 'sugar', 'monitor', { thresholds: { alpha: 0.05 } });
    const r = await call<ErrorBody>(`${loop.url}/api/v1/endpoints/sugar/monitor`, 'PUT', { enabled: true, thresholds: { alpha: 5, psiWarning: 0.3, psiCritical: 0.1 } });
    expect(r.status).toBe(400);
    expect(r.body.code).toBe('invalid_input');
    expect(r.body.error).toMatch(/thresholds\.alpha/);
    const crossed = await call<ErrorBody>(`${loop.url}/api/v1/endpoints/sugar/monitor`, 'PUT', { thresholds: { psiWarning: 0.3, psiCritical: 0.1 } });
    expect(crossed.status).toBe(400);
    expect(crossed.body).toEqual({ code: 'invalid_input', error: 'field "thresholds.psiCritical": expected a number at or above psiWarning (0.3), got 0.1' });
    // A threshold left out takes its default: psiWarning 0.3 alone is above the default psiCritical 0.25.
    const alone = await call<ErrorBody>(`${loop.url}/api/v1/endpoints/sugar/monitor`, 'PUT', { thresholds: { psiWarning: 0.3 } });
    expect(alone.status).toBe(400);
    expect(alone.body.error).toMatch(/thresholds\.psiCritical/);
    expect((await call(`${loop.url}/api/v1/endpoints/sugar/monitor`)).body).toEqual(before);
    // Bounds that a window can use are accepted.
    const ok = await setLoop(loop.url, 'sugar', 'monitor', { thresholds: { psiWarning: 0.3, psiCritical: 0.5, outOfRangeRate: 1 } });
    expect(ok.thresholds).toEqual({ alpha: 0.05, psiWarning: 0.3, psiCritical: 0.5, outOfRangeRate: 1 });
  });

  it('in a manifest are refused by apply, dry run or not, naming the section and field', async () => {
    const spec = (await call<Record<string, unknown>>(`${loop.url}/api/v1/endpoints/sugar/spec`)).body;
    const manifest = { ...spec, monitor: { enabled: true, thresholds: { alpha: 5 } } };
    for (const query of ['?dryRun=true', '']) {
      const r = await call<ErrorBody>(`${loop.url}/api/v1/endpoints/sugar/spec${query}`, 'PUT', manifest);
      expect(r.status).toBe(400);
      expect(r.body).toEqual({ code: 'invalid_input', error: 'monitor: field "thresholds.alpha": expected a number in (0, 1), got 5' });
    }
    expect((await call(`${loop.url}/api/v1/endpoints/sugar/spec`)).body).toEqual(spec);
  });
});
