// Samples a process's resident memory and open file descriptors from /proc (Linux), on a timer, until stopped.

import { readdirSync, readFileSync } from 'node:fs';
import type { Sample } from './slope.js';

/** RSS in MB from /proc/PID/status, or undefined when the process is gone. */
export function rssMb(pid: number): number | undefined {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Open file descriptors of the process (entries of /proc/PID/fd), or undefined when it is gone. */
export function openFds(pid: number): number | undefined {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return undefined;
  }
}

export class ProcSampler {
  readonly rss: Sample[] = [];
  readonly fds: Sample[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(readonly pid: number, intervalMs: number) {
    this.sample();
    this.timer = setInterval(() => this.sample(), intervalMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private sample(): void {
    const t = Date.now();
    const rss = rssMb(this.pid);
    const fds = openFds(this.pid);
    if (rss !== undefined) this.rss.push({ t, value: rss });
    if (fds !== undefined) this.fds.push({ t, value: fds });
  }
}
