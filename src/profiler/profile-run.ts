// One profile of a model version on this host: plan the search, measure, recommend, store the report.

import { cpus, platform, totalmem } from 'node:os';
import { usableCores } from '../core/usable-cores.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { InvalidInputError } from '../core/errors.js';
import type { ModelVersion } from '../core/model-version.js';
import type { ProfileConfig, ProfileEvent, ProfilePoint, ProfileReport, ProfileSettings } from '../core/profile-report.js';

export type { ProfileEvent };
import type { Registry } from '../registry/registry.js';
import { DEFAULT_RUNTIME } from '../core/runtime-config.js';
import { pickForHost } from '../runtime/host-timing.js';
import { probeProviders, type ProviderProbe } from '../runtime/provider-probe.js';
import type { RunnerLoader } from '../runtime/runner-loader.js';
import { batchingBlocker } from '../runtime/batch-plan.js';
import type { Store } from '../store/store.js';
import { capacityPlan } from './capacity.js';
import { measureConfig, requestMaker } from './measure.js';
import { DEFAULT_PRICE_PER_CORE_HOUR, paretoFront, recommend } from './recommend.js';
import { buildSearchSpace, busyThreadsIn, configsForBudget, DEFAULT_CONCURRENCY, enumerateConfigs, searchConfigs, type SearchSpace } from './search-space.js';

export interface ProfileRequest {
  sloP99Ms: number;
  budgetSeconds?: number;
  exhaustive?: boolean;
  pricePerCoreHour?: number;
  targetRps?: number;
  concurrency?: number[];
  seed?: number;
  minRequests?: number;
  pointMillis?: number;
}


export interface ProfileDeps {
  registry: Pick<Registry, 'artifacts'>;
  /** Loads the version's model for each config and each provider probe, as serving does. */
  runners: RunnerLoader;
  store: Pick<Store, 'saveProfileReport'>;
}

/** 2 minutes by default: about twenty configs at three concurrencies with the default point length. */
export const DEFAULT_BUDGET_SECONDS = 120;

export function profileSettings(request: ProfileRequest): ProfileSettings {
  const positive = (v: number | undefined, field: string, fallback: number): number => {
    const n = v ?? fallback;
    if (!Number.isFinite(n) || n <= 0) throw new InvalidInputError(`${field}: expected a positive number, got ${n}`);
    return n;
  };
  const concurrency = request.concurrency ?? [...DEFAULT_CONCURRENCY];
  if (concurrency.length === 0 || concurrency.some((c) => !Number.isInteger(c) || c < 1 || c > 256)) {
    throw new InvalidInputError(`concurrency: expected integers from 1 to 256, got ${JSON.stringify(concurrency)}`);
  }
  return {
    sloP99Ms: positive(request.sloP99Ms, 'sloP99Ms', 0),
    budgetSeconds: request.exhaustive ? null : positive(request.budgetSeconds, 'budgetSeconds', DEFAULT_BUDGET_SECONDS),
    exhaustive: request.exhaustive ?? false,
    pricePerCoreHour: positive(request.pricePerCoreHour, 'pricePerCoreHour', DEFAULT_PRICE_PER_CORE_HOUR),
    concurrency: [...new Set(concurrency)].sort((a, b) => a - b),
    seed: Math.trunc(request.seed ?? 1),
    minRequests: Math.trunc(positive(request.minRequests, 'minRequests', 300)),
    pointMillis: positive(request.pointMillis, 'pointMillis', 1000),
    targetRps: request.targetRps === undefined ? null : positive(request.targetRps, 'targetRps', 0),
  };
}

/** Pure: the report from measured points. */
export function buildReport(
  model: string, startedAt: string, settings: ProfileSettings, cores: number, points: ProfilePoint[], configs: number,
  extra: { input: 'golden' | 'random'; batchingBlocker: string | null; cpuModel: string; platform: string; providers: ProviderProbe },
): ProfileReport {
  const r = recommend(points, settings.sloP99Ms, cores);
  const pick = r.recommended ?? r.closest;
  return {
    model, startedAt, finishedAt: new Date().toISOString(),
    host: {
      cores, cpuModel: extra.cpuModel, platform: extra.platform,
      executionProviders: extra.providers.available, unavailableProviders: extra.providers.unavailable,
    },
    settings, input: extra.input, batchingBlocker: extra.batchingBlocker,
    space: { configs, measured: new Set(points.map((p) => JSON.stringify(p.config))).size },
    points, pareto: paretoFront(points),
    ...r,
    capacity: settings.targetRps !== null && pick ? capacityPlan(pick.point, settings.targetRps, model.split(':')[0]!) : null,
  };
}

