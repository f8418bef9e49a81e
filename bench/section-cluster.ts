// Cluster section: the measured part of scaling out. `--workers 2` against one process on one machine; capture rows/s
// into one Postgres from three writers against SQLite, and what capture costs serving on each store; how long a spec
// change takes to reach every replica and a duty to change hands when its holder dies (short leases, and the defaults).

import { startPostgres } from '../test/support/postgres.js';
import { measureCaptureCost } from './cluster-capture-cost.js';
import { measureCaptureRate } from './cluster-capture-rate.js';
import { measureReplicaTiming } from './cluster-timing.js';
import { measureWorkers } from './cluster-workers.js';
import { runPart, type SectionContext, type SectionResult } from './section.js';
import { tabularFixture } from './tabular-fixture.js';

export async function clusterSection(ctx: SectionContext): Promise<SectionResult> {
  const { quick } = ctx.options;
  // Three repeats of shorter windows rather than two of the usual 8 s: a median of three stands when other processes
  // on this shared machine disturb one run, in about the same time.
  const durations = quick ? ctx.options.durations : { ...ctx.options.durations, loadSec: 5 };
  const repeats = quick ? 1 : 3;
  const fixture = await tabularFixture();
  const result: SectionResult = { tables: [], goals: [], observations: [], anomalies: [], data: {} };
  // A part that fails is an anomaly; the parts after it still run.
  const part = (name: string, run: () => Promise<SectionResult>): Promise<void> => runPart(result, name, 'cluster', `cluster: ${name} failed`, run);

  await part('workers', () => measureWorkers(fixture, durations, repeats));
  const postgres = await startPostgres();
  try {
    await part('captureRate', () => measureCaptureRate(postgres, quick ? 1.5 : 3));
    await part('captureCost', () => measureCaptureCost(postgres, fixture, durations, repeats));
    await part('timing', () => measureReplicaTiming(postgres, fixture, quick
      ? { propagation: 5, kill: 5, stop: 3, defaultKill: 1, defaultStop: 1 }
      : { propagation: 20, kill: 20, stop: 10, defaultKill: 3, defaultStop: 3 }));
  } finally {
    await postgres.stop();
  }
  return result;
}
