// The test-only pause points: silent and immediate unless asked for; when asked for, only that point and pass.

import { afterEach, describe, expect, it, vi } from 'vitest';

/** The module reads the environment once, when loaded: each case loads it afresh under its own setting. */
async function loadWith(value: string | undefined): Promise<typeof import('./test-pause.js')> {
  vi.resetModules();
  if (value === undefined) delete process.env.SLIPWAY_TEST_PAUSE_AT;
  else process.env.SLIPWAY_TEST_PAUSE_AT = value;
  return import('./test-pause.js');
}

/** Whether the promise settles within a few turns of the event loop. */
async function settles(p: Promise<void>): Promise<boolean> {
  return Promise.race([p.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 20))]);
}

describe('pauseAt', () => {
  afterEach(() => {
    delete process.env.SLIPWAY_TEST_PAUSE_AT;
  });

  it('passes every point when no pause is asked for', async () => {
    const { pauseAt, pauseAtSync, PAUSE_POINTS } = await loadWith(undefined);
    for (const point of PAUSE_POINTS) expect(await settles(pauseAt(point))).toBe(true);
    expect(() => pauseAtSync('capture:before-commit')).not.toThrow();
  });

  it('stops at the named point only, on the pass asked for (printing its marker on stderr)', async () => {
    const { pauseAt } = await loadWith('deploy:after-commit#2');
    expect(await settles(pauseAt('deploy:before-commit'))).toBe(true);
    expect(await settles(pauseAt('deploy:after-commit'))).toBe(true); // pass 1
    expect(await settles(pauseAt('deploy:after-commit'))).toBe(false); // pass 2: waits for good
    expect(await settles(pauseAt('deploy:after-commit'))).toBe(true); // later passes go by
  });
});
