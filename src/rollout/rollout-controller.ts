// Runs rollouts: starts them (after the validation check), ticks their gates, moves traffic, rolls back, persists
// every transition and resumes active rollouts after a restart.

import { randomUUID } from 'node:crypto';
import type { EndpointSpec, VariantSpec } from '../core/endpoint-spec.js';
import { formatVersionId } from '../core/endpoint-spec.js';
import { diffSpecs } from '../core/endpoint-diff.js';
import { ConflictError, NotFoundError } from '../core/errors.js';
import type { ModelRef } from '../core/model-ref.js';
import { formatModelRef } from '../core/model-ref.js';
import type { Gate, RolloutPolicy, RolloutStrategy } from '../core/rollout-policy.js';
import { checkSteps, DEFAULT_POLICY, formatGate } from '../core/rollout-policy.js';
import type { RuntimeConfig } from '../core/runtime-config.js';
import { resolveRuntimeConfig } from '../core/runtime-config.js';
import type { Registry } from '../registry/registry.js';
import type { EndpointManager } from '../serving/endpoint-manager.js';
import type { Store } from '../store/store.js';
import { pauseAt } from '../core/test-pause.js';
import { mergeReplicaWindows, ratesOf, rolloutStepKey, type WindowCounts } from '../core/window-counts.js';
import { judge, type WindowNumbers } from './gate-verdict.js';
import type { Command, RolloutState, Transition } from './rollout-machine.js';
import { candidateShare, command, isActive, specFor, tick } from './rollout-machine.js';
import { openStep, recordTransition, summaryOf, timelineOf, withSample, type RolloutSummary, type RolloutTimeline } from './rollout-timeline.js';

const TICK_MS = 250;
/** Gate samples taken between transitions are saved at most this often (transitions save at once). */
const SAMPLE_SAVE_MS = 5000;
/**
 * How often every replica publishes its windows of endpoints in a rollout (the holder merges what is published): each
 * tick, so a short bake sees the other replicas' traffic; one small upsert per replica, and only during a rollout.
 */
const PUBLISH_MS = TICK_MS;

/** This replica in the cluster: its id (rows it published are replaced by its live counts) and its duty. */
export interface RolloutReplica {
  id: string;
  /**
   * Whether this replica holds the rollout duty (duty-leases.ts): only the holder ticks gates and moves traffic;
   * every replica follows the stored rollouts, so starts and commands work through any of them.
   */
  holdsDuty: () => boolean;
}

export interface StartRollout {
  endpoint: string;
  to: ModelRef;
  strategy?: RolloutStrategy;
  steps?: number[];
  bakeMs?: number;
  gates?: Gate[];
  graceMs?: number;
  runtime?: Partial<RuntimeConfig>;
  /** Start even though the version's validation failed (or never ran); recorded with `reason`. */
  force?: boolean;
  reason?: string;
  actor: string;
}

export class RolloutController {
  private readonly active = new Map<string, RolloutState>();
  private readonly busy = new Set<string>();
  private readonly starting = new Set<string>();
  /** When each rollout's samples were last saved (by id). */
  private readonly samplesSaved = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;
  private publishedAt = 0;

  constructor(
    private readonly store: Store,
    private readonly endpoints: EndpointManager,
    private readonly registry: Registry,
    private readonly log: (details: object, message: string) => void,
    private readonly replica: RolloutReplica = { id: 'local', holdsDuty: () => true },
  ) {}

  private holdsDuty(): boolean {
    return this.replica.holdsDuty();
  }

