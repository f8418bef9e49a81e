// Where CPU time goes during a measurement window: the server's main thread vs its other threads, the load generator, everyone else (Linux /proc).

import { readdirSync, readFileSync } from 'node:fs';

/** CPU use over one window, in % of one core (2 saturated cores = 200%). */
export interface CpuShare {
  wallSec: number;
  /** The server process's main thread (its event loop: HTTP, parsing, routing, encoding). */
  serverMainPct: number;
  /** All other server threads: worker threads (model instances, decoders), onnxruntime pools, GC, libuv. */
  serverOtherPct: number;
  /** This bench process: the load generator (autocannon, gRPC client, open-loop client). */
  loadgenPct: number;
  /** The whole machine's busy time. */
  machineBusyPct: number;
  /** Busy time of processes that are neither the server nor the bench (other users of a shared machine). */
  othersPct: number;
  /** Time the hypervisor gave to other guests. */
  stealPct: number;
  cores: number;
}

const TICKS_PER_SEC = 100; // USER_HZ on Linux

interface Snapshot {
  at: number;
  main: number;
  other: number;
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

function snapshot(serverPid: number | undefined): Snapshot {
  let main = 0;
  let other = 0;
  if (serverPid !== undefined) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${serverPid}/task`);
    } catch {
      // server gone
    }
    for (const tid of tids) {
      if (tid === String(serverPid)) main += threadTicks(serverPid, tid);
      else other += threadTicks(serverPid, tid);
    }
  }
  const usage = process.cpuUsage();
  const m = machineTicks();
  // An external load generator (wrk) is a child that exits inside the window: its time lands in this process's
  // cutime + cstime when it is reaped, so the load generator is this process plus its finished children.
  const loadgenMicros = usage.user + usage.system + (reapedChildTicks() * 1e6) / TICKS_PER_SEC;
  return { at: performance.now(), main, other, loadgenMicros, machineBusy: m.busy, steal: m.steal, cores: m.cores };
}

/**
 * Samples at start() and stop(). Threads that exit inside the window lose their ticks (their time is then counted under "others"),
 * which is fine for servers whose threads live for the whole run.
 */
export class CpuProbe {
  private begin: Snapshot | undefined;

  constructor(private readonly serverPid: number | undefined) {}

  start(): void {
    this.begin = snapshot(this.serverPid);
  }

  stop(): CpuShare {
    const a = this.begin;
    if (!a) throw new Error('CpuProbe.stop() before start()');
    const b = snapshot(this.serverPid);
    const wallSec = (b.at - a.at) / 1000;
    const pct = (ticks: number): number => (100 * ticks) / TICKS_PER_SEC / wallSec;
    const serverMainPct = pct(b.main - a.main);
    const serverOtherPct = pct(b.other - a.other);
    const loadgenPct = (100 * (b.loadgenMicros - a.loadgenMicros)) / 1e6 / wallSec;
    const machineBusyPct = pct(b.machineBusy - a.machineBusy);
    return {
      wallSec,
      serverMainPct,
      serverOtherPct,
      loadgenPct,
      machineBusyPct,
      othersPct: Math.max(0, machineBusyPct - serverMainPct - serverOtherPct - loadgenPct),
      stealPct: pct(b.steal - a.steal),
      cores: b.cores,
    };
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
