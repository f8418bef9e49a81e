// A monitor's status on a real SQLite store: rows pending towards the next window, counted over a bounded scan that
// says when it stopped at its bound (a dashboard polls status every few seconds).
import { Registry } from 'prom-client';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../core/capture-config.js';
import { DEFAULT_MONITOR } from '../core/monitor-config.js';
import { NotFoundError } from '../core/errors.js';
import type { SqliteStore } from '../store/sqlite-store.js';
import { tempSqliteStore } from '../store/sqlite-store.test-util.js';
import { LoopMetrics } from './loop-metrics.js';
import { MonitorRunner } from './monitor-runner.js';

const temp = tempSqliteStore('slipway-monitor-status-');
let store: SqliteStore;
beforeEach(() => {
  store = temp.store;
});

function capture(i: number): CaptureRecord {
  return {
    endpoint: 'e', requestId: `r${i}`, time: 1_000 + i, variant: 'primary', model: 'm', version: 1, status: i % 10 === 9 ? 'error' : 'ok',
    latencyMs: 1, rows: 2, inputs: null, outputs: null, truncated: false, error: null,
  };
}

function runner(statusScan: number): MonitorRunner {
  return new MonitorRunner({
    store: store.loop, statusScan, metrics: new LoopMetrics(new Registry()), onEvent: () => undefined, log: () => undefined,
    version: async (name) => {
      throw new NotFoundError(`model ${name} is not in this test`);
    },
    baseline: async () => undefined,
  });
}

describe('monitor status', () => {
  it('counts pending rows exactly below its bound, and "at least" once the scan reaches it', async () => {
    const monitors = runner(50);
    monitors.configure('e', { ...DEFAULT_MONITOR, enabled: true, windowRows: null, windowMs: 3_600_000 });
    await store.loop.appendCaptures(Array.from({ length: 30 }, (_, i) => capture(i)));
    // 27 successful records of 2 rows (failed ones count towards no window).
    expect(await monitors.status('e')).toMatchObject({ pendingRows: 54, pendingAtLeast: false });
    await store.loop.appendCaptures(Array.from({ length: 90 }, (_, i) => capture(30 + i)));
    expect(await monitors.status('e')).toMatchObject({ pendingRows: 100, pendingAtLeast: true });
    await monitors.close();
  });

  it('bounds a row window\'s count by the window too: a full window is at least its size', async () => {
    const monitors = runner(1_000);
    monitors.configure('e', { ...DEFAULT_MONITOR, enabled: true, windowRows: 10 });
    await store.loop.appendCaptures(Array.from({ length: 4 }, (_, i) => capture(i)));
    expect(await monitors.status('e')).toMatchObject({ pendingRows: 8, pendingAtLeast: false });
    await store.loop.appendCaptures(Array.from({ length: 20 }, (_, i) => capture(4 + i)));
    expect(await monitors.status('e')).toMatchObject({ pendingRows: 20, pendingAtLeast: true });
    await monitors.close();
  });
});
