// The store contract suite: every Store and LoopStore method, with the edge cases callers rely on (store.ts and
// loop-store.ts say what they are), run against any implementation a test file hands it — SQLite and Postgres.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BaselineProfile } from '../src/core/baseline.js';
import type { CaptureRecord } from '../src/core/capture-config.js';
import type { FeatureHistogram } from '../src/core/histogram.js';
import type { EndpointSpec, VariantSpec } from '../src/core/endpoint-spec.js';
import { DEFAULT_ROUTING } from '../src/core/endpoint-spec.js';
import { ConflictError, NotFoundError } from '../src/core/errors.js';
import type { ProfileReport } from '../src/core/profile-report.js';
import { DEFAULT_POLICY } from '../src/core/rollout-policy.js';
import type { RolloutState } from '../src/core/rollout-state.js';
import { DEFAULT_RUNTIME } from '../src/core/runtime-config.js';
import type { ValidationReport } from '../src/core/validation.js';
import type { WindowCounts } from '../src/core/window-counts.js';
import { scanCaptures } from '../src/store/scan-captures.js';
import type { LabelledCursor } from '../src/store/loop-store.js';
import type { NewModelVersion, Store } from '../src/store/store.js';
import type { NewAccessToken } from '../src/core/access-token.js';

export interface StoreUnderTest {
  store: Store;
  /** Closes the store (if the test left it open) and removes what it made. */
  cleanup: () => Promise<void>;
}

/** A version draft of model `name` with artifact `sha256` and package files of these hashes. */
export function versionDraft(name: string, sha256 = `sha-${name}`, files: string[] = []): NewModelVersion {
  return {
    name, description: `${name} for the contract`, task: 'classification', format: 'onnx', sha256, size: 4,
    signature: { inputs: [{ name: 'x', datatype: 'FP32', shape: [-1, 2] }], outputs: [{ name: 'y', datatype: 'INT64', shape: [-1] }] },
    manifest: { name, description: '', model: 'model.onnx', task: 'classification', tests: [] },
    files: files.map((sha, i) => ({ path: `file-${i}`, sha256: sha, size: 1 })),
  };
}

function variant(name: string, model: string, version: number, weight = 100): VariantSpec {
  return { name, model: { name: model, version }, ref: `${model}:${version}`, weight, shadow: false, runtime: DEFAULT_RUNTIME };
}

function endpointSpec(name: string, ...variants: VariantSpec[]): EndpointSpec {
  return { name, variants, routing: DEFAULT_ROUTING };
}

function capture(i: number, over: Partial<CaptureRecord> = {}): CaptureRecord {
  return {
    endpoint: 'e', requestId: `r${i}`, time: 1_000 + i, variant: 'primary', model: 'm', version: 1, status: 'ok',
    latencyMs: 1, rows: 2, inputs: new Uint8Array(10).fill(i % 256), outputs: new Uint8Array([1, 2]), truncated: false, error: null,
    ...over,
  };
}

function rollout(id: string, endpoint: string, startedAt: number, status: RolloutState['status']): RolloutState {
  const stable = variant('stable', 'm', 1);
  return {
    id, endpoint, policy: DEFAULT_POLICY, base: endpointSpec(endpoint, stable), stable, candidate: variant('candidate', 'm', 2, 0),
    phase: 'steps', stepIndex: 0, stepStartedAt: startedAt, pausedAt: null, status, reason: null, lastResults: [], actor: 'test',
    startedAt, finishedAt: null,
  };
}

const validation = (model: string, passed: boolean): ValidationReport => ({
  model, startedAt: '2026-01-01T00:00:00.000Z', finishedAt: '2026-01-01T00:00:01.000Z', passed, tests: [],
});

// Stores keep reports as documents; the contract is that they come back as saved, so a partial report is enough here.
const profile = (model: string, finishedAt: string): ProfileReport => ({ model, startedAt: finishedAt, finishedAt }) as ProfileReport;

const baseline = (rows: number): BaselineProfile => ({
  source: { kind: 'package', file: 'baseline.csv' }, rows, createdAt: '2026-01-01T00:00:00.000Z', features: [], outputs: [],
});

const evaluation = { rows: 1, requests: 1, features: [], outputs: [], findings: [], tests: 0, alphaPerTest: 0.01 };

