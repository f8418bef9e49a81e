import { describe, expect, it } from 'vitest';
import { bearerSecret, checkTokenName, hashSecret, newSecret, TOKEN_PREFIX, tokenVerdict, type AccessToken } from './access-token.js';
import { InvalidInputError } from './errors.js';

const token = (over: Partial<AccessToken> = {}): AccessToken => ({
  id: 1, name: 'ci', scope: 'deploy', endpoints: [], createdAt: '2026-12-01T00:00:00.000Z', createdBy: 'ops',
  expiresAt: null, lastUsedAt: null, revokedAt: null, ...over,
});

describe('secrets', () => {
  it('are prefixed, 256 bits of randomness, and stored as their SHA-256 only', () => {
    const a = newSecret();
    expect(a.startsWith(TOKEN_PREFIX)).toBe(true);
    expect(Buffer.from(a.slice(TOKEN_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(newSecret()).not.toBe(a);
    expect(hashSecret(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashSecret(a)).not.toContain(a.slice(4, 12));
  });

  it('are read from a Bearer header only', () => {
    expect(bearerSecret('Bearer slw_abc')).toBe('slw_abc');
    expect(bearerSecret('bearer   slw_abc ')).toBe('slw_abc');
    expect(bearerSecret('Basic dXNlcjpwYXNz')).toBeUndefined();
    expect(bearerSecret('Bearer a b')).toBeUndefined();
    expect(bearerSecret(undefined)).toBeUndefined();
  });
});

describe('tokenVerdict', () => {
  const now = Date.parse('2026-12-04T12:00:00.000Z');
  it('accepts a live token as its principal', () => {
    expect(tokenVerdict(token({ expiresAt: '2026-12-05T00:00:00.000Z' }), now)).toEqual({ ok: true, principal: { name: 'ci', scope: 'deploy', endpoints: [] } });
  });
  it('refuses an expired token from the moment it expires, and a revoked one, saying which', () => {
    expect(tokenVerdict(token({ expiresAt: '2026-12-04T12:00:00.000Z' }), now)).toEqual({ ok: false, reason: 'token "ci" expired at 2026-12-04T12:00:00.000Z' });
    expect(tokenVerdict(token({ expiresAt: '2026-12-04T12:00:00.001Z' }), now).ok).toBe(true);
    expect(tokenVerdict(token({ revokedAt: '2026-12-03T00:00:00.000Z' }), now)).toEqual({ ok: false, reason: 'token "ci" was revoked at 2026-12-03T00:00:00.000Z' });
  });
});

describe('checkTokenName', () => {
  it('takes names like endpoint names (and dots), and keeps "admin" for the configured token', () => {
    expect(checkTokenName('ci.deploy-1')).toBe('ci.deploy-1');
    expect(() => checkTokenName('Admin Token')).toThrow(InvalidInputError);
    expect(() => checkTokenName('admin')).toThrow(/configured admin token/);
  });
});
