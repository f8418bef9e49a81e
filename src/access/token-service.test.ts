// TokenService over a real SQLite store: open until the first token, admin and created tokens, scopes, revocation.
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { InvalidInputError, UnauthenticatedError } from '../core/errors.js';
import { SqliteStore } from '../store/sqlite-store.js';
import { tempSqliteStore } from '../store/sqlite-store.test-util.js';
import { TokenService } from './token-service.js';

const temp = tempSqliteStore('slipway-tokens-');
let store: SqliteStore;
let now: number;
let service: TokenService;
const logged: object[] = [];

beforeEach(() => {
  store = temp.store;
  now = Date.parse('2026-12-04T12:00:00.000Z');
  service = new TokenService({ store: store.access, adminToken: undefined, log: (d) => logged.push(d), now: () => now });
});

describe('TokenService', () => {
  it('is open until the first token, then closed for good, revoked or not', async () => {
    expect(await service.required()).toBe(false);
    await service.create({ name: 'ci', scope: 'read' }, 'ops');
    expect(await service.required()).toBe(true);
    await service.revoke('ci');
    const fresh = new TokenService({ store: store.access, adminToken: undefined, log: () => undefined });
    expect(await fresh.required()).toBe(true);
    const otherStore = new SqliteStore(join(temp.dir, 'other.db'));
    const configured = new TokenService({ store: otherStore.access, adminToken: 'x', log: () => undefined });
    expect(await configured.required()).toBe(true);
    await otherStore.close();
  });

  it('authenticates the configured admin token as admin, and created tokens by their secret', async () => {
    const withAdmin = new TokenService({ store: store.access, adminToken: 'configured', log: () => undefined });
    expect(await withAdmin.authenticate('configured')).toEqual({ name: 'admin', scope: 'admin', endpoints: [] });
    const { secret } = await service.create({ name: 'app', scope: 'infer', endpoints: ['digits', 'digits'] }, 'ops');
    expect(await service.authenticate(secret)).toEqual({ name: 'app', scope: 'infer', endpoints: ['digits'] });
    await expect(service.authenticate('configured')).rejects.toThrow(/unknown token/);
    await expect(service.authenticate(`${secret}x`)).rejects.toBeInstanceOf(UnauthenticatedError);
  });

  it('refuses a token once its expiry passes, on the management path and the cached inference path', async () => {
    const { secret } = await service.create({ name: 'brief', scope: 'infer', expiresInMs: 60_000 }, 'ops');
    expect(await service.authenticateForInference(secret)).toMatchObject({ name: 'brief' });
    now += 59_999;
    expect(service.authenticateForInference(secret)).toMatchObject({ name: 'brief' }); // cached: no promise
    now += 1;
    expect(() => service.authenticateForInference(secret)).toThrow(/token "brief" expired at 2026-12-04T12:01:00.000Z/);
    await expect(service.authenticate(secret)).rejects.toThrow(/expired/);
  });

  it('refuses a revoked token at once though it was cached, here and when another replica revoked it', async () => {
    const { secret } = await service.create({ name: 'app', scope: 'infer' }, 'ops');
    await service.authenticateForInference(secret);
    await service.revoke('app');
    await expect(Promise.resolve().then(() => service.authenticateForInference(secret))).rejects.toThrow(/was revoked/);
    // Another replica: its own cache, emptied by forget() when the change follower sees the tokens counter move.
    const other = new TokenService({ store: store.access, adminToken: undefined, log: () => undefined });
    const second = await service.create({ name: 'app2', scope: 'infer' }, 'ops');
    await other.authenticateForInference(second.secret);
    await store.access.revokeToken('app2');
    other.forget();
    await expect(Promise.resolve().then(() => other.authenticateForInference(second.secret))).rejects.toThrow(/was revoked/);
  });

  it('does not cache a lookup that raced a revocation', async () => {
    const { secret } = await service.create({ name: 'app', scope: 'infer' }, 'ops');
    const pending = service.authenticateForInference(secret);
    expect(pending).toBeInstanceOf(Promise);
    await store.access.revokeToken('app');
    service.forget();
    await pending; // read before the revocation: this one request passes
    await expect(Promise.resolve().then(() => service.authenticateForInference(secret))).rejects.toThrow(/was revoked/);
  });

  it('checks what a token is made of, and records its last use at most once a minute', async () => {
    await expect(service.create({ name: 'x', scope: 'read', endpoints: ['digits'] }, 'ops')).rejects.toThrow(/infer/);
    await expect(service.create({ name: 'x', scope: 'owner' }, 'ops')).rejects.toBeInstanceOf(InvalidInputError);
    await expect(service.create({ name: 'x', scope: 'infer', endpoints: ['Not A Name'] }, 'ops')).rejects.toBeInstanceOf(InvalidInputError);
    const { secret } = await service.create({ name: 'ci', scope: 'read' }, 'ops');
    await service.authenticate(secret);
    await new Promise((r) => setTimeout(r, 10));
    expect((await service.list())[0]!.lastUsedAt).toBe('2026-12-04T12:00:00.000Z');
    now += 30_000;
    await service.authenticate(secret);
    await new Promise((r) => setTimeout(r, 10));
    expect((await service.list())[0]!.lastUsedAt).toBe('2026-12-04T12:00:00.000Z');
    now += 30_000;
    await service.authenticate(secret);
    await new Promise((r) => setTimeout(r, 10));
    expect((await service.list())[0]!.lastUsedAt).toBe('2026-12-04T12:01:00.000Z');
  });
});
