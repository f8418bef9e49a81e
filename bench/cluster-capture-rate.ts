// Cluster section, capture write rate: rows/s that capture writer processes (each with its own store, as replicas
// have) append into one Postgres — three at once, then one — against SQLite (one process, and three on one file as
// `--workers 3` would). Postgres runs twice: as the test cluster (fsync and synchronous commit off) and with its
// durability on, since SQLite's capture writer commits with synchronous=FULL.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresStore } from '../src/store/postgres-store.js';
import { SqliteStore } from '../src/store/sqlite-store.js';
import { startPostgres, type TestPostgres } from '../test/support/postgres.js';
import type { AppendCount, AppendShape } from './capture-append.js';
import { CpuProbe, processTree, type CpuShare } from './cpu-probe.js';
import { fmtRate, fmtRatio, type Table } from './report.js';
import type { SectionResult } from './section.js';

/** Batches as a replica's pipeline flushes them under load (up to 2,000 or what 200 ms gathered), digits-sized tensors. */
const SHAPE: AppendShape = { batch: 500, inputBytes: 256, outputBytes: 48 };
const ROOT = join(import.meta.dirname, '..');
const WRITER = join(ROOT, 'bench', 'capture-writer.ts');

/** One capture-writer.ts child: lines of its stdout in order, its stdin to start and to end it. */
class WriterProcess {
  private readonly lines: string[] = [];
  private partial = '';
  private stderr = '';
  private exited = false;
  private readonly waiters = new Set<() => void>();