  /** Resumes rollouts that were active when the server stopped: same step, same weights, a fresh bake window. */
  async restore(): Promise<void> {
    for (const state of await this.store.activeRollouts()) {
      // Another replica holds the duty: it resumes the rollout; this one follows it from the store.
      if (!this.holdsDuty()) continue;
      const resumed: RolloutState = { ...state, stepStartedAt: Date.now(), ...(state.status === 'paused' ? { pausedAt: Date.now() } : {}) };
      try {
        // The spec is saved before the state; re-applying the state's spec is a no-op unless a crash fell between them.
        await this.endpoints.apply(specFor(resumed), { actor: 'slipway', reason: `rollout ${state.id}: resumed after a restart` });
        this.endpoints.resetWindows(state.endpoint, rolloutStepKey(resumed));
        this.active.set(state.endpoint, resumed);
        await this.store.saveRollout(resumed);
      } catch (err) {
        this.log({ rollout: state.id, err: (err as Error).message }, 'could not resume rollout');
      }
    }
    this.ensureTimer();
  }

  async start(req: StartRollout): Promise<RolloutState> {
    if (this.active.has(req.endpoint)) {
      throw new ConflictError(`endpoint "${req.endpoint}" already has an active rollout (${this.active.get(req.endpoint)!.id}); promote, abort or wait for it first`);
    }
    // Claimed before the first await: two starts at once (a person and a retraining job) must not both pass the check.
    if (this.starting.has(req.endpoint)) throw new ConflictError(`endpoint "${req.endpoint}" has a rollout starting; wait for it, then promote or abort it`);
    this.starting.add(req.endpoint);
    try {
      return await this.startNow(req);
    } finally {
      this.starting.delete(req.endpoint);
    }
  }

  private async startNow(req: StartRollout): Promise<RolloutState> {
    const status = this.endpoints.status(req.endpoint);
    if (status.state !== 'ready') throw new ConflictError(`endpoint "${req.endpoint}" is ${status.state}; a rollout needs it ready`);
    const base = status.record.spec;
    const stable = [...base.variants].filter((v) => !v.shadow).sort((a, b) => b.weight - a.weight)[0]!;
    const version = await this.registry.resolve(req.to);
    if (formatVersionId(version) === formatVersionId(stable.model) && req.runtime === undefined) {
      throw new ConflictError(`endpoint "${req.endpoint}" already serves ${formatVersionId(version)}`);
    }
    const report = await this.store.getValidationReport(version.name, version.version);
    const forced = req.force === true;
    if (!forced && (!report || !report.passed)) {
      const why = !report
        ? 'has no validation report (run "slipway validate")'
        : `failed validation (${report.tests.filter((t) => !t.passed).map((t) => `${t.name}: ${t.detail}`).join('; ')})`;
      throw new ConflictError(`model version ${formatVersionId(version)} ${why}; fix it, or pass --force with a --reason to roll it out anyway`);
    }
    if (forced && !req.reason) throw new ConflictError('a forced rollout needs a reason (--reason), kept in the endpoint history');
    const policy = this.policyFor(base, req);
    let name = `${version.name}-${version.version}`;
    while (base.variants.some((v) => v.name === name)) name = `${name}-next`;
    const candidate: VariantSpec = {
      name, model: { name: version.name, version: version.version }, ref: formatModelRef(req.to),
      weight: 0, shadow: false, runtime: resolveRuntimeConfig(req.runtime, resolveRuntimeConfig(stable.runtime)),
    };
    const now = Date.now();
    const begun: RolloutState = {
      id: randomUUID().slice(0, 8), endpoint: req.endpoint, policy, base, stable, candidate, phase: 'steps', stepIndex: 0,
      stepStartedAt: now, pausedAt: null, status: 'running', reason: forced ? `forced by ${req.actor}: ${req.reason}` : null,
      lastResults: [], actor: req.actor, startedAt: now, finishedAt: null,
    };
    const state: RolloutState = { ...begun, steps: [openStep(begun, now)] };
    const summary = `${policy.strategy} to ${formatVersionId(version)}${policy.strategy === 'canary' ? ` steps ${policy.steps.join(',')}%` : ''}, bake ${policy.bakeMs / 1000}s, gates ${policy.gates.map(formatGate).join(' ') || 'none'}`;
    // The state is stored before the spec it serves: a crash between the two leaves a rollout that restore() resumes by
    // applying its spec. The other order would leave the candidate taking traffic with no rollout to judge or end it.
    await this.store.saveRollout(state);
    await pauseAt('rollout:start-between-writes');
    try {
      await this.endpoints.apply(specFor(state), {
        actor: req.actor,
        reason: `rollout ${state.id} started: ${summary}${forced ? ` (validation overridden: ${req.reason})` : ''}`,
        details: { rollout: state.id, forced, validation: report ?? null },
      });
    } catch (err) {
      const reason = `could not start: ${(err as Error).message}`;
      const ended = Date.now();
      await this.store.saveRollout(recordTransition(state, { ...state, status: 'aborted', finishedAt: ended, reason }, 'rollout-abort', reason, [], ended));
      throw err;
    }
    this.endpoints.resetWindows(req.endpoint, rolloutStepKey(state));
    this.active.set(req.endpoint, state);
    this.ensureTimer();
    return state;
  }

