// Test-only pause points: with SLIPWAY_TEST_PAUSE_AT=<point>[#n] the server stops at the n-th pass (default the first)
// through that named step of a multi-step write, prints a marker on stderr and waits there for good, so a
// fault-injection test (test/fault-injection*.test.ts) can kill -9 it at exactly that moment. Unset, each point is one
// string comparison.

import { writeSync } from 'node:fs';

/** Every named point: each sits between two steps a crash could fall between. */
export const PAUSE_POINTS = [
  /** Postgres: a blob's row and first chunk are inserted inside its transaction, which has not committed. */
  'push:artifact-in-transaction',
  /** Start-up: stored endpoints are restored and serving; rollouts are not resumed yet. */
  'restore:before-rollouts',
  /** A push's files are stored as artifacts; the version row is not written yet. */
  'push:before-version',
  /** A deploy's new variants are loaded and warmed; the spec is not stored yet. */
  'deploy:before-commit',
  /** A deploy's spec is stored; the live table has not switched to it yet. */
  'deploy:after-commit',
  /** A rollout start has made the first of its two writes (its state, then the spec it serves). */
  'rollout:start-between-writes',
  /** A rollout transition has applied its spec; the rollout's new state is not stored yet. */
  'rollout:step-between-writes',
  /** A capture batch is inserted inside its transaction; the transaction has not committed. */
  'capture:before-commit',
  /** A dataset export has handed its first bytes on; the rest is not written. */
  'export:mid-stream',
] as const;
export type PausePoint = (typeof PAUSE_POINTS)[number];

/** What a paused server prints (then the point's name and its PID). */
export const PAUSE_MARKER = 'SLIPWAY_TEST_PAUSED_AT';

const wanted = /^([^#]+)(?:#(\d+))?$/.exec(process.env.SLIPWAY_TEST_PAUSE_AT ?? '');
const WANTED_POINT = wanted?.[1];
const WANTED_PASS = Number(wanted?.[2] ?? 1);
let passes = 0;

/** True when this pass is the one to pause at; prints the marker then (synchronously: the next thing may be a kill). */
function arrived(point: PausePoint): boolean {
  if (WANTED_POINT !== point || ++passes !== WANTED_PASS) return false;
  writeSync(2, `${PAUSE_MARKER} ${point} pid=${process.pid}\n`);
  return true;
}

/** Resolves at once, except at the chosen point and pass: then never (only this path waits; the server runs on). */
export function pauseAt(point: PausePoint): Promise<void> {
  return arrived(point) ? new Promise<void>(() => undefined) : Promise.resolve();
}

/** The same inside synchronous code (a SQLite transaction in a worker thread): blocks this thread for good. */
export function pauseAtSync(point: PausePoint): void {
  if (!arrived(point)) return;
  const cell = new Int32Array(new SharedArrayBuffer(4));
  for (;;) Atomics.wait(cell, 0, 0);
}
