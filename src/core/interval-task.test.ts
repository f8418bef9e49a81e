// IntervalTask: one interval however often it is started, none after stop, and never one that keeps the process up.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IntervalTask } from './interval-task.js';

describe('IntervalTask', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('runs every interval once started, once however often started, and stops', () => {
    let runs = 0;
    const task = new IntervalTask(() => runs++, 100);
    vi.advanceTimersByTime(500);
    expect(runs).toBe(0);
    task.start();
    task.start();
    vi.advanceTimersByTime(1_000);
    expect(runs).toBe(10);
    task.stop();
    vi.advanceTimersByTime(1_000);
    expect(runs).toBe(10);
    task.stop();
    task.start();
    vi.advanceTimersByTime(250);
    expect(runs).toBe(12);
    task.stop();
  });

  it('does not keep the process alive', () => {
    const spy = vi.spyOn(globalThis, 'setInterval');
    const task = new IntervalTask(() => undefined, 100);
    task.start();
    const timer = spy.mock.results[0]!.value as NodeJS.Timeout;
    expect(timer.hasRef()).toBe(false);
    task.stop();
  });
});
