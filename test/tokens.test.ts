// Scoped tokens against a real server: every scope allowed and refused where it should be (one table over
// representative routes), revocation and expiry refused at once, `slipway login`'s 0600 file used by the CLI, the audit
// trail with actor and outcome, and no secret in the audit trail, the server's log or its database file.

import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTE_ACCESS } from '../src/api/route-access.js';
import { call } from './http.js';
import { CLI, removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

const DIGITS = join(ROOT, 'examples', 'digits');
let server: ServerProcess;
const secrets: Record<string, string> = {};
const configDir = mkdtempSync(join(tmpdir(), 'slipway-config-'));

const bearer = (secret: string | undefined): Record<string, string> => (secret === undefined ? {} : { authorization: `Bearer ${secret}` });

async function createToken(name: string, scope: string, as: string | undefined, extra: object = {}): Promise<string> {
  const reply = await call<{ secret: string }>(`${server.url}/api/v1/tokens`, 'POST', { name, scope, ...extra }, bearer(as));
  expect(reply.status, JSON.stringify(reply.body)).toBe(201);
  secrets[name] = reply.body.secret;
  return reply.body.secret;
}

beforeAll(async () => {
  server = await startServer();
}, 60_000);
afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
  rmSync(configDir, { recursive: true, force: true });
});

