// Where CPU time goes during a measurement window: the server's main thread(s) vs its other threads, each named process
// (a primary and its workers, Postgres), the load generator, everyone else (Linux /proc).

import { readdirSync, readFileSync } from 'node:fs';

/** CPU use over one window, in % of one core (2 saturated cores = 200%). */
export interface CpuShare {
  wallSec: number;
  /** The server process's main thread (its event loop: HTTP, parsing, routing, encoding); summed over its processes. */
  serverMainPct: number;
  /** All other server threads: worker threads (model instances, decoders), onnxruntime pools, GC, libuv; summed over its processes. */
  serverOtherPct: number;
  /** This bench process: the load generator (autocannon, gRPC client, open-loop client). */
  loadgenPct: number;
  /** The whole machine's busy time. */
  machineBusyPct: number;
  /** The named processes outside the server (Postgres), together. */
  outsidePct: number;
  /** Busy time of processes that are neither the server, the named outside processes nor the bench (other users of a shared machine). */
  othersPct: number;
  /** Time the hypervisor gave to other guests. */
  stealPct: number;
  cores: number;
  /** Each named process given to the probe (the server's, then those outside it), when processes were given by name. */
  processes?: ProcessCpu[];
}

/** A process to account for by name: one of a server's processes, or one the server depends on (a Postgres backend). */
export interface NamedProcess {
  label: string;
  pid: number;
}

/** Processes outside the server to account by name: a list, or a function asked when the window starts. */
export type Outside = readonly NamedProcess[] | (() => NamedProcess[]);

/** One named process's CPU over the window, in % of one core. */
export interface ProcessCpu extends NamedProcess {
  mainPct: number;
  otherPct: number;
  /** Part of the server (its main and other threads count there) or outside it (taken out of "others"). */
  part: 'server' | 'outside';
}

const TICKS_PER_SEC = 100; // USER_HZ on Linux

interface Ticks {
  main: number;
  other: number;
}

interface Snapshot {
  at: number;
  /** Per pid of the server's and the outside processes. */
  processes: Map<number, Ticks>;
  loadgenMicros: number;
  machineBusy: number;
  steal: number;
  cores: number;
}

function threadTicks(pid: number, tid: string): number {
  try {
    const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]); // utime + stime
  } catch {
    return 0; // the thread ended between listing and reading
  }
}

/** CPU ticks of this process's children that have exited and been waited for (cutime + cstime). */
function reapedChildTicks(): number {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[13]) + Number(fields[14]);
}

function machineTicks(): { busy: number; steal: number; cores: number } {
  const lines = readFileSync('/proc/stat', 'utf8').split('\n');
  const total = (lines[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = total;
  return { busy: user + nice + system + irq + softirq, steal, cores: lines.filter((l) => /^cpu\d/.test(l)).length };
}

/** Undefined for a process that is gone (its time in the window is then lost, not counted negative). */
function processTicks(pid: number): Ticks | undefined {
  let main = 0;
  let other = 0;
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  for (const tid of tids) {
    if (tid === String(pid)) main += threadTicks(pid, tid);
    else other += threadTicks(pid, tid);
  }
  return { main, other };
}

/** A process and its children now (a Postgres postmaster and its backends), under one label. */
export function processTree(pid: number, label: string): NamedProcess[] {
  return [pid, ...childrenOf(pid)].map((p) => ({ label, pid: p }));
}

/** The processes whose parent is `pid` now. */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) out.push(Number(name));
    } catch {
      // it ended while listing
    }
  }
  return out;
}

function snapshot(pids: readonly number[]): Snapshot {
  const processes = new Map<number, Ticks>();
  for (const pid of pids) {
    const ticks = processTicks(pid);
    if (ticks) processes.set(pid, ticks);
  }
  const usage = process.cpuUsage();
  const m = machineTicks();
  // An external load generator (wrk) is a child that exits inside the window: its time lands in this process's
  // cutime + cstime when it is reaped, so the load generator is this process plus its finished children.
  const loadgenMicros = usage.user + usage.system + (reapedChildTicks() * 1e6) / TICKS_PER_SEC;
  return { at: performance.now(), processes, loadgenMicros, machineBusy: m.busy, steal: m.steal, cores: m.cores };
}

