// What every bench section returns, and what sections share within one run.

import type { BenchOptions } from './bench-options.js';
import type { Measurement } from './measurement.js';
import type { Goal, Table } from './report.js';
import type { ResnetFixture } from './resnet-fixture.js';
import type { FixedRuntime } from './slipway-server.js';

export interface SectionResult {
  tables: Table[];
  goals: Goal[];
  observations: string[];
  anomalies: string[];
  data: Record<string, unknown>;
}

/** Carried from section to section so later ones reuse earlier work (the generated model, the chosen runtime). */
export interface SectionContext {
  options: BenchOptions;
  resnet?: ResnetFixture;
  resnetRuntime?: FixedRuntime;
}

/** Anomaly lines for every measurement that saw problems. */
export function anomaliesOf(section: string, measurements: Measurement[]): string[] {
  return measurements.flatMap((m) => m.problems.map((p) => `${section}: ${m.scenario}, c=${m.concurrency}: ${p}`));
}

/**
 * Runs one part (a section, or a part of one) and merges what it returns into `into`, its data under `name` with its
 * wall time; a part that throws becomes an anomaly (`failure` words it) and the parts after it still run.
 */
export async function runPart(
  into: SectionResult, name: string, tag: string, failure: string, run: () => Promise<SectionResult>,
): Promise<void> {
  const t0 = performance.now();
  try {
    const r = await run();
    into.tables.push(...r.tables);
    into.goals.push(...r.goals);
    into.observations.push(...r.observations);
    into.anomalies.push(...r.anomalies);
    into.data[name] = { ...r.data, wallSec: (performance.now() - t0) / 1000 };
  } catch (err) {
    const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
    into.anomalies.push(`${failure}: ${message}`);
    console.error(`[${tag}] ${failure}: ${message}`);
  }
  console.log(`[${tag}] ${name} done in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