describe('tokens on the management API', () => {
  it('is open while no token exists, and closed once the first one is created (from the CLI on this host)', async () => {
    expect((await call(`${server.url}/api/v1/models`)).status).toBe(200);
    expect((await call<{ open: boolean }>(`${server.url}/api/v1/whoami`)).body.open).toBe(true);
    const created = await runCli(server.url, ['--json', 'token', 'create', 'ops', '--scope', 'admin']);
    expect(created.code, created.stderr).toBe(0);
    const body = JSON.parse(created.stdout) as { token: { name: string; scope: string; createdBy: string }; secret: string };
    expect(body.token).toMatchObject({ name: 'ops', scope: 'admin' });
    expect(body.token.createdBy).toMatch(/^cli:/);
    expect(body.secret).toMatch(/^slw_[A-Za-z0-9_-]{43}$/);
    secrets.ops = body.secret;
    const anonymous = await call<{ error: string }>(`${server.url}/api/v1/models`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error).toMatch(/needs a token/);
    expect((await call(`${server.url}/api/v1/models`, 'GET', undefined, bearer('slw_not-a-token'))).status).toBe(401);
  });

  it('lets each scope do what it should and refuses the rest: 401 without a valid token, 403 naming the scope needed', async () => {
    await createToken('deployer', 'deploy', secrets.ops);
    await createToken('reader', 'read', secrets.ops);
    await createToken('app', 'infer', secrets.ops, { endpoints: ['digits'] });
    const push = await runCli(server.url, ['push', DIGITS], { SLIPWAY_TOKEN: secrets.deployer });
    expect(push.code, push.stderr).toBe(0);
    const deploy = await runCli(server.url, ['deploy', 'digits', '--model', 'digits:1'], { SLIPWAY_TOKEN: secrets.deployer });
    expect(deploy.code, deploy.stderr).toBe(0);

    type Who = 'ops' | 'deployer' | 'reader' | 'app' | 'none' | 'bogus';
    const routes: { method: string; path: string; body?: unknown; need: 'read' | 'deploy' | 'admin' | 'token'; ok: number }[] = [
      { method: 'GET', path: '/api/v1/models', need: 'read', ok: 200 },
      { method: 'GET', path: '/api/v1/endpoints/digits/history', need: 'read', ok: 200 },
      { method: 'GET', path: '/api/v1/endpoints/digits/capture', need: 'read', ok: 200 },
      { method: 'PUT', path: '/api/v1/models/digits/aliases/prod', body: { version: 1 }, need: 'deploy', ok: 200 },
      { method: 'PUT', path: '/api/v1/endpoints/digits/capture', body: { enabled: true }, need: 'deploy', ok: 200 },
      { method: 'GET', path: '/api/v1/tokens', need: 'admin', ok: 200 },
      { method: 'GET', path: '/api/v1/audit', need: 'admin', ok: 200 },
      { method: 'DELETE', path: '/api/v1/tokens/nobody', need: 'admin', ok: 404 },
      { method: 'GET', path: '/api/v1/whoami', need: 'token', ok: 200 },
    ];
    const allowed: Record<Who, (need: string) => boolean> = {
      ops: () => true,
      deployer: (need) => need !== 'admin',
      reader: (need) => need === 'read' || need === 'token',
      app: (need) => need === 'token',
      none: () => false,
      bogus: () => false,
    };
    const secretOf = (who: Who): string | undefined => (who === 'none' ? undefined : who === 'bogus' ? 'slw_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' : secrets[who]);
    const seen: string[] = [];
    for (const route of routes) {
      for (const who of Object.keys(allowed) as Who[]) {
        const reply = await call<{ error?: string }>(`${server.url}${route.path}`, route.method, route.body, bearer(secretOf(who)));
        const expected = allowed[who](route.need) ? route.ok : who === 'none' || who === 'bogus' ? 401 : 403;
        seen.push(`${who} ${route.method} ${route.path} -> ${reply.status}`);
        expect(reply.status, `${who} ${route.method} ${route.path}: ${JSON.stringify(reply.body)}`).toBe(expected);
        if (expected === 403) expect(reply.body.error).toContain(`scope "${route.need}"`);
      }
    }
    expect(seen).toHaveLength(routes.length * 6);
  }, 60_000);

  it('names the token as the actor in history', async () => {
    const history = await call<{ actor: string }[]>(`${server.url}/api/v1/endpoints/digits/history`, 'GET', undefined, bearer(secrets.reader));
    expect(history.body.map((e) => e.actor)).toEqual(['deployer']);
  });

  it('refuses a revoked token from its next request, and an expired one', async () => {
    const temp = await createToken('temp', 'read', secrets.ops);
    expect((await call(`${server.url}/api/v1/models`, 'GET', undefined, bearer(temp))).status).toBe(200);
    const revoked = await runCli(server.url, ['token', 'revoke', 'temp'], { SLIPWAY_TOKEN: secrets.ops });
    expect(revoked.code, revoked.stderr).toBe(0);
    const after = await call<{ error: string }>(`${server.url}/api/v1/models`, 'GET', undefined, bearer(temp));
    expect(after.status).toBe(401);
    expect(after.body.error).toMatch(/token "temp" was revoked/);

    const brief = await createToken('brief', 'read', secrets.ops, { expires: '1s' });
    expect((await call(`${server.url}/api/v1/models`, 'GET', undefined, bearer(brief))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 1200));
    const expired = await call<{ error: string }>(`${server.url}/api/v1/models`, 'GET', undefined, bearer(brief));
    expect(expired.status).toBe(401);
    expect(expired.body.error).toMatch(/token "brief" expired/);

    const ls = await runCli(server.url, ['token', 'ls'], { SLIPWAY_TOKEN: secrets.ops });
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toMatch(/^name\s+scope\s+endpoints\s+created\s+created by\s+expires\s+last used\s+revoked/);
    expect(ls.stdout).toMatch(/\napp\s+infer\s+digits\s/);
    expect(ls.stdout).toMatch(/\ntemp\s+read\s.*\d{4}-\d\d-\d\dT\S+Z\s*$/m);
    expect(ls.stdout).not.toContain('slw_');
  });

  it('keeps a token per server in a 0600 file with slipway login, uses it, and forgets it with logout', async () => {
    const env = { SLIPWAY_CONFIG_DIR: configDir, SLIPWAY_TOKEN: undefined };
    expect((await runCli(server.url, ['endpoints', 'ls'], env)).code).toBe(1);
    const refused = await runCli(server.url, ['--token', 'slw_wrong', 'login'], env);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/refused the token: unknown token/);
    // The token typed (here: piped) on stdin.
    const login = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, '--server', server.url, 'login'], { env: { ...process.env, ...env } });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (code) => resolve({ code: code ?? -1, stdout, stderr }));
      child.stdin.end(`${secrets.deployer}\n`);
    });
    expect(login.code, login.stderr).toBe(0);
    expect(login.stdout).toContain('as token "deployer" (scope deploy)');
    const file = join(configDir, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(configDir).mode & 0o077).toBe(0);
    const ls = await runCli(`${server.url}/`, ['endpoints', 'ls'], env);
    expect(ls.code, ls.stderr).toBe(0);
    expect(ls.stdout).toContain('digits');
    // A flag wins over the stored token.
    expect((await runCli(server.url, ['--token', secrets.app!, 'endpoints', 'ls'], env)).stderr).toMatch(/403/);
    expect((await runCli(server.url, ['logout'], env)).code).toBe(0);
    expect((await runCli(server.url, ['endpoints', 'ls'], env)).code).toBe(1);
  }, 60_000);

  it('records every management action and refused attempt with actor, object, address and outcome', async () => {
    const audit = await call<{ actor: string; action: string; object: string; address: string; outcome: string; status: number }[]>(
      `${server.url}/api/v1/audit?limit=1000`, 'GET', undefined, bearer(secrets.ops));
    expect(audit.status).toBe(200);
    const rows = audit.body;
    const has = (match: object): void => expect(rows, JSON.stringify(match)).toContainEqual(expect.objectContaining(match));
    has({ actor: 'ops', action: 'token.create', object: 'deployer', outcome: 'ok', status: 201, address: '127.0.0.1' });
    has({ actor: 'deployer', action: 'model.push', object: 'digits:1', outcome: 'ok' });
    has({ actor: 'deployer', action: 'endpoint.deploy', object: 'digits', outcome: 'ok' });
    has({ actor: 'deployer', action: 'alias.set', object: 'digits@prod', outcome: 'ok' });
    has({ actor: 'reader', action: 'alias.set', object: 'digits@prod', outcome: 'forbidden', status: 403 });
    has({ actor: 'reader', action: 'GET /api/v1/tokens', outcome: 'forbidden' });
    has({ actor: 'ops', action: 'token.revoke', object: 'temp', outcome: 'ok' });
    has({ actor: 'ops', action: 'token.revoke', object: 'nobody', outcome: 'not_found', status: 404 });
    has({ action: 'login', outcome: 'unauthenticated', status: 401 });
    has({ actor: 'temp (revoked or expired)', action: 'GET /api/v1/models', outcome: 'unauthenticated', status: 401 });
    has({ actor: 'deployer', action: 'login', outcome: 'ok' });
    expect(rows.some((r) => r.action.startsWith('GET') && r.outcome === 'ok')).toBe(false);
    const cli = await runCli(server.url, ['audit', '--since', '1h', '--actor', 'deployer'], { SLIPWAY_TOKEN: secrets.ops });
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toMatch(/^time\s+actor\s+action\s+object\s+address\s+outcome/);
    expect(cli.stdout).toMatch(/deployer\s+endpoint\.deploy\s+digits\s+127\.0\.0\.1\s+ok/);
    expect(cli.stdout).not.toMatch(/\sreader\s/);
  });

  it('documents the token and audit routes, and what each route needs, in the OpenAPI document', async () => {
    const doc = await call<{ paths: Record<string, Record<string, { description?: string }>> }>(`${server.url}/api/docs/json`);
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(expect.arrayContaining(['/api/v1/tokens', '/api/v1/tokens/{name}', '/api/v1/audit', '/api/v1/whoami']));
    expect(doc.body.paths['/api/v1/tokens']!.post!.description).toContain('Needs a token of scope "admin"');
    expect(doc.body.paths['/api/v1/endpoints/{name}']!.put!.description).toContain('Needs a token of scope "deploy" or higher');
    expect(doc.body.paths['/api/v1/models']!.get!.description).toContain('Needs a token of scope "read" or higher');
    // The table names no route the server lacks (and the server refuses to register one the table lacks).
    const missing = Object.keys(ROUTE_ACCESS).filter((key) => {
      const [method, path] = key.split(' ') as [string, string];
      return !doc.body.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
    });
    expect(missing).toEqual([]);
  });

  it('never writes a secret to the audit trail, the server log or the database', async () => {
    const audit = await call(`${server.url}/api/v1/audit?limit=10000`, 'GET', undefined, bearer(secrets.ops));
    const text = JSON.stringify(audit.body);
    const log = server.output();
    const database = readdirSync(server.home).filter((f) => f.startsWith('slipway.db')).map((f) => readFileSync(join(server.home, f)).toString('latin1')).join('');
    expect(Object.keys(secrets).length).toBeGreaterThanOrEqual(6);
    for (const [name, secret] of Object.entries(secrets)) {
      expect(text.includes(secret), `${name} in the audit trail`).toBe(false);
      expect(log.includes(secret), `${name} in the server log`).toBe(false);
      expect(database.includes(secret), `${name} in the database`).toBe(false);
    }
    expect(database.length).toBeGreaterThan(0);
  });
});
