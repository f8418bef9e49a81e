// The cores this process may use: the CPUs it may run on, bounded by a container's CPU quota (cgroup v2 `cpu.max`,
// v1 `cpu.cfs_quota_us` / `cpu.cfs_period_us`), which Node's availableParallelism does not read.

import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

/** Cores a quota allows (rounded up: a quota of 1.5 cores can keep two threads busy part of the time); undefined: none set. */
export function quotaCores(cpuMax: string | undefined, v1Quota?: string, v1Period?: string): number | undefined {
  const fromPair = (quota: number, period: number): number | undefined =>
    Number.isFinite(quota) && Number.isFinite(period) && quota > 0 && period > 0 ? Math.max(1, Math.ceil(quota / period)) : undefined;
  if (cpuMax !== undefined) {
    const [quota, period] = cpuMax.trim().split(/\s+/);
    return quota === 'max' ? undefined : fromPair(Number(quota), Number(period ?? 100_000));
  }
  if (v1Quota !== undefined && v1Period !== undefined) return fromPair(Number(v1Quota.trim()), Number(v1Period.trim()));
  return undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

let cached: number | undefined;

/** This host's usable cores, read once: the CPUs this process may run on, at most what its cgroup's quota allows. */
export function usableCores(): number {
  cached ??= Math.min(
    availableParallelism(),
    quotaCores(read('/sys/fs/cgroup/cpu.max'), read('/sys/fs/cgroup/cpu/cpu.cfs_quota_us'), read('/sys/fs/cgroup/cpu/cpu.cfs_period_us')) ?? Infinity,
  );
  return cached;
}
