// What a profile of a model version on one host is: the measured points, the trade-off front and the recommendations.

/** The runtime settings a profile varies; everything else keeps serving's defaults. Only the CPU provider exists here. */
export interface ProfileConfig {
  intraOpThreads: number;
  instances: number;
  /** 1: dynamic batching off. */
  maxBatchSize: number;
  maxQueueDelayMicros: number;
  /** Threads of a run that starts while another instance runs (RuntimeConfig.busyIntraOpThreads); absent: intraOpThreads. */
  busyIntraOpThreads?: number;
}

/** One configuration measured at one client concurrency (a closed loop: each client sends its next request on reply). */
export interface ProfilePoint {
  config: ProfileConfig;
  concurrency: number;
  requests: number;
  seconds: number;
  /** Inferences (rows) per second. */
  throughput: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** |p99 of the first half - p99 of the second half|: how stable the p99 was during the measurement. */
  spreadMs: number;
  meanBatchRows: number;
  /** Process CPU time over wall time, as a fraction of all the host's cores. */
  cpu: number;
  /** Resident memory of the measuring process after the point (the whole server: what a replica needs). */
  rssBytes: number;
  /**
   * Cores the config keeps busy at its peak (intra-op threads x instances, or one run's threads plus the busy threads of
   * the others), at most the host's: what a replica is billed and scheduled for.
   */
  coresUsed: number;
  costPerMillion: number;
}

/** A chosen point and why. */
export interface ProfileChoice {
  point: ProfilePoint;
  reason: string;
}

export interface CapacityPlan {
  targetRps: number;
  headroom: number;
  perReplicaRps: number;
  replicas: number;
  cpu: number;
  memoryMiB: number;
  deploymentYaml: string;
  hpaYaml: string;
}

export interface ProfileSettings {
  sloP99Ms: number;
  /** Seconds the search may spend; null when exhaustive. */
  budgetSeconds: number | null;
  exhaustive: boolean;
  /** USD per core-hour. */
  pricePerCoreHour: number;
  concurrency: number[];
  seed: number;
  minRequests: number;
  pointMillis: number;
  targetRps: number | null;
}

export interface ProfileReport {
  model: string;
  startedAt: string;
  finishedAt: string;
  /**
   * executionProviders: what a session could be created with here (probed); only 'cpu' is swept so far — an
   * accelerated provider found available is reported, and sweeping it is future work.
   */
  host: { cores: number; cpuModel: string; platform: string; executionProviders: string[]; unavailableProviders: { provider: string; reason: string }[] };
  settings: ProfileSettings;
  /** Where the request inputs came from. */
  input: 'golden' | 'random';
  /** Why dynamic batching was left out of the space, if it was. */
  batchingBlocker: string | null;
  space: { configs: number; measured: number };
  points: ProfilePoint[];
  /** Indexes into points of the Pareto front (throughput up, p99 down), by p99 ascending. */
  pareto: number[];
  meetsSlo: boolean;
  /** Highest throughput within the SLO (a simpler config wins within 5%); null when nothing meets it. */
  recommended: ProfileChoice | null;
  minLatency: ProfileChoice;
  /** Cheapest per million inferences within the SLO. */
  minCost: ProfileChoice | null;
  /** When nothing meets the SLO: the point with the lowest p99. */
  closest: ProfileChoice | null;
  suggestions: string[];
  capacity: CapacityPlan | null;
}

/** One line of a profile run's stream (POST …/profile answers them as JSON lines as the run goes). */
export type ProfileEvent =
  | { type: 'start'; model: string; configs: number; planned: number; cores: number; input: 'golden' | 'random'; batchingBlocker: string | null }
  | { type: 'config'; index: number; total: number; config: ProfileConfig }
  | { type: 'point'; point: ProfilePoint }
  | { type: 'report'; report: ProfileReport }
  | { type: 'error'; error: string };
