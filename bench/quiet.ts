// Waiting for a shared machine to go quiet before a measurement: bounded per call and per run, and reported when it did not.

import { readFileSync } from 'node:fs';

/** Other processes' CPU (machine busy minus this process), in % of one core, above which a measurement waits. */
const BUSY_PCT = 30;
const SAMPLE_MS = 400;

let budgetMs = 60_000;
let waitedMs = 0;
const noisy: string[] = [];

export function setQuietBudget(ms: number): void {
  budgetMs = ms;
}

function machineBusyTicks(): number {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0] = fields;
  return user + nice + system + irq + softirq;
}

async function othersPct(): Promise<number> {
  const t0 = performance.now();
  const busy0 = machineBusyTicks();
  const own0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, SAMPLE_MS));
  const own = process.cpuUsage(own0);
  const wallSec = (performance.now() - t0) / 1000;
  const machine = (machineBusyTicks() - busy0) / 100 / wallSec;
  return 100 * Math.max(0, machine - (own.user + own.system) / 1e6 / wallSec);
}

/** Waits (≤ maxMs, within the run's budget) until processes other than this one use < 30% of a core; servers under test must be idle. */
export async function waitForQuiet(what: string, maxMs = 15_000): Promise<void> {
  const start = performance.now();
  let pct = await othersPct();
  while (pct >= BUSY_PCT && performance.now() - start < maxMs && waitedMs + (performance.now() - start) < budgetMs) {
    pct = await othersPct();
  }
  const waited = performance.now() - start;
  waitedMs += waited;
  if (pct >= BUSY_PCT) noisy.push(`${what}: started while other processes used ${pct.toFixed(0)}% of a core (waited ${(waited / 1000).toFixed(1)} s)`);
}

/** Measurements that had to start on a busy machine, and the total time spent waiting. */
export function quietReport(): { waitedSec: number; noisy: string[] } {
  return { waitedSec: waitedMs / 1000, noisy: [...noisy] };
}
