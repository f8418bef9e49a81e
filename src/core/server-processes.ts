// How many server processes `slipway serve` runs on this host: the number configured, or with 'auto' one per core.

/**
 * The most processes 'auto' starts. Every process holds each deployed model (and its instances) in memory, while one
 * event loop already serves 15–25k small JSON requests a second here: beyond this a host is better served by naming
 * the number (or by more replicas behind a balancer) than by another copy of every model.
 */
export const AUTO_WORKERS_MAX = 8;

/**
 * One per core with 'auto': a Node process answers HTTP on one core, and on a host of small models that event loop,
 * not the model, bounds throughput (docs/CLUSTER.md). 1 means one process and no supervisor.
 */
export function serverProcesses(setting: number | 'auto', cores: number): number {
  if (setting !== 'auto') return setting;
  return Math.max(1, Math.min(AUTO_WORKERS_MAX, Math.floor(cores)));
}