  /** The active rollout of an endpoint, else its latest one. */
  async current(endpoint: string): Promise<RolloutState> {
    const state = this.active.get(endpoint) ?? (await this.store.latestRollout(endpoint));
    if (!state) throw new NotFoundError(`endpoint "${endpoint}" has had no rollout`);
    return state;
  }

  /** The endpoint's rollouts, newest first, as summaries. */
  async list(endpoint: string, limit: number): Promise<RolloutSummary[]> {
    const stored = await this.store.rollouts(endpoint, limit);
    // The active one as this replica has it: its latest samples may not be saved yet.
    return stored.map((s) => summaryOf(this.active.get(endpoint)?.id === s.id ? this.active.get(endpoint)! : s));
  }

  /** One rollout's timeline: the active (or latest) one, or the one of this id; NotFoundError otherwise. */
  async timeline(endpoint: string, id?: string): Promise<RolloutTimeline> {
    if (id === undefined) return timelineOf(await this.current(endpoint));
    const mine = this.active.get(endpoint);
    const state = mine?.id === id ? mine : await this.store.rollout(id);
    if (!state || state.endpoint !== endpoint) throw new NotFoundError(`endpoint "${endpoint}" has no rollout "${id}"`);
    return timelineOf(state);
  }

  async command(endpoint: string, cmd: Command, actor: string): Promise<RolloutState> {
    if (!this.active.has(endpoint)) {
      const last = await this.store.latestRollout(endpoint);
      throw new ConflictError(`endpoint "${endpoint}" has no active rollout${last ? ` (the last one, ${last.id}, ${last.status.replace('_', ' ')})` : ''}`);
    }
    // A tick in progress finishes first, so the command applies to the state it left.
    while (this.busy.has(endpoint)) await new Promise((r) => setTimeout(r, 10));
    const latest = this.active.get(endpoint);
    if (!latest) return this.current(endpoint).then((s) => command(s, cmd, Date.now(), actor));
    this.busy.add(endpoint);
    try {
      const next = command(latest, cmd, Date.now(), actor);
      return await this.transition(latest, next, `rollout-${cmd}`, actor, next.reason ?? `${cmd} by ${actor}`);
    } finally {
      this.busy.delete(endpoint);
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private policyFor(base: EndpointSpec, req: StartRollout): RolloutPolicy {
    const defaults = base.rollout ?? DEFAULT_POLICY;
    const strategy = req.strategy ?? defaults.strategy;
    return {
      strategy,
      steps: checkSteps(strategy, req.steps ?? defaults.steps),
      bakeMs: req.bakeMs ?? defaults.bakeMs,
      gates: req.gates ?? defaults.gates,
      graceMs: req.graceMs ?? defaults.graceMs,
    };
  }

  private ensureTimer(): void {
    if (this.timer) return;
    // Runs while the server runs: rollouts started or changed by another replica are found in the store.
    this.timer = setInterval(() => void this.tickAll(), TICK_MS);
    this.timer.unref();
  }

  private async tickAll(): Promise<void> {
    // One pass at a time: following the store and ticking never interleave with the previous pass.
    if (this.ticking) return;
    this.ticking = true;
    try {
      await this.tickAllNow();
    } finally {
      this.ticking = false;
    }
  }

  private async tickAllNow(): Promise<void> {
    try {
      await this.follow();
    } catch (err) {
      this.log({ err: (err as Error).message }, 'could not read active rollouts');
      return;
    }
    await this.publish();
    if (!this.holdsDuty()) return;
    await Promise.all([...this.active.values()].map((s) => this.tickOne(s)));
  }

  /**
   * Takes what the store says of active rollouts where it differs from what this replica has (another replica started,
   * commanded, advanced or ended one): the stored state wins; one newly taken starts a fresh bake window here.
   */
  private async follow(): Promise<void> {
    const stored = await this.store.activeRollouts();
    const ids = new Set(stored.map((s) => s.id));
    for (const state of stored) {
      if (this.busy.has(state.endpoint) || this.starting.has(state.endpoint)) continue;
      const mine = this.active.get(state.endpoint);
      if (mine && sameStep(mine, state)) {
        // A replica that does not tick shows the step records and results the ticking one saved.
        if (!this.holdsDuty()) this.active.set(state.endpoint, { ...mine, lastResults: state.lastResults, ...(state.steps ? { steps: state.steps } : {}) });
        continue;
      }
      // A step this replica has not counted yet (another replica started or advanced it): a fresh window with its key.
      if (!mine || rolloutStepKey(mine) !== rolloutStepKey(state)) this.endpoints.resetWindows(state.endpoint, rolloutStepKey(state));
      this.active.set(state.endpoint, mine?.id === state.id && mine.stepIndex === state.stepIndex && mine.phase === state.phase
        ? { ...state, stepStartedAt: mine.stepStartedAt }
        : { ...state, stepStartedAt: Date.now() });
    }
    for (const [endpoint, mine] of this.active) {
      if (!ids.has(mine.id) && !this.busy.has(endpoint) && !this.starting.has(endpoint)) this.active.delete(endpoint);
    }
  }

  private async tickOne(state: RolloutState): Promise<void> {
    if (this.busy.has(state.endpoint) || state.status !== 'running') return;
    this.busy.add(state.endpoint);
    try {
      const merged = await this.mergedWindows(state);
      const numbers = (name: string): WindowNumbers | null => {
        const counts = merged.get(name);
        return counts ? ratesOf(counts) : null;
      };
      const candidate = numbers(state.candidate.name);
      if (!candidate) return;
      const verdict = judge(state.policy.gates, candidate, numbers(state.stable.name));
      const now = Date.now();
      const t: Transition = tick(state, now, verdict);
      if (t.kind === 'none') {
        const { state: sampled, sampled: added } = withSample({ ...state, lastResults: verdict.results }, now, verdict.results);
        this.active.set(state.endpoint, sampled);
        // Saved now and then, so a restart or another replica shows the samples too; the transition saves the rest.
        if (added && now - (this.samplesSaved.get(state.id) ?? 0) >= SAMPLE_SAVE_MS) {
          this.samplesSaved.set(state.id, now);
          await this.store.saveRollout(sampled);
        }
        return;
      }
      const share = candidateShare(t.to);
      const reason = t.kind === 'advance'
        ? `gates passed at ${candidateShare(state)}%: ${describeResults(t.results)}; now ${share}%`
        : `${t.to.reason}${t.results.length ? ` (${describeResults(t.results)})` : ''}`;
      // The values decided on are the step's last sample.
      const decided = withSample(state, now, verdict.results, true).state;
      await this.transition(decided, t.to, `rollout-${t.kind}`, 'slipway', reason, t.results);
    } catch (err) {
      this.log({ rollout: state.id, err: (err as Error).message }, 'rollout tick failed');
    } finally {
      this.busy.delete(state.endpoint);
    }
  }

  /**
   * Each variant's counts in the current step over every replica: the rows replicas published for the step's key,
   * this replica's own live counts in place of its row.
   */
  private async mergedWindows(state: RolloutState): Promise<Map<string, WindowCounts>> {
    const key = rolloutStepKey(state);
    const local = this.endpoints.windowCounts(state.endpoint);
    const published = await this.store.publishedWindows(state.endpoint);
    return mergeReplicaWindows(published, key, this.replica.id, local?.key === key ? local.variants : new Map());
  }

  /** Publishes this replica's windows of endpoints in a rollout, at most every PUBLISH_MS. */
  private async publish(): Promise<void> {
    if (this.active.size === 0 || Date.now() - this.publishedAt < PUBLISH_MS) return;
    this.publishedAt = Date.now();
    const rows = [...this.active.keys()].flatMap((endpoint) => {
      const w = this.endpoints.windowCounts(endpoint);
      return w && w.key !== '' ? [...w.variants].map(([variant, counts]) => ({ endpoint, variant, key: w.key, counts })) : [];
    });
    try {
      await this.store.publishWindows(this.replica.id, rows);
    } catch (err) {
      this.log({ err: (err as Error).message }, 'could not publish rollout windows');
    }
  }

  /** Flushes this replica's windows now (a replica about to stop: what it counted still counts in the gate). */
  async flushWindows(): Promise<void> {
    this.publishedAt = 0;
    await this.publish();
  }

  /**
   * Whether the store already holds this spec: a duty holder that died between storing a step's spec and saving the
   * step (kill -9, a lost machine) left it there, and its event in the history; the holder that took over saves the
   * state without applying (and recording) the step a second time.
   */
  private async alreadyStored(spec: EndpointSpec): Promise<boolean> {
    const stored = await this.store.getEndpoint(spec.name);
    return stored !== undefined && diffSpecs(stored.spec, spec).length === 0;
  }

  /**
   * Serves the new state's spec, starts a fresh window for the new step, persists (with the step records: the ended
   * step's decision, a new step's record), records the event, and returns the state as saved.
   */
  private async transition(from: RolloutState, next: RolloutState, action: string, actor: string, reason: string, results = next.lastResults): Promise<RolloutState> {
    const to = recordTransition(from, next, action, reason, results, Date.now());
    const details = { rollout: to.id, status: to.status, step: to.stepIndex + 1, share: candidateShare(to), gates: results };
    const specChanges = JSON.stringify(specFor(from)) !== JSON.stringify(specFor(to));
    if (specChanges) {
      if (!(await this.alreadyStored(specFor(to)))) await this.endpoints.apply(specFor(to), { actor, reason: `rollout ${to.id}: ${reason}`, details });
    } else await this.store.recordEndpointEvent(to.endpoint, action, { actor, reason: `rollout ${to.id}: ${reason}`, details });
    if (to.stepIndex !== from.stepIndex || to.phase !== from.phase) this.endpoints.resetWindows(to.endpoint, rolloutStepKey(to));
    await pauseAt('rollout:step-between-writes');
    await this.store.saveRollout(to);
    if (isActive(to)) this.active.set(to.endpoint, to);
    else {
      this.active.delete(to.endpoint);
      this.samplesSaved.delete(to.id);
    }
    return to;
  }
}

/** Same rollout at the same point: what a tick's own bookkeeping (last results) does not change. */
function sameStep(a: RolloutState, b: RolloutState): boolean {
  return a.id === b.id && a.status === b.status && a.stepIndex === b.stepIndex && a.phase === b.phase && a.pausedAt === b.pausedAt;
}

function describeResults(results: RolloutState['lastResults']): string {
  return results.map((r) => `${r.gate.replace(/[<>=]+.*/, '')}=${r.value ?? 'n/a'}`).join(', ');
}
