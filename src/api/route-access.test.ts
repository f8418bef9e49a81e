import { describe, expect, it } from 'vitest';
import { ruleOf } from './access-hooks.js';
import { ROUTE_ACCESS } from './route-access.js';

describe('the route access table', () => {
  it('gives every /api/v1/ route a rule, HEAD that of its GET, and leaves other routes alone', () => {
    expect(ruleOf('GET', '/api/v1/models')).toEqual({ access: 'read' });
    expect(ruleOf('HEAD', '/api/v1/models')).toEqual({ access: 'read' });
    expect(ruleOf('GET', '/v2/models/:model')).toBeUndefined();
    expect(ruleOf('GET', '/api/docs/json')).toBeUndefined();
    expect(() => ruleOf('POST', '/api/v1/something-new')).toThrow('route POST /api/v1/something-new declares no access: add it to ROUTE_ACCESS in api/route-access.ts');
  });

  it('names an audit action for every change, and keeps tokens and the audit trail for admins', () => {
    const entries = Object.entries(ROUTE_ACCESS);
    expect(entries.filter(([key, rule]) => !key.startsWith('GET ') && !rule.action).map(([key]) => key)).toEqual([]);
    expect(entries.filter(([key, rule]) => key.startsWith('GET ') && rule.access !== 'read').map(([key, rule]) => `${key} ${rule.access}`)).toEqual([
      'GET /api/v1/tokens admin', 'GET /api/v1/whoami token', 'GET /api/v1/audit admin',
    ]);
    expect(entries.filter(([key, rule]) => !key.startsWith('GET ') && rule.access !== 'deploy').map(([key]) => key)).toEqual([
      'POST /api/v1/tokens', 'DELETE /api/v1/tokens/:name',
    ]);
  });
});