  private constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      const parts = (this.partial + d.toString('utf8')).split('\n');
      this.partial = parts.pop() ?? '';
      this.lines.push(...parts);
      for (const w of this.waiters) w();
    });
    child.stderr?.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString('utf8')).slice(-2000)));
    child.once('exit', () => {
      this.exited = true;
      for (const w of this.waiters) w();
    });
  }

  static start(target: string, seconds: number, writer: string): WriterProcess {
    const args = ['--import', 'tsx', WRITER, target, String(seconds), String(SHAPE.batch), String(SHAPE.inputBytes), String(SHAPE.outputBytes), writer];
    return new WriterProcess(spawn(process.execPath, args, { cwd: ROOT, stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('capture writer did not start');
    return this.child.pid;
  }

  /** The n-th line it printed (0-based), once printed; bounded. */
  async line(n: number, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.lines.length <= n) {
      if (this.exited) throw new Error(`capture writer exited before line ${n + 1}:\n${this.stderr}`);
      if (Date.now() > deadline) throw new Error(`capture writer printed no line ${n + 1} within ${timeoutMs} ms:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const done = (): void => {
          this.waiters.delete(done);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(done, 200);
        this.waiters.add(done);
      });
    }
    return this.lines[n]!;
  }

  go(startAt: number): void {
    this.child.stdin?.write(`${startAt}\n`);
  }

  /** Closes its stdin and waits for it to exit (SIGKILL after 10 s). */
  async finish(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.stdin?.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

/** What a writer printed: its count, and how late it started (it was told the start time after it was ready). */
type WriterCount = AppendCount & { lateMs: number };

export interface RateRun {
  store: string;
  writers: number;
  rows: number;
  seconds: number;
  rowsPerSec: number;
  perWriter: WriterCount[];
  cpu: CpuShare;
}

/** `writers` processes append into `target` together for `seconds`; Postgres's processes are accounted by name. */
async function appendRate(store: string, target: string, writers: number, seconds: number, postgres: TestPostgres | undefined): Promise<RateRun> {
  const procs = Array.from({ length: writers }, (_, i) => WriterProcess.start(target, seconds, String(i + 1)));
  try {
    await Promise.all(procs.map((p) => p.line(0, 30_000)));
    // The writers' connections are open now: their backends are the postmaster's children.
    const probe = new CpuProbe(procs.map((p, i) => ({ label: `writer ${i + 1}`, pid: p.pid })), postgres ? processTree(postgres.pid, 'postgres') : []);
    const startAt = Date.now() + 300;
    for (const p of procs) p.go(startAt);
    await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
    probe.start();
    const counts = await Promise.all(procs.map(async (p) => JSON.parse(await p.line(1, (seconds + 60) * 1000)) as WriterCount));
    const cpu = probe.stop();
    const rows = counts.reduce((a, c) => a + c.rows, 0);
    // The slowest writer's time: a batch started before the end runs to completion.
    const elapsed = Math.max(...counts.map((c) => c.elapsedMs + c.lateMs)) / 1000;
    const run = { store, writers, rows, seconds: elapsed, rowsPerSec: rows / elapsed, perWriter: counts, cpu };
    console.log(`[cluster] captures into ${store}, ${writers} writer(s): ${Math.round(run.rowsPerSec)} rows/s (${rows} rows in ${elapsed.toFixed(2)} s)`);
    return run;
  } finally {
    await Promise.all(procs.map((p) => p.finish()));
  }
}

/** Creates the schema once, before writers open it together. */
async function migrated(postgres: TestPostgres): Promise<string> {
  const url = await postgres.createDatabase();
  await (await PostgresStore.open(url)).close();
  return url;
}

export async function measureCaptureRate(postgres: TestPostgres, seconds: number): Promise<SectionResult> {
  const runs: RateRun[] = [];
  const fast = await migrated(postgres);
  runs.push(await appendRate('Postgres, test settings (fsync off)', fast, 3, seconds, postgres));
  runs.push(await appendRate('Postgres, test settings (fsync off)', fast, 1, seconds, postgres));
  const durable = await startPostgres({ durable: true });
  try {
    const url = await migrated(durable);
    runs.push(await appendRate('Postgres, durable (fsync on)', url, 3, seconds, durable));
    runs.push(await appendRate('Postgres, durable (fsync on)', url, 1, seconds, durable));
  } finally {
    await durable.stop();
  }
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-captures-'));
  try {
    const file = join(dir, 'slipway.db');
    await new SqliteStore(file).close();
    runs.push(await appendRate('SQLite (WAL, synchronous=FULL)', file, 1, seconds, undefined));
    runs.push(await appendRate('SQLite (WAL, synchronous=FULL)', file, 3, seconds, undefined));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  const sqliteOne = runs.find((r) => r.store.startsWith('SQLite') && r.writers === 1)?.rowsPerSec ?? Number.NaN;
  const pct = (v: number): string => v.toFixed(0);
  const table: Table = {
    title: 'Cluster: capture rows/s into one Postgres from several writer processes, against SQLite',
    notes: [
      `Each writer is a process of its own with its own store (a Postgres pool, or a SQLite connection and writer thread), as a replica is, appending batches of ${SHAPE.batch} records (${SHAPE.inputBytes}-byte inputs, ${SHAPE.outputBytes}-byte outputs: a digits request) through LoopStore.appendCaptures — the call a replica's capture pipeline makes — for ${seconds} s, all starting at one instant. Postgres and the writers share this machine's 2 cores.`,
      'CPU: % of one core over the window: the writer processes, Postgres (postmaster and backends), others on this shared machine.',
    ],
    headers: ['store', 'writers', 'rows/s', 'rows/s per writer', '÷ SQLite, 1 process', 'CPU %: writers · postgres · others'],
    rows: runs.map((r) => [
      r.store, String(r.writers), fmtRate(r.rowsPerSec), r.perWriter.map((c) => fmtRate(c.rows / ((c.elapsedMs + c.lateMs) / 1000))).join(' / '),
      fmtRatio(r.rowsPerSec / sqliteOne),
      `${pct(r.cpu.serverMainPct + r.cpu.serverOtherPct)} · ${pct(r.cpu.outsidePct)} · ${pct(r.cpu.othersPct)}`,
    ]),
  };
  const rate = (store: string, writers: number): number => runs.find((r) => r.store.startsWith(store) && r.writers === writers)?.rowsPerSec ?? Number.NaN;
  const observations = [
    `cluster captures: three writers into one Postgres wrote ${fmtRatio(rate('Postgres, test', 3) / rate('Postgres, test', 1))} the rows/s of one with fsync off and ${fmtRatio(rate('Postgres, durable', 3) / rate('Postgres, durable', 1))} with it on; against SQLite from one process (${Math.round(sqliteOne)} rows/s), three Postgres writers are ${fmtRatio(rate('Postgres, test', 3) / sqliteOne)} (fsync off) and ${fmtRatio(rate('Postgres, durable', 3) / sqliteOne)} (durable).`,
  ];
  return { tables: [table], goals: [], observations, anomalies: [], data: { shape: SHAPE, seconds, runs } };
}