/** Runs the contract against stores made by `makeStore` (a fresh, empty store for each test). */
export function describeStoreContract(name: string, makeStore: () => Promise<StoreUnderTest>): void {
  describe(`store contract: ${name}`, () => {
    let made: StoreUnderTest;
    let store: Store;
    beforeEach(async () => {
      made = await makeStore();
      store = made.store;
    });
    afterEach(async () => {
      await made.cleanup();
    });
    /** captureStats' counts and times agree with the endpoint's stored records, summed here. */
    const expectStatsOfStored = async (endpoint: string): Promise<void> => {
      const stored = await store.loop.captures({ endpoint, limit: 1_000_000 });
      const times = stored.map((r) => r.time);
      expect(await store.loop.captureStats(endpoint)).toMatchObject({
        records: stored.length,
        rows: stored.reduce((n, r) => n + r.rows, 0),
        bytes: stored.reduce((n, r) => n + (r.inputs?.byteLength ?? 0) + (r.outputs?.byteLength ?? 0), 0),
        oldest: times.length ? Math.min(...times) : null,
        newest: times.length ? Math.max(...times) : null,
      });
    };

    describe('model versions', () => {
      it('numbers versions per model from 1, lists them by name then version, and finds the latest', async () => {
        const a1 = await store.createModelVersion(versionDraft('a'));
        await store.createModelVersion(versionDraft('b'));
        const a2 = await store.createModelVersion(versionDraft('a', 'sha-a2'));
        const c1 = await store.createModelVersion({ ...versionDraft('c'), format: 'sklearn' });
        expect([a1.version, a2.version]).toEqual([1, 2]);
        expect(a2).toMatchObject({ name: 'a', sha256: 'sha-a2', task: 'classification', format: 'onnx' });
        expect((await store.getModelVersion('c', 1))?.format).toBe(c1.format);
        expect(c1.format).toBe('sklearn');
        expect(Number.isNaN(Date.parse(a2.createdAt))).toBe(false);
        expect(await store.getModelVersion('a', 2)).toEqual(a2);
        expect(await store.getModelVersion('a', 3)).toBeUndefined();
        expect((await store.latestModelVersion('a'))?.version).toBe(2);
        expect(await store.latestModelVersion('nobody')).toBeUndefined();
        expect((await store.listModelVersions()).map((v) => `${v.name}:${v.version}`)).toEqual(['a:1', 'a:2', 'b:1', 'c:1']);
        expect((await store.listModelVersions('a')).map((v) => v.version)).toEqual([1, 2]);
      });

      it('gives concurrent creations of one model distinct numbers 1..N', async () => {
        const n = 25;
        const created = await Promise.all(Array.from({ length: n }, (_, i) => store.createModelVersion(versionDraft('m', `sha-${i}`))));
        expect(created.map((v) => v.version).sort((x, y) => x - y)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
        // Each number names the artifact it was created with.
        for (const v of created) expect((await store.getModelVersion('m', v.version))?.sha256).toBe(v.sha256);
      });

      it('never gives a removed version number out again', async () => {
        await store.createModelVersion(versionDraft('m'));
        await store.createModelVersion(versionDraft('m'));
        await store.deleteModelVersion('m', 2);
        expect((await store.createModelVersion(versionDraft('m'))).version).toBe(3);
        await store.deleteModelVersion('m', 3);
        await store.deleteModelVersion('m', 1);
        expect((await store.createModelVersion(versionDraft('m'))).version).toBe(4);
      });

      it('refuses to remove a version an endpoint serves or an alias points at, naming them', async () => {
        await store.createModelVersion(versionDraft('m'));
        await store.createModelVersion(versionDraft('m'));
        await store.putEndpoint(endpointSpec('web', variant('primary', 'm', 1)), { actor: 'test' });
        await store.setAlias('m', 'prod', 2);
        await expect(store.deleteModelVersion('m', 1)).rejects.toBeInstanceOf(ConflictError);
        await expect(store.deleteModelVersion('m', 1)).rejects.toThrow(/"web"/);
        await expect(store.deleteModelVersion('m', 2)).rejects.toBeInstanceOf(ConflictError);
        await expect(store.deleteModelVersion('m', 2)).rejects.toThrow(/m@prod/);
        await expect(store.deleteModelVersion('m', 9)).rejects.toBeInstanceOf(NotFoundError);
        expect((await store.listModelVersions('m')).map((v) => v.version)).toEqual([1, 2]);
        // Once nothing refers to them, they go.
        await store.deleteEndpoint('web', { actor: 'test' });
        await store.deleteAlias('m', 'prod');
        await store.deleteModelVersion('m', 1);
        await store.deleteModelVersion('m', 2);
        expect(await store.listModelVersions('m')).toEqual([]);
      });

      it('keeps one validation report, profile report and baseline per version: replaced on save, removed with the version', async () => {
        await store.createModelVersion(versionDraft('m'));
        await store.createModelVersion(versionDraft('m'));
        await store.saveValidationReport('m', 1, validation('m:1', false));
        await store.saveValidationReport('m', 1, validation('m:1', true));
        await store.saveValidationReport('m', 2, validation('m:2', false));
        expect(await store.getValidationReport('m', 1)).toEqual(validation('m:1', true));
        await store.saveProfileReport('m', 1, profile('m:1', 'first'));
        await store.saveProfileReport('m', 1, profile('m:1', 'second'));
        expect(await store.getProfileReport('m', 1)).toEqual(profile('m:1', 'second'));
        await store.loop.saveBaseline('m', 1, baseline(10));
        await store.loop.saveBaseline('m', 1, baseline(20));
        expect(await store.loop.getBaseline('m', 1)).toEqual(baseline(20));
        expect(await store.getProfileReport('m', 2)).toBeUndefined();
        expect(await store.loop.getBaseline('m', 2)).toBeUndefined();

        await store.deleteModelVersion('m', 1);
        expect(await store.getValidationReport('m', 1)).toBeUndefined();
        expect(await store.getProfileReport('m', 1)).toBeUndefined();
        expect(await store.loop.getBaseline('m', 1)).toBeUndefined();
        expect(await store.getValidationReport('m', 2)).toEqual(validation('m:2', false));
      });

      it('refuses a report or baseline for a version that does not exist (or was removed meanwhile)', async () => {
        await expect(store.saveValidationReport('m', 1, validation('m:1', true))).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.saveProfileReport('m', 1, profile('m:1', 'x'))).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.loop.saveBaseline('m', 1, baseline(1))).rejects.toBeInstanceOf(NotFoundError);
        await store.createModelVersion(versionDraft('m'));
        await store.deleteModelVersion('m', 1);
        await expect(store.saveValidationReport('m', 1, validation('m:1', true))).rejects.toThrow(/m:1/);
        expect(await store.getValidationReport('m', 1)).toBeUndefined();
      });

      it('lists the artifacts existing versions refer to, and drops a removed version’s own', async () => {
        await store.createModelVersion(versionDraft('m', 'model-1', ['shared', 'extra-1']));
        await store.createModelVersion(versionDraft('m', 'model-2', ['shared']));
        expect([...(await store.referencedBlobs())].sort()).toEqual(['extra-1', 'model-1', 'model-2', 'shared']);
        await store.deleteModelVersion('m', 1);
        expect([...(await store.referencedBlobs())].sort()).toEqual(['model-2', 'shared']);
      });
    });

    describe('aliases', () => {
      it('points an alias at an existing version, moves it, lists and removes it', async () => {
        await store.createModelVersion(versionDraft('m'));
        await store.createModelVersion(versionDraft('m'));
        await store.createModelVersion(versionDraft('n'));
        await expect(store.setAlias('m', 'prod', 7)).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.setAlias('m', 'prod', 1)).toMatchObject({ name: 'm', alias: 'prod', version: 1 });
        await store.setAlias('m', 'prod', 2);
        await store.setAlias('m', 'canary', 1);
        await store.setAlias('n', 'prod', 1);
        expect((await store.getAlias('m', 'prod'))?.version).toBe(2);
        expect(await store.getAlias('m', 'nope')).toBeUndefined();
        expect((await store.listAliases()).map((a) => `${a.name}@${a.alias}`)).toEqual(['m@canary', 'm@prod', 'n@prod']);
        expect((await store.listAliases('m')).map((a) => a.alias)).toEqual(['canary', 'prod']);
        await store.deleteAlias('m', 'canary');
        await expect(store.deleteAlias('m', 'canary')).rejects.toBeInstanceOf(NotFoundError);
        expect((await store.listAliases('m')).map((a) => a.alias)).toEqual(['prod']);
      });
    });

    describe('endpoints', () => {
      it('counts revisions, keeps createdAt, records every change as an event, and refuses unknown versions', async () => {
        await store.createModelVersion(versionDraft('m'));
        await store.createModelVersion(versionDraft('m'));
        await expect(store.putEndpoint(endpointSpec('web', variant('primary', 'm', 3)), { actor: 'a' })).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.getEndpoint('web')).toBeUndefined();

        const first = await store.putEndpoint(endpointSpec('web', variant('primary', 'm', 1)), { actor: 'alice', reason: 'launch' });
        const second = await store.putEndpoint(endpointSpec('web', variant('primary', 'm', 2)), { actor: 'bob' });
        expect([first.revision, second.revision]).toEqual([1, 2]);
        expect(second.createdAt).toBe(first.createdAt);
        expect(await store.getEndpoint('web')).toEqual(second);
        await store.putEndpoint(endpointSpec('api', variant('primary', 'm', 1)), { actor: 'alice' });
        expect((await store.listEndpoints()).map((e) => e.spec.name)).toEqual(['api', 'web']);

        // Version 1 is no longer served by web once it moved to 2; api still serves it.
        await store.deleteEndpoint('api', { actor: 'alice' });
        await store.deleteModelVersion('m', 1);
        await expect(store.deleteModelVersion('m', 2)).rejects.toThrow(/"web"/);

        await store.recordEndpointEvent('web', 'rollout-paused', { actor: 'carol', reason: 'looks odd', details: { p99: 12 } });
        await store.deleteEndpoint('web', { actor: 'dave' });
        await expect(store.deleteEndpoint('web', { actor: 'dave' })).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.getEndpoint('web')).toBeUndefined();

        const events = await store.endpointEvents('web');
        expect(events.map((e) => [e.action, e.revision, e.actor])).toEqual([
          ['create', 1, 'alice'], ['update', 2, 'bob'], ['rollout-paused', 2, 'carol'], ['delete', 2, 'dave'],
        ]);
        expect(events[0]).toMatchObject({ endpoint: 'web', reason: 'launch', details: null });
        expect(events[0]!.spec?.variants[0]!.model).toEqual({ name: 'm', version: 1 });
        expect(events[2]).toMatchObject({ reason: 'looks odd', details: { p99: 12 }, spec: null });
        expect(events[3]!.spec).toBeNull();
        expect(events.map((e) => e.id)).toEqual([...events.map((e) => e.id)].sort((x, y) => x - y));
        expect(await store.endpointEvent(events[2]!.id)).toEqual(events[2]);
        expect(await store.endpointEvent(events[3]!.id + 1000)).toBeUndefined();
        // Created again, an endpoint counts its revisions from 1 again; its history goes on.
        expect((await store.putEndpoint(endpointSpec('web', variant('primary', 'm', 2)), { actor: 'erin' })).revision).toBe(1);
        expect((await store.endpointEvents('web')).map((e) => e.action)).toEqual(['create', 'update', 'rollout-paused', 'delete', 'create']);
        // An event for an endpoint that does not exist is recorded at revision 0, with the snapshot given.
        await store.recordEndpointEvent('ghost', 'note', { actor: 'x' }, endpointSpec('ghost', variant('primary', 'm', 2)));
        expect((await store.endpointEvents('ghost'))[0]).toMatchObject({ action: 'note', revision: 0, spec: { name: 'ghost' } });
      });
    });

    describe('rollouts', () => {
      it('saves rollouts by id, finds the latest one per endpoint, and lists the active ones', async () => {
        await store.saveRollout(rollout('r1', 'web', 1_000, 'succeeded'));
        await store.saveRollout(rollout('r2', 'web', 2_000, 'running'));
        await store.saveRollout(rollout('r3', 'api', 1_500, 'paused'));
        expect((await store.latestRollout('web'))?.id).toBe('r2');
        expect(await store.latestRollout('none')).toBeUndefined();
        expect((await store.activeRollouts()).map((r) => r.id)).toEqual(['r3', 'r2']);
        const done = { ...rollout('r2', 'web', 2_000, 'rolled_back'), reason: 'error rate', finishedAt: 3_000 };
        await store.saveRollout(done);
        expect(await store.latestRollout('web')).toEqual(done);
        expect((await store.activeRollouts()).map((r) => r.id)).toEqual(['r3']);
      });

      it('lists an endpoint\'s rollouts latest first, bounded, and finds one by id with its step records', async () => {
        await store.saveRollout(rollout('r1', 'web', 1_000, 'succeeded'));
        await store.saveRollout(rollout('r3', 'web', 3_000, 'aborted'));
        await store.saveRollout(rollout('r2', 'web', 2_000, 'rolled_back'));
        await store.saveRollout(rollout('a1', 'api', 5_000, 'running'));
        expect((await store.rollouts('web', 10)).map((r) => r.id)).toEqual(['r3', 'r2', 'r1']);
        expect((await store.rollouts('web', 2)).map((r) => r.id)).toEqual(['r3', 'r2']);
        expect(await store.rollouts('none', 10)).toEqual([]);
        const withSteps: RolloutState = {
          ...rollout('a1', 'api', 5_000, 'running'),
          steps: [{
            stepIndex: 0, phase: 'steps', share: 5, weights: { stable: 95, candidate: 5 }, startedAt: 5_000, endedAt: null, decision: null,
            reason: null, results: [], samples: [{ t: 5_250, values: [0, null] }, { t: 5_500, values: [0.5, 12] }],
          }],
        };
        await store.saveRollout(withSteps);
        expect(await store.rollout('a1')).toEqual(withSteps);
        expect(await store.rollout('nope')).toBeUndefined();
      });
    });

    describe('loop settings', () => {
      it('puts, replaces, lists by endpoint and removes every kind of an endpoint', async () => {
        expect(await store.loop.getSetting('web', 'capture')).toBeUndefined();
        await store.loop.putSetting('web', 'capture', { enabled: true, sampleRate: 0.5 });
        await store.loop.putSetting('web', 'capture', { enabled: false });
        await store.loop.putSetting('web', 'monitor', { windowRows: 100 });
        await store.loop.putSetting('api', 'capture', { enabled: true });
        expect(await store.loop.getSetting('web', 'capture')).toEqual({ enabled: false });
        expect(await store.loop.listSettings('capture')).toEqual([
          { endpoint: 'api', config: { enabled: true } }, { endpoint: 'web', config: { enabled: false } },
        ]);
        await store.loop.deleteSettings('web');
        await store.loop.deleteSettings('nothing-here');
        expect(await store.loop.getSetting('web', 'monitor')).toBeUndefined();
        expect((await store.loop.listSettings('capture')).map((s) => s.endpoint)).toEqual(['api']);
      });
    });

    describe('captures', () => {
      it('appends in order with growing ids and reads them back intact, filtered', async () => {
        await store.loop.appendCaptures(Array.from({ length: 20 }, (_, i) => capture(i, {
          status: i % 5 === 4 ? 'invalid' : 'ok', variant: i % 2 === 0 ? 'primary' : 'canary',
        })));
        await store.loop.appendCaptures([capture(99, { endpoint: 'other' })]);
        const all = await store.loop.captures({ endpoint: 'e', limit: 100 });
        expect(all.map((r) => r.requestId)).toEqual(Array.from({ length: 20 }, (_, i) => `r${i}`));
        const ids = all.map((r) => r.id!);
        expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
        expect(all[3]).toMatchObject({ endpoint: 'e', time: 1_003, variant: 'canary', model: 'm', version: 1, status: 'ok', latencyMs: 1, rows: 2, truncated: false, error: null });
        expect(Array.from(all[3]!.inputs!)).toEqual(new Array(10).fill(3));
        expect(Array.from(all[3]!.outputs!)).toEqual([1, 2]);

        const page = async (q: Partial<Parameters<Store['loop']['captures']>[0]>): Promise<string[]> =>
          (await store.loop.captures({ endpoint: 'e', limit: 100, ...q })).map((r) => r.requestId);
        expect(await page({ afterId: ids[15]! })).toEqual(['r16', 'r17', 'r18', 'r19']);
        expect(await page({ untilId: ids[2]! })).toEqual(['r0', 'r1', 'r2']);
        expect(await page({ since: 1_017 })).toEqual(['r17', 'r18', 'r19']); // since is inclusive
        expect(await page({ until: 1_002 })).toEqual(['r0', 'r1']); // until is exclusive
        expect(await page({ variant: 'canary', until: 1_006 })).toEqual(['r1', 'r3', 'r5']);
        expect(await page({ statuses: ['invalid'] })).toEqual(['r4', 'r9', 'r14', 'r19']);
        expect(await page({ statuses: [] })).toHaveLength(20);
        expect(await page({ limit: 3, afterId: ids[0]! })).toEqual(['r1', 'r2', 'r3']);
        expect(await store.loop.captures({ endpoint: 'nobody', limit: 10 })).toEqual([]);
      });

      it('stores a large batch whole and in order, every field of every record as given', async () => {
        // Stores write a batch many rows per statement: 137 records end in a part-filled statement.
        const records = Array.from({ length: 137 }, (_, i) => capture(i, {
          requestId: `req-${i}-é`, time: 5_000 + (i % 13), variant: i % 3 === 0 ? 'canary' : 'primary', model: `m${i % 4}`, version: 1 + (i % 2),
          status: i % 11 === 0 ? 'error' : 'ok', latencyMs: i / 8, rows: 1 + (i % 5), truncated: i % 7 === 0,
          error: i % 11 === 0 ? `boom ${i}` : null, inputs: i % 6 === 0 ? null : new Uint8Array(3 + (i % 9)).fill(i % 256),
          outputs: i % 10 === 0 ? null : new Uint8Array([i % 256, 7]),
        }));
        await store.loop.appendCaptures(records);
        const stored = await store.loop.captures({ endpoint: 'e', limit: 1000 });
        expect(stored.map(({ id: _id, inputs, outputs, ...rest }) => ({ ...rest, inputs: inputs && Array.from(inputs), outputs: outputs && Array.from(outputs) })))
          .toEqual(records.map(({ inputs, outputs, ...rest }) => ({ ...rest, inputs: inputs && Array.from(inputs), outputs: outputs && Array.from(outputs) })));
        expect(stored.every((r, i) => i === 0 || r.id! > stored[i - 1]!.id!)).toBe(true);
        expect((await store.loop.captureStats('e')).records).toBe(137);
      });

      it('samples every k-th id (id % k === 0) before the limit, the same sample every time', async () => {
        await store.loop.appendCaptures(Array.from({ length: 60 }, (_, i) => capture(i)));
        const ids = (await store.loop.captures({ endpoint: 'e', limit: 100 })).map((r) => r.id!);
        const sample = (await store.loop.captures({ endpoint: 'e', sampleEvery: 7, limit: 100 })).map((r) => r.id!);
        expect(sample).toEqual(ids.filter((id) => id % 7 === 0));
        expect(sample.length).toBeGreaterThanOrEqual(8);
        expect((await store.loop.captures({ endpoint: 'e', sampleEvery: 7, limit: 3 })).map((r) => r.id!)).toEqual(sample.slice(0, 3));
        expect(await store.loop.captures({ endpoint: 'e', sampleEvery: 1, limit: 100 })).toHaveLength(60);
      });

      it('pages by id under concurrent appends without missing or repeating a record', async () => {
        const batches = 30;
        const perBatch = 17;
        let appending = true;
        const writer = (async () => {
          for (let b = 0; b < batches; b++) {
            await store.loop.appendCaptures(Array.from({ length: perBatch }, (_, i) => capture(b * perBatch + i)));
          }
          appending = false;
        })();
        // A tailing reader (as the monitor is): scan from the last id seen until the writer is done and nothing is new.
        const seen: number[] = [];
        const requestIds: string[] = [];
        for (;;) {
          const done = !appending;
          for await (const page of scanCaptures(store.loop, { endpoint: 'e', afterId: seen[seen.length - 1] ?? 0 }, { pageSize: 7 })) {
            for (const r of page) {
              seen.push(r.id!);
              requestIds.push(r.requestId);
            }
          }
          if (done) break;
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
        await writer;
        const all = (await store.loop.captures({ endpoint: 'e', limit: batches * perBatch + 1 })).map((r) => r.id!);
        expect(all).toHaveLength(batches * perBatch);
        expect(seen).toEqual(all);
        expect(requestIds).toEqual(Array.from({ length: batches * perBatch }, (_, i) => `r${i}`));
      });

      it('counts records, rows, bytes, times and feedback that has a capture', async () => {
        expect(await store.loop.captureStats('e')).toEqual({ records: 0, rows: 0, bytes: 0, oldest: null, newest: null, withFeedback: 0 });
        await store.loop.appendCaptures([capture(1), capture(2, { outputs: null }), capture(3, { inputs: null, outputs: null })]);
        await store.loop.putFeedback('e', [{ requestId: 'r1', label: 'cat' }, { requestId: 'no-capture', label: 'dog' }]);
        expect(await store.loop.captureStats('e')).toEqual({ records: 3, rows: 6, bytes: 22, oldest: 1_001, newest: 1_003, withFeedback: 1 });
      });

      it('trims by age (with the feedback received before it), by count and by size, oldest first', async () => {
        await store.loop.appendCaptures(Array.from({ length: 100 }, (_, i) => capture(i, { outputs: null, rows: 1 + (i % 3) })));
        await store.loop.putFeedback('e', [{ requestId: 'r1', label: 'old' }]);
        expect(await store.loop.trimCaptures('e', { before: 1_010, keepRows: null, keepBytes: null })).toBe(10);
        await expectStatsOfStored('e');
        expect(await store.loop.trimCaptures('e', { before: null, keepRows: 60, keepBytes: null })).toBe(30);
        await expectStatsOfStored('e');
        expect(await store.loop.trimCaptures('e', { before: null, keepRows: null, keepBytes: 255 })).toBe(35);
        await expectStatsOfStored('e');
        expect(await store.loop.trimCaptures('e', { before: null, keepRows: null, keepBytes: null })).toBe(0);
        const left = await store.loop.captures({ endpoint: 'e', limit: 1000 });
        expect(left.map((r) => r.requestId)).toEqual(Array.from({ length: 25 }, (_, i) => `r${75 + i}`));
        // Feedback received before `before` (a capture time in ms) went with the trim by age only if it is that old:
        // this label came in now, so it stays until a trim by age reaches the present.
        expect((await store.loop.feedbackFor('e', ['r1'])).size).toBe(1);
        await store.loop.putFeedback('e', [{ requestId: 'r80', label: 'new' }]);
        expect(await store.loop.trimCaptures('e', { before: Date.now() + 60_000, keepRows: null, keepBytes: null })).toBe(25);
        expect((await store.loop.feedbackFor('e', ['r1', 'r80'])).size).toBe(0);
        expect((await store.loop.captureStats('e')).records).toBe(0);
      });

      it('keeps its counts right through trims of many records at once, and of one endpoint only', async () => {
        // More records than one trim step removes (stores delete in chunks): every chunk's records leave the counts.
        await store.loop.appendCaptures(Array.from({ length: 12_345 }, (_, i) => capture(i, { rows: 1 + (i % 4), time: 1_000 + i })));
        await store.loop.appendCaptures([capture(1, { endpoint: 'other' })]);
        expect(await store.loop.trimCaptures('e', { before: null, keepRows: 1_000, keepBytes: null })).toBe(11_345);
        await expectStatsOfStored('e');
        expect(await store.loop.trimCaptures('e', { before: 13_000, keepRows: null, keepBytes: null })).toBe(655);
        await expectStatsOfStored('e');
        expect(await store.loop.captureStats('other')).toMatchObject({ records: 1, rows: 2, bytes: 12 });
        await store.loop.appendCaptures([capture(7)]);
        await expectStatsOfStored('e');
      });

      it('trims one endpoint only, and never gives a trimmed id out again', async () => {
        await store.loop.appendCaptures([capture(1), capture(2), capture(3, { endpoint: 'other' })]);
        const before = await store.loop.lastCaptureId('e');
        expect(await store.loop.trimCaptures('e', { before: null, keepRows: 0, keepBytes: null })).toBe(2);
        expect(await store.loop.captures({ endpoint: 'other', limit: 10 })).toHaveLength(1);
        expect(await store.loop.lastCaptureId('e')).toBe(0);
        await store.loop.appendCaptures([capture(4)]);
        expect(await store.loop.lastCaptureId('e')).toBeGreaterThan(before);
      });

      it('answers the monitor’s questions: rows after an id (capped), window bounds, the last id', async () => {
        expect(await store.loop.lastCaptureId('e')).toBe(0);
        expect(await store.loop.rowsAfter('e', 0, 100)).toEqual({ rows: 0, records: 0, firstTime: null });
        await store.loop.appendCaptures(Array.from({ length: 10 }, (_, i) => capture(i, { status: i === 9 ? 'invalid' : i === 8 ? 'error' : 'ok' })));
        const ids = (await store.loop.captures({ endpoint: 'e', limit: 100 })).map((r) => r.id!);
        expect(await store.loop.lastCaptureId('e')).toBe(ids[9]);
        expect(await store.loop.rowsAfter('e', 0, 100)).toEqual({ rows: 16, records: 8, firstTime: 1_000 });
        expect(await store.loop.rowsAfter('e', ids[1]!, 3)).toEqual({ rows: 6, records: 3, firstTime: 1_002 });
        expect(await store.loop.windowBounds('e', ids[2]!, 1_009, ['ok', 'invalid'])).toEqual({ records: 5, lastId: ids[7] });
        expect(await store.loop.windowBounds('e', ids[2]!, 1_010, ['ok', 'invalid'])).toEqual({ records: 6, lastId: ids[9] });
        expect(await store.loop.windowBounds('e', ids[9]!, 5_000, ['ok'])).toEqual({ records: 0, lastId: null });
      });
    });

    describe('feedback', () => {
      it('stores labels as put, the latest per request winning, and knows which request ids were captured', async () => {
        await store.loop.appendCaptures([capture(1), capture(2), capture(3, { endpoint: 'other' })]);
        expect([...(await store.loop.knownRequestIds('e', ['r1', 'r2', 'r3', 'r1']))].sort()).toEqual(['r1', 'r2']);
        await store.loop.putFeedback('e', [{ requestId: 'r1', label: 'cat' }, { requestId: 'r2', label: [1, 'b'] }]);
        await store.loop.putFeedback('e', [{ requestId: 'r1', label: 3.5 }]);
        await store.loop.putFeedback('other', [{ requestId: 'r1', label: 'elsewhere' }]);
        expect(await store.loop.feedbackFor('e', ['r1', 'r2', 'zz'])).toEqual(new Map<string, unknown>([['r1', 3.5], ['r2', [1, 'b']]]));
        expect(await store.loop.feedbackFor('e', [])).toEqual(new Map());
      });

      it('reads successful captures with their labels from the feedback side, a page at a time', async () => {
        await store.loop.appendCaptures(Array.from({ length: 12 }, (_, i) => capture(i, {
          time: 1_000 + i, status: i === 5 ? 'error' : 'ok', variant: i % 2 === 0 ? 'primary' : 'canary',
        })));
        // A request id a client sent twice: both captures carry its label.
        await store.loop.appendCaptures([capture(3, { time: 1_020 })]);
        await store.loop.appendCaptures([capture(4, { endpoint: 'other' })]);
        await store.loop.putFeedback('e', [2, 3, 5, 7, 8, 11].map((i) => ({ requestId: `r${i}`, label: i % 2 === 0 ? `even ${i}` : [i, i] })));
        await store.loop.putFeedback('other', [{ requestId: 'r4', label: 'elsewhere' }]);
        const read = async (q: Partial<Parameters<Store['loop']['labelledCaptures']>[0]>, limit = 100): Promise<string[]> => {
          const out: string[] = [];
          let after: LabelledCursor | undefined;
          for (;;) {
            const page = await store.loop.labelledCaptures({ endpoint: 'e', receivedSince: 0, since: 0, until: 10_000, limit, ...(after ? { after } : {}), ...q });
            out.push(...page.map((x) => `${x.record.requestId}@${x.record.time}=${JSON.stringify(x.label)}`));
            if (page.length < limit) return out;
            after = page[page.length - 1]!.cursor;
          }
        };
        const all = await read({});
        // r5 failed (not a quality sample); feedback order is by request id within one receipt time.
        expect([...all].sort()).toEqual(['r11@1011=[11,11]', 'r2@1002="even 2"', 'r3@1003=[3,3]', 'r3@1020=[3,3]', 'r7@1007=[7,7]', 'r8@1008="even 8"']);
        expect(await read({}, 2)).toEqual(all); // pages of 2 (one ends between the two captures of r3) read the same
        expect(await read({}, 1)).toEqual(all);
        expect((await read({ since: 1_003, until: 1_008 })).sort()).toEqual(['r3@1003=[3,3]', 'r7@1007=[7,7]']);
        expect((await read({ variant: 'canary' })).sort()).toEqual(['r11@1011=[11,11]', 'r3@1003=[3,3]', 'r7@1007=[7,7]']);
        expect(await read({ receivedSince: Date.now() + 60_000 })).toEqual([]);
        expect(await read({ endpoint: 'nobody' })).toEqual([]);
      });

      it('answers for many request ids at once', async () => {
        const n = 1_200;
        await store.loop.appendCaptures(Array.from({ length: n }, (_, i) => capture(i)));
        const idsOf = Array.from({ length: n }, (_, i) => `r${i}`);
        await store.loop.putFeedback('e', idsOf.map((requestId, i) => ({ requestId, label: i })));
        expect((await store.loop.knownRequestIds('e', idsOf)).size).toBe(n);
        expect((await store.loop.feedbackFor('e', idsOf)).get('r1199')).toBe(1199);
      });
    });

    describe('monitor windows and events', () => {
      it('saves a window, its events and the cursor together; lists windows, drifted ranges and events', async () => {
        expect(await store.loop.monitorCursor('e')).toEqual({ afterId: 0, windows: 0 });
        await store.loop.resetMonitor('e', 41);
        expect(await store.loop.monitorCursor('e')).toEqual({ afterId: 41, windows: 0 });
        const first = await store.loop.saveWindow(
          { endpoint: 'e', start: 0, end: 10, firstCapture: 42, lastCapture: 99, baseline: 'm:1', drifted: true, evaluation },
          [
            { endpoint: 'e', kind: 'feature_drift', severity: 'critical', features: ['a'], findings: [] },
            { endpoint: 'e', kind: 'data_quality', severity: 'warning', features: ['b'], findings: [] },
          ],
        );
        expect(first!.events.map((e) => [e.windowId, e.time])).toEqual([[first!.window.id, first!.window.createdAt], [first!.window.id, first!.window.createdAt]]);
        expect(await store.loop.monitorCursor('e')).toEqual({ afterId: 99, windows: 1 });
        const second = await store.loop.saveWindow(
          { endpoint: 'e', start: 10, end: 20, firstCapture: 100, lastCapture: 150, baseline: 'm:1', drifted: false, evaluation }, [],
        );
        await store.loop.saveWindow(
          { endpoint: 'e', start: 20, end: 30, firstCapture: 151, lastCapture: 160, baseline: 'm:1', drifted: true, evaluation },
          [{ endpoint: 'e', kind: 'prediction_drift', severity: 'warning', features: [], findings: [] }],
        );
        await store.loop.saveWindow(
          { endpoint: 'other', start: 0, end: 1, firstCapture: 1, lastCapture: 2, baseline: 'm:1', drifted: true, evaluation },
          [{ endpoint: 'other', kind: 'feature_drift', severity: 'warning', features: [], findings: [] }],
        );
        expect(second!.window.id).toBeGreaterThan(first!.window.id);
        expect(await store.loop.monitorCursor('e')).toEqual({ afterId: 160, windows: 3 });
        // The same window saved again (a second holder of the monitor duty during a handover) stores nothing.
        expect(await store.loop.saveWindow(
          { endpoint: 'e', start: 20, end: 30, firstCapture: 151, lastCapture: 160, baseline: 'm:1', drifted: true, evaluation },
          [{ endpoint: 'e', kind: 'prediction_drift', severity: 'warning', features: [], findings: [] }],
        )).toBeUndefined();
        const racing = await Promise.all([161, 161].map((firstCapture) => store.loop.saveWindow(
          { endpoint: 'e', start: 30, end: 40, firstCapture, lastCapture: 170, baseline: 'm:1', drifted: false, evaluation }, [],
        )));
        expect(racing.filter((r) => r !== undefined)).toHaveLength(1);
        expect(await store.loop.monitorCursor('e')).toEqual({ afterId: 170, windows: 4 });
        expect((await store.loop.windows('e', 2)).map((w) => w.lastCapture)).toEqual([170, 160]);
        expect((await store.loop.windows('e', 10))[3]).toEqual(first!.window);
        expect(await store.loop.driftedRanges('e')).toEqual([{ first: 42, last: 99 }, { first: 151, last: 160 }]);

        expect((await store.loop.events('e', { limit: 10 })).map((e) => e.kind)).toEqual(['prediction_drift', 'data_quality', 'feature_drift']);
        expect((await store.loop.events(undefined, { limit: 10 })).map((e) => e.endpoint)).toEqual(['other', 'e', 'e', 'e']);
        expect((await store.loop.events(undefined, { limit: 2 }))).toHaveLength(2);
        expect((await store.loop.events('e', { limit: 10, kind: 'feature_drift' })).map((e) => e.features)).toEqual([['a']]);
        expect(await store.loop.events('e', { limit: 10, since: Date.now() + 60_000 })).toEqual([]);
        expect(await store.loop.events('e', { limit: 10, since: Date.now() - 60_000 })).toHaveLength(3);

        // A reset moves the cursor and keeps the windows and their count.
        await store.loop.resetMonitor('e', 500);
        expect(await store.loop.monitorCursor('e')).toEqual({ afterId: 500, windows: 4 });
        expect(await store.loop.windows('e', 10)).toHaveLength(4);
      });

      it('keeps a window\'s histograms apart: windowDetail reads them, windows lists without them', async () => {
        const histograms: FeatureHistogram[] = [
          {
            feature: 'a', output: false, kind: 'numeric', edges: [0, 0.5, 1],
            baseline: { counts: [3, 4], total: 7, missing: 1, below: 0, above: 0 }, window: { counts: [0, 2], total: 2, missing: 0, below: 1, above: 5 },
          },
          {
            feature: 'y', output: true, kind: 'categorical', categories: ['cat', 'dog'],
            baseline: { counts: [5, 5], total: 10, missing: 0 }, window: { counts: [9, 1], total: 10, missing: 2 },
          },
        ];
        const kept = await store.loop.saveWindow(
          { endpoint: 'e', start: 0, end: 10, firstCapture: 1, lastCapture: 9, baseline: 'm:1', drifted: true, evaluation }, [], histograms,
        );
        const bare = await store.loop.saveWindow(
          { endpoint: 'e', start: 10, end: 20, firstCapture: 10, lastCapture: 19, baseline: 'm:1', drifted: false, evaluation }, [],
        );
        expect(await store.loop.windowDetail('e', kept!.window.id)).toEqual({ window: kept!.window, histograms });
        expect(await store.loop.windowDetail('e', bare!.window.id)).toEqual({ window: bare!.window, histograms: [] });
        expect(await store.loop.windowDetail('other', kept!.window.id)).toBeUndefined();
        expect(await store.loop.windowDetail('e', bare!.window.id + 100)).toBeUndefined();
        expect(await store.loop.windows('e', 10)).toEqual([bare!.window, kept!.window]);
      });
    });

    describe('webhook deliveries', () => {
      it('enqueues pending deliveries, finds the due ones soonest first, and records attempts', async () => {
        const late = await store.loop.enqueueDelivery({ eventId: 7, url: 'http://127.0.0.1:1/a', headers: { 'x-k': 'v' }, payload: '{"a":1}', nextAttemptAt: 50 });
        const soon = await store.loop.enqueueDelivery({ eventId: null, url: 'http://127.0.0.1:1/b', headers: {}, payload: '{}', nextAttemptAt: 5 });
        expect(late).toMatchObject({ attempts: 0, status: 'pending', lastError: null, deliveredAt: null, headers: { 'x-k': 'v' } });
        expect(await store.loop.dueDeliveries(4, 10)).toEqual([]);
        expect((await store.loop.dueDeliveries(50, 10)).map((d) => d.id)).toEqual([soon.id, late.id]);
        expect((await store.loop.dueDeliveries(50, 1)).map((d) => d.id)).toEqual([soon.id]);

        await store.loop.updateDelivery(soon.id, { attempts: 1, status: 'pending', nextAttemptAt: 500, lastError: 'ECONNREFUSED' });
        await store.loop.updateDelivery(late.id, { attempts: 1, status: 'delivered', nextAttemptAt: 50, lastError: null, deliveredAt: '2026-01-01T00:00:00.000Z' });
        expect(await store.loop.dueDeliveries(100, 10)).toEqual([]);
        expect((await store.loop.dueDeliveries(500, 10)).map((d) => d.id)).toEqual([soon.id]);
        expect((await store.loop.deliveries(undefined, 10)).map((d) => d.id)).toEqual([soon.id, late.id]);
        expect(await store.loop.deliveries(7, 10)).toEqual([{ ...late, attempts: 1, status: 'delivered', deliveredAt: '2026-01-01T00:00:00.000Z' }]);
        expect((await store.loop.deliveries(undefined, 10))[0]).toMatchObject({ attempts: 1, lastError: 'ECONNREFUSED', nextAttemptAt: 500 });
        await store.loop.updateDelivery(late.id + soon.id + 1000, { attempts: 9, status: 'failed', nextAttemptAt: 0, lastError: 'x' });
        expect(await store.loop.deliveries(undefined, 10)).toHaveLength(2);
      });

      it('appends each attempt given to the delivery\'s attempt log, oldest first', async () => {
        const d = await store.loop.enqueueDelivery({ eventId: 9, url: 'http://127.0.0.1:1/c', headers: {}, payload: '{}', nextAttemptAt: 0 });
        expect(d.attemptLog).toEqual([]);
        const first = { time: 1_000, durationMs: 3, statusCode: 500, error: 'HTTP 500 Internal Server Error', nextAttemptAt: 2_000 };
        const second = { time: 2_000, durationMs: 1, statusCode: null, error: 'ECONNREFUSED', nextAttemptAt: 6_000 };
        const third = { time: 6_000, durationMs: 2, statusCode: 200, error: null, nextAttemptAt: null };
        await store.loop.updateDelivery(d.id, { attempts: 1, status: 'pending', nextAttemptAt: 2_000, lastError: first.error, attempt: first });
        await store.loop.updateDelivery(d.id, { attempts: 2, status: 'pending', nextAttemptAt: 6_000, lastError: second.error, attempt: second });
        expect((await store.loop.deliveries(9, 10))[0]!.attemptLog).toEqual([first, second]);
        // Without an attempt the log stays as it is.
        await store.loop.updateDelivery(d.id, { attempts: 2, status: 'pending', nextAttemptAt: 6_000, lastError: second.error });
        await store.loop.updateDelivery(d.id, { attempts: 3, status: 'delivered', nextAttemptAt: 0, lastError: null, deliveredAt: '2026-01-01T00:00:00.000Z', attempt: third });
        expect(await store.loop.deliveries(9, 10)).toEqual([{ ...d, attempts: 3, status: 'delivered', nextAttemptAt: 0, deliveredAt: '2026-01-01T00:00:00.000Z', attemptLog: [first, second, third] }]);
        expect((await store.loop.dueDeliveries(10_000, 10)).map((x) => x.id)).not.toContain(d.id);
      });

      it('queues the deliveries a window\'s events call for with the window, and none for a window it refuses', async () => {
        const evaluation = { rows: 1, requests: 1, features: [], outputs: [], findings: [], tests: 0, alphaPerTest: 0.01 };
        const window = { endpoint: 'w', start: 0, end: 10, firstCapture: 1, lastCapture: 5, baseline: 'm:1', drifted: true, evaluation };
        const events = [
          { endpoint: 'w', kind: 'feature_drift' as const, severity: 'critical' as const, features: ['a'], findings: [] },
          { endpoint: 'w', kind: 'data_quality' as const, severity: 'warning' as const, features: ['b'], findings: [] },
        ];
        // Only the critical event calls for a delivery, and its payload names the ids the transaction gave.
        const saved = await store.loop.saveWindow(window, events, undefined, ({ window: w, events: stored }) => stored
          .filter((e) => e.severity === 'critical')
          .map((e) => ({ eventId: e.id, url: 'http://127.0.0.1:1/hook', headers: { 'x-k': 'v' }, payload: JSON.stringify({ event: e.id, window: w.id }), nextAttemptAt: 7 })));
        expect(saved!.deliveries).toHaveLength(1);
        const critical = saved!.events.find((e) => e.severity === 'critical')!;
        expect(saved!.deliveries[0]).toMatchObject({ eventId: critical.id, status: 'pending', attempts: 0, payload: JSON.stringify({ event: critical.id, window: saved!.window.id }) });
        expect(await store.loop.deliveries(critical.id, 10)).toEqual(saved!.deliveries);
        expect((await store.loop.dueDeliveries(7, 10)).map((d) => d.id)).toEqual([saved!.deliveries[0]!.id]);
        // The same window again (another holder): no window, no events, no delivery.
        const asked: number[] = [];
        expect(await store.loop.saveWindow(window, events, undefined, () => {
          asked.push(1);
          return [{ eventId: null, url: 'http://127.0.0.1:1/x', headers: {}, payload: '{}', nextAttemptAt: 0 }];
        })).toBeUndefined();
        expect(asked).toEqual([]);
        expect(await store.loop.deliveries(undefined, 10)).toHaveLength(1);
      });

      it('lets one caller claim a due delivery for an attempt; the claim holds it back until its time', async () => {
        const d = await store.loop.enqueueDelivery({ eventId: 11, url: 'http://127.0.0.1:1/d', headers: {}, payload: '{}', nextAttemptAt: 100 });
        expect(await store.loop.claimDelivery(d.id, 0, 99, 5_000)).toBe(false); // not due yet
        // Two replicas see it due at once: one gets it.
        const claims = await Promise.all([store.loop.claimDelivery(d.id, 0, 100, 5_000), store.loop.claimDelivery(d.id, 0, 100, 5_000)]);
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect((await store.loop.dueDeliveries(4_999, 10)).map((x) => x.id)).not.toContain(d.id);
        // A claimer that died mid-attempt leaves it due again when the claim runs out.
        expect((await store.loop.dueDeliveries(5_000, 10)).map((x) => x.id)).toContain(d.id);
        // A claim made for an attempt count another replica has moved past is refused.
        await store.loop.updateDelivery(d.id, { attempts: 1, status: 'pending', nextAttemptAt: 6_000, lastError: 'ECONNREFUSED' });
        expect(await store.loop.claimDelivery(d.id, 0, 7_000, 9_000)).toBe(false);
        expect(await store.loop.claimDelivery(d.id, 1, 7_000, 9_000)).toBe(true);
        await store.loop.updateDelivery(d.id, { attempts: 2, status: 'delivered', nextAttemptAt: 0, lastError: null, deliveredAt: '2026-01-01T00:00:00.000Z' });
        expect(await store.loop.claimDelivery(d.id, 2, 10_000, 12_000)).toBe(false); // delivered
        expect(await store.loop.claimDelivery(d.id + 1000, 0, 10_000, 12_000)).toBe(false); // unknown
      });
    });

    describe('retraining runs', () => {
      it('starts runs as running with their replica, updates the fields given, lists newest first', async () => {
        const a = (await store.loop.startRetrainRun({ endpoint: 'e', trigger: 'manual', eventId: null, replica: 'r1' }))!;
        expect(a).toMatchObject({ endpoint: 'e', trigger: 'manual', status: 'running', log: '', finishedAt: null, error: null, validationPassed: null, replica: 'r1' });

        const updated = await store.loop.updateRetrainRun(a.id, {
          status: 'succeeded', finishedAt: '2026-01-01T00:00:00.000Z', exitCode: 0, log: 'ok\n', datasetRows: 12,
          producedVersion: 'm:2', validationPassed: true, rolloutId: 'r1', error: undefined,
        });
        expect(updated).toMatchObject({ status: 'succeeded', exitCode: 0, log: 'ok\n', datasetRows: 12, producedVersion: 'm:2', validationPassed: true, rolloutId: 'r1', error: null, replica: 'r1' });
        expect(await store.loop.retrainRun(a.id)).toEqual(updated);
        expect(await store.loop.updateRetrainRun(a.id, {})).toEqual(updated);
        await expect(store.loop.updateRetrainRun(a.id + 1000, { status: 'failed' })).rejects.toBeInstanceOf(NotFoundError);
        expect(await store.loop.retrainRun(a.id + 1000)).toBeUndefined();
        const b = (await store.loop.startRetrainRun({ endpoint: 'e', trigger: 'drift', eventId: 3, replica: 'r2' }))!;
        expect(b.id).toBeGreaterThan(a.id);
        expect((await store.loop.retrainRuns('e', 10)).map((r) => r.id)).toEqual([b.id, a.id]);
        expect((await store.loop.retrainRuns('e', 1)).map((r) => r.id)).toEqual([b.id]);
      });

      it('claims one run in progress per endpoint, whichever replica asks, and frees it when the run finishes', async () => {
        // Two replicas asked at once (two manual POSTs through different replicas): one run.
        const both = await Promise.all([
          store.loop.startRetrainRun({ endpoint: 'e', trigger: 'manual', eventId: null, replica: 'r1' }),
          store.loop.startRetrainRun({ endpoint: 'e', trigger: 'manual', eventId: null, replica: 'r2' }),
        ]);
        const started = both.filter((r) => r !== undefined);
        expect(started).toHaveLength(1);
        expect(await store.loop.retrainRuns('e', 10)).toHaveLength(1);
        // Another endpoint is not held back.
        expect(await store.loop.startRetrainRun({ endpoint: 'other', trigger: 'schedule', eventId: null, replica: 'r2' })).toMatchObject({ status: 'running' });
        expect(await store.loop.startRetrainRun({ endpoint: 'e', trigger: 'drift', eventId: 4, replica: 'r1' })).toBeUndefined();
        await store.loop.updateRetrainRun(started[0]!.id, { status: 'failed', finishedAt: '2026-01-01T00:00:00.000Z', error: 'exit 1' });
        expect(await store.loop.startRetrainRun({ endpoint: 'e', trigger: 'drift', eventId: 4, replica: 'r1' })).toMatchObject({ status: 'running', eventId: 4 });
      });

      it('fails the runs of replicas that are gone or not seen for a while, and leaves the living ones\' alone', async () => {
        await store.heartbeat({ id: 'alive', pid: 1, host: 'h', startedAt: '2026-01-01T00:00:00.000Z' });
        await store.heartbeat({ id: 'stale', pid: 2, host: 'h', startedAt: '2026-01-01T00:00:00.000Z' });
        const living = (await store.loop.startRetrainRun({ endpoint: 'a', trigger: 'manual', eventId: null, replica: 'alive' }))!;
        const stale = (await store.loop.startRetrainRun({ endpoint: 'b', trigger: 'manual', eventId: null, replica: 'stale' }))!;
        const removed = (await store.loop.startRetrainRun({ endpoint: 'c', trigger: 'manual', eventId: null, replica: 'removed' }))!;
        const done = (await store.loop.startRetrainRun({ endpoint: 'd', trigger: 'manual', eventId: null, replica: 'removed' }))!;
        await store.loop.updateRetrainRun(done.id, { status: 'succeeded', finishedAt: '2026-01-01T00:00:00.000Z' });
        // Seen within the last minute: both replicas count as there; a replica never seen (or removed) does not.
        expect(await store.loop.failOrphanedRuns('the server stopped', 60_000)).toBe(1);
        expect(await store.loop.retrainRun(removed.id)).toMatchObject({ status: 'failed', error: 'the server stopped' });
        expect((await store.loop.retrainRun(removed.id))?.finishedAt).not.toBeNull();
        await new Promise((r) => setTimeout(r, 1500));
        await store.heartbeat({ id: 'alive', pid: 1, host: 'h', startedAt: '2026-01-01T00:00:00.000Z' });
        // Not seen for a second: 'stale' is gone, 'alive' just beat.
        expect(await store.loop.failOrphanedRuns('gone', 1000)).toBe(1);
        expect(await store.loop.retrainRun(stale.id)).toMatchObject({ status: 'failed', error: 'gone' });
        expect(await store.loop.retrainRun(living.id)).toMatchObject({ status: 'running', error: null });
        expect(await store.loop.retrainRun(done.id)).toMatchObject({ status: 'succeeded', error: null });
        expect(await store.loop.failOrphanedRuns('again', 1000)).toBe(0);
        // The endpoint of a failed orphan can run again.
        expect(await store.loop.startRetrainRun({ endpoint: 'c', trigger: 'manual', eventId: null, replica: 'alive' })).toMatchObject({ status: 'running' });
      });
    });
    describe('access tokens and the audit trail', () => {
      const draft = (name: string, over: Partial<NewAccessToken> = {}): NewAccessToken => ({
        name, scope: 'deploy', endpoints: [], secretHash: `hash-${name}-${Math.random()}`, expiresAt: null, createdBy: 'tester', ...over,
      });

      it('creates tokens found by their hash, lists them oldest first, and keeps no secret or hash in what it returns', async () => {
        expect(await store.access.anyTokens()).toBe(false);
        const before = await store.changeCounters();
        const ci = await store.access.createToken(draft('ci', { secretHash: 'h-ci', scope: 'infer', endpoints: ['digits', 'iris'], expiresAt: '2030-01-01T00:00:00.000Z' }));
        expect(ci).toMatchObject({ name: 'ci', scope: 'infer', endpoints: ['digits', 'iris'], createdBy: 'tester', expiresAt: '2030-01-01T00:00:00.000Z', lastUsedAt: null, revokedAt: null });
        expect(Object.keys(ci)).not.toContain('secretHash');
        expect(Date.parse(ci.createdAt)).toBeGreaterThan(Date.now() - 60_000);
        expect((await store.changeCounters()).tokens).toBeGreaterThan(before.tokens);
        await store.access.createToken(draft('ops', { scope: 'admin' }));
        expect(await store.access.anyTokens()).toBe(true);
        expect(await store.access.tokenByHash('h-ci')).toEqual(ci);
        expect(await store.access.tokenByHash('h-none')).toBeUndefined();
        expect((await store.access.listTokens()).map((t) => t.name)).toEqual(['ci', 'ops']);
      });

      it('refuses a second unrevoked token of one name, revokes by name, and lets a revoked name be taken again', async () => {
        await store.access.createToken(draft('ci', { secretHash: 'h1' }));
        await expect(store.access.createToken(draft('ci'))).rejects.toBeInstanceOf(ConflictError);
        const counters = await store.changeCounters();
        const revoked = await store.access.revokeToken('ci');
        expect(revoked.revokedAt).not.toBeNull();
        expect((await store.changeCounters()).tokens).toBeGreaterThan(counters.tokens);
        expect((await store.access.tokenByHash('h1'))?.revokedAt).toBe(revoked.revokedAt);
        await expect(store.access.revokeToken('ci')).rejects.toBeInstanceOf(NotFoundError);
        await expect(store.access.revokeToken('nobody')).rejects.toBeInstanceOf(NotFoundError);
        await store.access.createToken(draft('ci', { secretHash: 'h2' }));
        expect((await store.access.listTokens()).map((t) => [t.name, t.revokedAt === null])).toEqual([['ci', false], ['ci', true]]);
        // Revoking every token never reopens an API that tokens closed.
        await store.access.revokeToken('ci');
        expect(await store.access.anyTokens()).toBe(true);
      });

      it('records when a token was last used without counting it as a change', async () => {
        const t = await store.access.createToken(draft('ci', { secretHash: 'h1' }));
        const counters = await store.changeCounters();
        await store.access.touchToken(t.id, '2026-12-01T10:00:00.000Z');
        await store.access.touchToken(9999, '2026-12-01T10:00:00.000Z');
        expect((await store.access.tokenByHash('h1'))?.lastUsedAt).toBe('2026-12-01T10:00:00.000Z');
        expect(await store.changeCounters()).toEqual(counters);
      });

      it('appends audit entries and lists them newest first, by time and by actor', async () => {
        const entry = { action: 'endpoint.deploy', object: 'digits', address: '127.0.0.1', outcome: 'ok', status: 200 };
        const a = await store.access.appendAudit({ ...entry, actor: 'ci' });
        const b = await store.access.appendAudit({ ...entry, actor: 'ops', outcome: 'forbidden', status: 403 });
        const c = await store.access.appendAudit({ ...entry, actor: 'ci', action: 'token.create', object: 'x' });
        expect(b.id).toBeGreaterThan(a.id);
        expect(c.id).toBeGreaterThan(b.id);
        const all = await store.access.listAudit({ limit: 10 });
        expect(all.map((e) => e.id)).toEqual([c.id, b.id, a.id]);
        expect(all[1]).toEqual({ ...entry, id: b.id, time: b.time, actor: 'ops', outcome: 'forbidden', status: 403 });
        expect((await store.access.listAudit({ limit: 10, actor: 'ci' })).map((e) => e.id)).toEqual([c.id, a.id]);
        expect((await store.access.listAudit({ limit: 1 })).map((e) => e.id)).toEqual([c.id]);
        expect(await store.access.listAudit({ limit: 10, sinceMs: Date.now() + 60_000 })).toEqual([]);
        expect(await store.access.listAudit({ limit: 10, sinceMs: Date.now() - 60_000 })).toHaveLength(3);
      });
    });
    describe('change counters, leases and replicas', () => {
      it('counts every change of endpoints, aliases and loop settings, each kind apart, and nothing else', async () => {
        const start = await store.changeCounters();
        await store.createModelVersion(versionDraft('m'));
        expect(await store.changeCounters()).toEqual(start);
        await store.putEndpoint(endpointSpec('e', variant('primary', 'm', 1)), { actor: 't' });
        const afterPut = await store.changeCounters();
        expect(afterPut.endpoints).toBeGreaterThan(start.endpoints);
        expect([afterPut.aliases, afterPut.settings, afterPut.tokens]).toEqual([start.aliases, start.settings, start.tokens]);
        await store.recordEndpointEvent('e', 'rollout-paused', { actor: 't' });
        await store.putEndpoint(endpointSpec('e', variant('primary', 'm', 1, 100)), { actor: 't' });
        const afterUpdate = await store.changeCounters();
        expect(afterUpdate.endpoints).toBeGreaterThan(afterPut.endpoints);
        await store.setAlias('m', 'prod', 1);
        const afterAlias = await store.changeCounters();
        expect(afterAlias.aliases).toBeGreaterThan(afterUpdate.aliases);
        await store.deleteAlias('m', 'prod');
        expect((await store.changeCounters()).aliases).toBeGreaterThan(afterAlias.aliases);
        await store.loop.putSetting('e', 'capture', { enabled: true });
        const afterSetting = await store.changeCounters();
        expect(afterSetting.settings).toBeGreaterThan(start.settings);
        await store.loop.deleteSettings('e');
        expect((await store.changeCounters()).settings).toBeGreaterThan(afterSetting.settings);
        const beforeDelete = await store.changeCounters();
        await store.deleteEndpoint('e', { actor: 't' });
        expect((await store.changeCounters()).endpoints).toBeGreaterThan(beforeDelete.endpoints);
      });

      it('gives a free duty to one holder, renews it for that holder only, and lets another take it once expired or released', async () => {
        const [a, b] = await Promise.all([store.acquireLease('rollouts', 'a', 60_000), store.acquireLease('rollouts', 'b', 60_000)]);
        expect([a, b].filter(Boolean)).toHaveLength(1);
        const winner = a ? 'a' : 'b';
        const loser = a ? 'b' : 'a';
        expect(await store.acquireLease('rollouts', winner, 60_000)).toBe(true);
        expect(await store.acquireLease('rollouts', loser, 60_000)).toBe(false);
        await store.releaseLease('rollouts', loser);
        expect((await store.listLeases()).map((l) => l.holder)).toEqual([winner]);
        await store.releaseLease('rollouts', winner);
        expect(await store.acquireLease('rollouts', loser, 1)).toBe(true);
        await new Promise((r) => setTimeout(r, 20));
        expect(await store.acquireLease('rollouts', winner, 60_000)).toBe(true);
        expect(await store.acquireLease('monitors', loser, 60_000)).toBe(true);
        const leases = await store.listLeases();
        expect(leases.map((l) => [l.duty, l.holder])).toEqual([['monitors', loser], ['rollouts', winner]]);
        expect(leases[0]!.expiresAt).toBeGreaterThan(Date.now() + 50_000);
      });

      it('keeps replicas with their last heartbeat and forgets removed ones', async () => {
        const before = Date.now() - 5_000;
        await store.heartbeat({ id: 'r1', pid: 11, host: 'h', startedAt: '2026-01-01T00:00:00.000Z' });
        await store.heartbeat({ id: 'r2', pid: 12, host: 'h', startedAt: '2026-01-01T00:00:00.000Z', revisions: { e: 1 } });
        await store.heartbeat({ id: 'r1', pid: 11, host: 'h', startedAt: '2026-01-01T00:00:00.000Z', revisions: { e: 2, f: 7 } });
        const replicas = await store.listReplicas(before);
        expect(replicas.map((r) => [r.id, r.pid, r.revisions])).toEqual([['r1', 11, { e: 2, f: 7 }], ['r2', 12, { e: 1 }]]);
        expect(replicas[0]!.lastSeen).toBeGreaterThanOrEqual(before);
        expect(await store.listReplicas(Date.now() + 60_000)).toEqual([]);
        await store.removeReplica('r1');
        await store.removeReplica('absent');
        expect((await store.listReplicas(before)).map((r) => r.id)).toEqual(['r2']);
      });

      it('keeps one published window per replica, endpoint and variant, the latest publication winning', async () => {
        const counts = (requests: number): WindowCounts => ({ requests, errors: 1, nans: 1, compared: 2, agreed: 1, dropped: 0, latency: [[400, requests]] });
        const before = Date.now() - 5_000;
        await store.publishWindows('r2', [{ endpoint: 'e', variant: 'cand', key: 'x/steps/0', counts: counts(3) }]);
        await store.publishWindows('r1', [
          { endpoint: 'e', variant: 'stable', key: 'x/steps/0', counts: counts(5) },
          { endpoint: 'e', variant: 'cand', key: 'x/steps/0', counts: counts(4) },
          { endpoint: 'other', variant: 'cand', key: 'y/steps/0', counts: counts(9) },
        ]);
        await store.publishWindows('r1', [{ endpoint: 'e', variant: 'cand', key: 'x/steps/1', counts: counts(7) }]);
        await store.publishWindows('r3', []);
        const rows = await store.publishedWindows('e');
        expect(rows.map((r) => [r.replica, r.variant, r.key, r.counts.requests])).toEqual([
          ['r1', 'cand', 'x/steps/1', 7], ['r1', 'stable', 'x/steps/0', 5], ['r2', 'cand', 'x/steps/0', 3],
        ]);
        expect(rows[0]!.counts).toEqual(counts(7));
        expect(rows.every((r) => r.updatedAt >= before && r.updatedAt <= Date.now() + 5_000)).toBe(true);
        expect(await store.publishedWindows('absent')).toEqual([]);
      });

      it('tells a watcher of changes where the store can push them, and stops when told', async () => {
        const seen: string[] = [];
        const stop = await store.watchChanges((kind) => seen.push(kind));
        await store.createModelVersion(versionDraft('m'));
        await store.setAlias('m', 'prod', 1);
        // A store that pushes notifies within a second; one that cannot never calls (its callers poll).
        await new Promise((r) => setTimeout(r, 300));
        expect(seen.every((k) => k === 'aliases')).toBe(true);
        await stop();
        const count = seen.length;
        await store.setAlias('m', 'canary', 1);
        await new Promise((r) => setTimeout(r, 300));
        expect(seen.length).toBe(count);
      });
    });
  });
}
