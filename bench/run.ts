// Benchmark entry point (`npm run bench [-- --quick] [-- --only tabular,resnet,overload,capture,python,cluster] [-- --out NAME]`): runs the sections, prints and writes bench/results/latest.{md,json} (or NAME.{md,json}).

import { parseOptions, type SectionName } from './bench-options.js';
import { quietReport, setQuietBudget } from './quiet.js';
import { consoleTable, goalLines, machineInfo, writeReport, type Report } from './report.js';
import { captureSection } from './section-capture.js';
import { clusterSection } from './section-cluster.js';
import { overloadSection } from './section-overload.js';
import { pythonSection } from './section-python.js';
import { resnetSection } from './section-resnet.js';
import { tabularSection } from './section-tabular.js';
import { runPart, type SectionContext, type SectionResult } from './section.js';

const SECTION_RUNNERS: Record<SectionName, (ctx: SectionContext) => Promise<SectionResult>> = {
  tabular: tabularSection,
  resnet: resnetSection,
  overload: overloadSection,
  capture: captureSection,
  python: pythonSection,
  cluster: clusterSection,
};

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const machine = machineInfo();
  const started = performance.now();
  console.log(`slipway bench: sections ${options.only.join(', ')}${options.quick ? ' (quick)' : ''}; ${machine.cpuCount} × ${machine.cpuModel}, load average ${machine.loadAverage1m}`);
  const ctx: SectionContext = { options };
  setQuietBudget(options.quick ? 10_000 : 100_000);
  const report: Report = { machine, options: { quick: options.quick, only: options.only }, wallSec: 0, tables: [], goals: [], observations: [], anomalies: [], data: {} };
  // One broken section (e.g. a server that fails to start) should not hide the others' results.
  for (const name of options.only) await runPart(report, name, name, `${name}: section failed`, () => SECTION_RUNNERS[name](ctx));
  report.wallSec = (performance.now() - started) / 1000;
  const quiet = quietReport();
  report.data.quiet = quiet;
  if (quiet.waitedSec >= 1) report.observations.push(`The bench waited ${quiet.waitedSec.toFixed(0)} s in all for other processes on this shared machine to go quiet before measurements.`);
  if (quiet.noisy.length) {
    report.observations.push(`Noisy machine: ${quiet.noisy.length} measurement(s) had to start while other processes were busy (compare the "others" CPU column): ${quiet.noisy.join('; ')}.`);
  }

  console.log('');
  for (const table of report.tables) console.log(`${consoleTable(table)}\n`);
  console.log('Goals:');
  for (const line of goalLines(report.goals)) console.log(`  ${line}`);
  if (report.observations.length) {
    console.log('\nObservations:');
    for (const o of report.observations) console.log(`  - ${o}`);
  }
  if (report.anomalies.length) {
    console.error(`\n!!!!! ${report.anomalies.length} ANOMALIES !!!!!`);
    for (const a of report.anomalies) console.error(`!!! ${a}`);
    process.exitCode = 1;
  }
  const written = await writeReport(report, options.out);
  console.log(`\nwrote ${written.md} and ${written.json} (bench wall time ${report.wallSec.toFixed(0)} s)`);
}

await main();
