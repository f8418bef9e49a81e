// The Postgres store where the contract's "in this process or another" matters: several stores (each its own pool, as
// separate replicas would have) on one database, racing; and what a caller sees when the database cannot be reached.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureRecord } from '../src/core/capture-config.js';
import { DEFAULT_ROUTING } from '../src/core/endpoint-spec.js';
import { ConflictError, NotFoundError, UnavailableError } from '../src/core/errors.js';
import { DEFAULT_RUNTIME } from '../src/core/runtime-config.js';
import { PostgresStore } from '../src/store/postgres-store.js';
import { scanCaptures } from '../src/store/scan-captures.js';
import { versionDraft } from './store-contract.js';
import { startPostgres, type TestPostgres } from './support/postgres.js';

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await postgres?.stop();
});

/** `n` stores on one fresh database, opened at the same time (their migrations race too). */
async function replicas(n: number): Promise<PostgresStore[]> {
  const url = await postgres.createDatabase();
  return Promise.all(Array.from({ length: n }, () => PostgresStore.open(url)));
}

async function closeAll(stores: PostgresStore[]): Promise<void> {
  await Promise.all(stores.map((s) => s.close()));
}

function capture(endpoint: string, requestId: string): CaptureRecord {
  return {
    endpoint, requestId, time: Date.now(), variant: 'primary', model: 'm', version: 1, status: 'ok', latencyMs: 1, rows: 1,
    inputs: new Uint8Array([1, 2, 3]), outputs: null, truncated: false, error: null,
  };
}

describe('Postgres store shared by several processes', () => {
  it('gives versions created through different stores distinct numbers 1..N', async () => {
    const stores = await replicas(3);
    try {
      const created = await Promise.all(
        Array.from({ length: 30 }, (_, i) => stores[i % 3]!.createModelVersion(versionDraft('m', `sha-${i}`))),
      );
      expect(created.map((v) => v.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    } finally {
      await closeAll(stores);
    }
  });

  it('never lets a tailing reader skip a capture appended by another store', async () => {
    const [a, b, reader] = await replicas(3);
    try {
      let writing = true;
      const write = async (store: PostgresStore, tag: string): Promise<void> => {
        for (let batch = 0; batch < 40; batch++) {
          await store.loop.appendCaptures(Array.from({ length: 5 }, (_, i) => capture('e', `${tag}-${batch}-${i}`)));
        }
      };
      const writers = Promise.all([write(a!, 'a'), write(b!, 'b')]).finally(() => (writing = false));
      const seen: number[] = [];
      for (;;) {
        const done = !writing;
        for await (const page of scanCaptures(reader!.loop, { endpoint: 'e', afterId: seen[seen.length - 1] ?? 0 }, { pageSize: 3 })) {
          seen.push(...page.map((r) => r.id!));
        }
        if (done) break;
      }
      await writers;
      const all = (await reader!.loop.captures({ endpoint: 'e', limit: 1000 })).map((r) => r.id!);
      expect(all).toHaveLength(400);
      // Had an id become visible before a smaller one, the reader would have moved past the smaller one for good.
      expect(seen).toEqual(all);
    } finally {
      await closeAll([a!, b!, reader!]);
    }
  });

  it('settles a removal racing a deploy of the same version one way or the other, never both', async () => {
    const [a, b] = await replicas(2);
    try {
      for (let round = 1; round <= 15; round++) {
        await a!.createModelVersion(versionDraft('m'));
        const spec = {
          name: `web-${round}`, routing: DEFAULT_ROUTING,
          variants: [{ name: 'primary', model: { name: 'm', version: round }, ref: `m:${round}`, weight: 100, shadow: false, runtime: DEFAULT_RUNTIME }],
        };
        const [removed, deployed] = await Promise.allSettled([a!.deleteModelVersion('m', round), b!.putEndpoint(spec, { actor: 'test' })]);
        if (removed.status === 'fulfilled') {
          expect(deployed.status).toBe('rejected');
          expect((deployed as PromiseRejectedResult).reason).toBeInstanceOf(NotFoundError);
          expect(await a!.getEndpoint(spec.name)).toBeUndefined();
        } else {
          expect(removed.reason).toBeInstanceOf(ConflictError);
          expect(String(removed.reason)).toContain(`"web-${round}"`);
          expect(deployed.status).toBe('fulfilled');
          expect(await a!.getModelVersion('m', round)).toBeDefined();
        }
      }
    } finally {
      await closeAll([a!, b!]);
    }
  });

  it('stores a capture whose client-given text Postgres cannot hold, with U+FFFD in place of the bad characters', async () => {
    const [store] = await replicas(1);
    try {
      await store!.loop.appendCaptures([
        capture('e', 'ok-1'), { ...capture('e', 'nul\u0000and\ud800half'), error: 'bad\u0000' }, capture('e', 'ok-2'),
      ]);
      const stored = await store!.loop.captures({ endpoint: 'e', limit: 10 });
      expect(stored.map((r) => [r.requestId, r.error])).toEqual([['ok-1', null], ['nul\ufffdand\ufffdhalf', 'bad\ufffd'], ['ok-2', null]]);
      expect(stored.map((r) => Array.from(r.inputs!))).toEqual([[1, 2, 3], [1, 2, 3], [1, 2, 3]]);
    } finally {
      await closeAll([store!]);
    }
  });

  it('refuses to open a database it cannot reach, naming it without its password', async () => {
    const err = await PostgresStore.open('postgres://slipway:secret@127.0.0.1:1/nothing').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(String(err)).toContain('127.0.0.1:1/nothing');
    expect(String(err)).not.toContain('secret');
  });
});
