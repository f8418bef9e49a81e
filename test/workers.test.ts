// `slipway serve --workers 2` on SQLite, as real processes on loopback: a deploy through one worker is answered by both
// within a second; /metrics of either shows both; a worker killed with SIGKILL is replaced while the other keeps
// serving; a rollout runs once.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import { scrape } from './metrics.js';
import { DIGITS, waitFor } from './loop-harness.js';
import { ask, inferDigits, replicas, untilAllAnswer } from './replica-client.js';
import { removeHome, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';

// A fixed runtime: the time measured is the follow-and-swap, not `auto`'s timing of the model on load (which runs
// once per load, in every replica, and takes longer on a loaded machine).
const FIXED_DEPLOY = { model: 'digits:1', runtime: { auto: false, instances: 1 } };

let server: ServerProcess;
const home = tempHome();

beforeAll(async () => {
  server = await startServer({ home, args: ['--workers', '2'] });
  expect(server.output()).toContain('2 workers');
  expect((await runCli(server.url, ['push', DIGITS])).code).toBe(0);
}, 60_000);

afterAll(async () => {
  await server?.stop();
  removeHome(home);
});

describe('--workers 2 on SQLite', () => {
  it('serves a deploy made through one worker from both within 1 s', async () => {
    const ids = (await replicas(server.url)).map((r) => r.id);
    expect(ids).toHaveLength(2);
    // The deploy returns once the worker that took it serves the new spec; the other follows the store.
    const deployed = await ask(server.url, '/api/v1/endpoints/digits', 'PUT', FIXED_DEPLOY);
    expect(deployed.status).toBe(200);
    const ms = await untilAllAnswer(ids, () => inferDigits(server.url), 1000);
    expect(ms).toBeLessThan(1000);
  }, 30_000);

  it('shows the whole server at /metrics of any worker (prom-client cluster aggregation)', async () => {
    const total = async (): Promise<number> => (await scrape(server.url))('nv_inference_request_success', { model: 'digits' });
    const before = await total();
    const answers = await Promise.all(Array.from({ length: 20 }, () => inferDigits(server.url)));
    expect(answers.every((a) => a.status === 200)).toBe(true);
    expect(new Set(answers.map((a) => a.replica)).size).toBe(2);
    expect((await total()) - before).toBe(20);
  }, 30_000);

  it('replaces a worker killed with SIGKILL while the other keeps serving', async () => {
    const before = await replicas(server.url);
    expect(before).toHaveLength(2);
    const seen: string[] = [];
    let ok = 0;
    let failed = 0;
    let running = true;
    const clients = Array.from({ length: 3 }, async () => {
      while (running) {
        const r = await inferDigits(server.url);
        if (r.status === 200) ok++;
        else {
          failed++;
          seen.push(`${r.status} ${r.replica} ${r.body.slice(0, 80)}`);
        }
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const victim = before[1]!;
    process.kill(victim.pid, 'SIGKILL');
    const okAtKill = ok;
    // A new replica answers: the primary started another worker, which loaded the stored endpoint.
    const fresh = await waitFor('a replacement worker that serves', async () => {
      const r = await inferDigits(server.url);
      return r.status === 200 && r.replica && !before.some((b) => b.id === r.replica) ? r.replica : undefined;
    }, 20_000, 20);
    running = false;
    await Promise.all(clients);
    expect(fresh).toBeDefined();
    expect(ok).toBeGreaterThan(okAtKill);
    // Only what the killed worker had in flight may fail: at most one request per client.
    expect(failed, seen.join('\n')).toBeLessThanOrEqual(3);
    // The killed worker's duties (if it held any) were taken at once, not after its lease ran out; it left the list.
    const cluster = await waitFor('every duty held by a living worker', async () => {
      const view = JSON.parse((await ask(server.url, '/api/v1/cluster')).body) as { replicas: { id: string }[]; duties: { holder: string; live: boolean }[] };
      const living = new Set(view.replicas.map((r) => r.id));
      return view.duties.length === 5 && view.duties.every((d) => d.live && living.has(d.holder)) && !living.has(victim.id) ? view : undefined;
    }, 3000, 100);
    expect(cluster.replicas).toHaveLength(2);
    expect(server.output()).toMatch(new RegExp(`worker 2 \\(pid ${victim.pid}\\) exited \\(SIGKILL\\); starting another`));
  }, 40_000);

  it('runs a rollout once: one sequence of steps in the history, whichever worker holds the duty', async () => {
    expect((await runCli(server.url, ['push', DIGITS])).code).toBe(0);
    let running = true;
    const traffic = (async () => {
      while (running) await inferDigits(server.url);
    })();
    const started = await runCli(server.url, ['rollout', 'digits', '--to', 'digits:2', '--steps', '30,60,100', '--bake', '700ms', '--gate', 'min_requests>=1', '--force', '--reason', 'workers test']);
    expect(started.code).toBe(0);
    const done = await waitFor('the rollout to finish', async () => {
      const r = await call<{ status: string; id: string }>(`${server.url}/api/v1/endpoints/digits/rollout`);
      return r.body.status !== 'running' ? r.body : undefined;
    }, 30_000, 100);
    running = false;
    await traffic;
    expect(done.status).toBe('succeeded');
    // Both workers' histories are the one in the store; give a second worker's stray tick the time to show up.
    await new Promise((r) => setTimeout(r, 1500));
    const history = (await call<{ action: string; reason: string | null; details: { rollout?: string; step?: number; share?: number } | null }[]>(
      `${server.url}/api/v1/endpoints/digits/history`,
    )).body.filter((e) => e.details?.rollout === done.id);
    // Started at 30% (the start's own event), advanced to 60% and 100%, succeeded: each once.
    expect(history.map((e) => [e.action, e.details?.share])).toEqual([['update', undefined], ['update', 60], ['update', 100], ['update', 100]]);
  }, 60_000);

  it('drains on SIGTERM: the primary stops every worker and exits 0', async () => {
    const pids = (await replicas(server.url)).map((r) => r.pid);
    expect(pids).toHaveLength(2);
    const exited = new Promise<number | null>((resolve) => server.child.once('exit', (code) => resolve(code)));
    server.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const alive = pids.filter((pid) => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    });
    expect(alive).toEqual([]);
  }, 30_000);
});