/** Profiles a version and stores the report on it. Progress goes to onEvent as it happens. */
export async function profileVersion(
  version: ModelVersion, request: ProfileRequest, deps: ProfileDeps, onEvent: (event: ProfileEvent) => void, signal?: AbortSignal,
): Promise<ProfileReport> {
  const settings = profileSettings(request);
  const startedAt = new Date().toISOString();
  // The budget counts from here: loading the inputs, probing providers and timing the start are part of it.
  const deadline = settings.exhaustive ? undefined : Date.now() + settings.budgetSeconds! * 1000;
  const label = `${formatVersionId(version)} (profile)`;
  const cores = usableCores();
  const blocker = batchingBlocker(version.signature) ?? null;
  const busySessions = deps.runners.factory.takesBusyThreads(version.format) ? { hostBytes: totalmem(), modelBytes: version.size } : undefined;
  const space = buildSearchSpace(cores, blocker === null, settings.concurrency, busySessions);
  const configs = enumerateConfigs(space).length;
  const planned = settings.exhaustive ? configs : Math.min(configs, configsForBudget(settings.budgetSeconds! * 1000, settings.concurrency.length, settings.pointMillis));
  const maker = await requestMaker(version, deps.registry);
  const providers = await probeProviders(deps.runners, version, label);
  const start = settings.exhaustive ? undefined : await startConfig(deps.runners, version, blocker ?? undefined, label, space);
  onEvent({ type: 'start', model: formatVersionId(version), configs, planned, cores, input: maker.input, batchingBlocker: blocker });
  const points = await searchConfigs(space, {
    sloP99Ms: settings.sloP99Ms, exhaustive: settings.exhaustive, maxConfigs: planned, seed: settings.seed,
    ...(deadline !== undefined ? { deadline } : {}), ...(start ? { start } : {}),
  }, async (config, index, total) => {
    if (signal?.aborted) throw new InvalidInputError('profile cancelled: the client went away');
    onEvent({ type: 'config', index, total, config });
    return measureConfig(deps.runners, version, config, label, maker, { ...settings, cores, ...(signal ? { signal } : {}) }, (point) => onEvent({ type: 'point', point }));
  });
  const report = buildReport(formatVersionId(version), startedAt, settings, cores, points, configs, {
    input: maker.input, batchingBlocker: blocker, cpuModel: cpus()[0]?.model ?? 'unknown', platform: `${platform()} ${process.arch}`, providers,
  });
  await deps.store.saveProfileReport(version.name, version.version, report);
  onEvent({ type: 'report', report });
  return report;
}

/**
 * Where a budgeted search starts: what a deploy without runtime flags would run here (the `auto` pick), as the nearest
 * config of the space — so the profile measures the default first and climbs from it (threads for a slow model).
 */
async function startConfig(
  runners: RunnerLoader, version: ModelVersion, blocker: string | undefined, label: string, space: SearchSpace,
): Promise<ProfileConfig> {
  const { pick, kept } = await pickForHost(runners, version, DEFAULT_RUNTIME, blocker, label);
  await kept?.dispose();
  const r = pick.runtime;
  const nearest = (list: readonly number[], value: number): number => list.reduce((a, b) => (Math.abs(b - value) < Math.abs(a - value) ? b : a));
  const sizes = [...new Set(space.batching.map((b) => b.maxBatchSize))];
  const config: ProfileConfig = {
    intraOpThreads: nearest(space.intraOpThreads, r.intraOpThreads),
    instances: nearest(space.instances, r.instances),
    maxBatchSize: nearest(sizes, r.maxBatchSize),
    maxQueueDelayMicros: 0,
  };
  // The pick's fewer threads beside another run, when the space has that shape with those threads.
  const busy = r.busyIntraOpThreads > 0 && busyThreadsIn(space, config) === r.busyIntraOpThreads;
  return busy ? { ...config, busyIntraOpThreads: r.busyIntraOpThreads } : config;
}
