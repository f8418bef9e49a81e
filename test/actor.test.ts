// History names who acted: the token's name when the CLI presents one, else the OS user the CLI runs as (even when
// $USER is unset, as under cron or in a container), never `cli:unknown`.

import { userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';
import { call } from './http.js';

const servers: ServerProcess[] = [];
afterAll(async () => {
  for (const s of servers) {
    await s.stop();
    removeHome(s.home);
  }
});

/** Pushes and deploys digits through the CLI with `env`, and returns the actor history recorded for the deploy. */
async function deployActor(server: ServerProcess, env: NodeJS.ProcessEnv): Promise<string> {
  const push = await runCli(server.url, ['push', join(ROOT, 'examples', 'digits')], env);
  expect(push.code, push.stderr).toBe(0);
  const deploy = await runCli(server.url, ['deploy', 'digits', '--model', 'digits:1'], env);
  expect(deploy.code, deploy.stderr).toBe(0);
  const headers: Record<string, string> = env.SLIPWAY_TOKEN ? { authorization: `Bearer ${env.SLIPWAY_TOKEN}` } : {};
  const history = await call<{ actor: string }[]>(`${server.url}/api/v1/endpoints/digits/history`, 'GET', undefined, headers);
  expect(history.status).toBe(200);
  expect(history.body).toHaveLength(1);
  return history.body[0]!.actor;
}

describe('the actor in history', () => {
  it('is cli:<OS user> for the CLI on this host without a token, with $USER and $LOGNAME unset', async () => {
    const server = await startServer();
    servers.push(server);
    expect(await deployActor(server, { USER: undefined, LOGNAME: undefined })).toBe(`cli:${userInfo().username}`);
  }, 60_000);

  it('is the token\'s name when the request presents a token', async () => {
    const server = await startServer({ env: { SLIPWAY_ADMIN_TOKEN: 'test-secret' } });
    servers.push(server);
    expect(await deployActor(server, { SLIPWAY_TOKEN: 'test-secret' })).toBe('admin');
  }, 60_000);
});