/**
 * Samples at start() and stop(). Threads (and outside processes) that exit inside the window lose their ticks (their time
 * is then counted under "others"), which is fine for servers whose threads live for the whole run.
 */
export class CpuProbe {
  private begin: Snapshot | undefined;
  private readonly server: readonly NamedProcess[];
  /** Whether processes were given by name (then each is reported). */
  private readonly named: boolean;
  private outside: readonly NamedProcess[] = [];

  /**
   * server: the server's process (a pid) or processes (a supervising primary and its workers: their main threads add
   * up to serverMainPct, their other threads to serverOtherPct); outside: processes the server depends on whose time
   * is not the machine's other users' (Postgres's postmaster and backends), reported by name and left out of "others";
   * a function is asked at start(), for processes that come and go (a backend per pooled connection).
   */
  constructor(server: number | readonly NamedProcess[] | undefined, private readonly outsideNow: Outside = []) {
    this.server = server === undefined ? [] : typeof server === 'number' ? [{ label: 'server', pid: server }] : server;
    this.named = typeof server === 'object' || typeof outsideNow === 'function' || outsideNow.length > 0;
  }

  start(): void {
    this.outside = typeof this.outsideNow === 'function' ? this.outsideNow() : this.outsideNow;
    this.begin = snapshot(this.pids());
  }

  stop(): CpuShare {
    const a = this.begin;
    if (!a) throw new Error('CpuProbe.stop() before start()');
    const b = snapshot(this.pids());
    const wallSec = (b.at - a.at) / 1000;
    const pct = (ticks: number): number => (100 * ticks) / TICKS_PER_SEC / wallSec;
    const of = (p: NamedProcess, part: ProcessCpu['part']): ProcessCpu => {
      const before = a.processes.get(p.pid) ?? { main: 0, other: 0 };
      const after = b.processes.get(p.pid) ?? before;
      return { ...p, part, mainPct: pct(after.main - before.main), otherPct: pct(after.other - before.other) };
    };
    const processes = [...this.server.map((p) => of(p, 'server')), ...this.outside.map((p) => of(p, 'outside'))];
    const sum = (list: ProcessCpu[], f: (p: ProcessCpu) => number): number => list.reduce((t, p) => t + f(p), 0);
    const serving = processes.filter((p) => p.part === 'server');
    const serverMainPct = sum(serving, (p) => p.mainPct);
    const serverOtherPct = sum(serving, (p) => p.otherPct);
    const outsidePct = sum(processes.filter((p) => p.part === 'outside'), (p) => p.mainPct + p.otherPct);
    const loadgenPct = (100 * (b.loadgenMicros - a.loadgenMicros)) / 1e6 / wallSec;
    const machineBusyPct = pct(b.machineBusy - a.machineBusy);
    return {
      wallSec,
      serverMainPct,
      serverOtherPct,
      loadgenPct,
      machineBusyPct,
      outsidePct,
      othersPct: Math.max(0, machineBusyPct - serverMainPct - serverOtherPct - loadgenPct - outsidePct),
      stealPct: pct(b.steal - a.steal),
      cores: b.cores,
      ...(this.named ? { processes } : {}),
    };
  }

  private pids(): number[] {
    return [...this.server, ...this.outside].map((p) => p.pid);
  }
}

/** Other processes' CPU (% of one core) from which a window counts as disturbed. */
export const DISTURBED_PCT = 25;

/** "" or " ⚠ disturbed (other processes used 80% / 30% of a core)" for the windows given (undefined: not observed). */
export function disturbance(...shares: (CpuShare | undefined)[]): string {
  const others = shares.filter((s): s is CpuShare => s !== undefined).map((s) => s.othersPct);
  return others.some((p) => p >= DISTURBED_PCT) ? ` ⚠ disturbed (other processes used ${others.map((p) => `${p.toFixed(0)}%`).join(' / ')} of a core)` : '';
}

/** "main 98% | other 45% | loadgen 60% | others 3% | steal 0%" */
export function describeCpu(c: CpuShare | undefined): string {
  if (!c) return '';
  const p = (v: number): string => `${v.toFixed(0)}%`;
  return `main ${p(c.serverMainPct)} · other ${p(c.serverOtherPct)} · loadgen ${p(c.loadgenPct)} · others ${p(c.othersPct)}${c.stealPct >= 1 ? ` · steal ${p(c.stealPct)}` : ''}`;
}
