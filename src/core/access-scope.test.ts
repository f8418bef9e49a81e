import { describe, expect, it } from 'vitest';
import { checkScope, inferRefusal, mayInfer, scopeAllows, scopeRefusal, SCOPES, type RouteAccess } from './access-scope.js';
import { InvalidInputError } from './errors.js';

describe('scopeAllows', () => {
  it('orders read < deploy < admin, keeps infer off the management API, and lets any token ask who it is', () => {
    const needs: RouteAccess[] = ['read', 'deploy', 'admin', 'token'];
    const table = Object.fromEntries(SCOPES.map((scope) => [scope, needs.filter((need) => scopeAllows(scope, need))]));
    expect(table).toEqual({
      admin: ['read', 'deploy', 'admin', 'token'],
      deploy: ['read', 'deploy', 'token'],
      read: ['read', 'token'],
      infer: ['token'],
    });
  });

  it('names the scope needed and the one the token has', () => {
    expect(scopeRefusal({ name: 'ci', scope: 'read', endpoints: [] }, 'deploy')).toBe('this needs a token of scope "deploy" or "admin"; token "ci" has scope "read"');
  });

  it('reads scopes, refusing others with the list', () => {
    expect(checkScope('infer')).toBe('infer');
    expect(() => checkScope('root')).toThrow(InvalidInputError);
    expect(() => checkScope('root')).toThrow(/admin, deploy, read, infer/);
  });
});

describe('mayInfer', () => {
  it('lets admin and infer tokens infer, an infer token only on the endpoints it names (all when none)', () => {
    expect(mayInfer({ name: 'a', scope: 'admin', endpoints: [] }, 'x')).toBe(true);
    expect(mayInfer({ name: 'a', scope: 'infer', endpoints: [] }, 'x')).toBe(true);
    expect(mayInfer({ name: 'a', scope: 'infer', endpoints: ['x'] }, 'x')).toBe(true);
    expect(mayInfer({ name: 'a', scope: 'infer', endpoints: ['x'] }, 'y')).toBe(false);
    expect(mayInfer({ name: 'a', scope: 'deploy', endpoints: [] }, 'x')).toBe(false);
    expect(mayInfer({ name: 'a', scope: 'read', endpoints: [] }, 'x')).toBe(false);
    expect(inferRefusal({ name: 'd', scope: 'deploy', endpoints: [] }, 'x')).toMatch(/scope "infer".*token "d" has scope "deploy"/);
  });
});
