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
