// `slipway serve` with no --workers flag, as a real process tree on loopback: one worker per core (at most 8) on this
// host, the examples banner printed once all serve, and the dashboard's series and overview from any worker covering
// the requests every worker answered.

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverProcesses } from '../src/core/server-processes.js';
import { usableCores } from '../src/core/usable-cores.js';
import { DIGITS, waitFor } from './loop-harness.js';
import { ask, inferDigits, replicas } from './replica-client.js';
import { removeHome, startServer, tempHome, type ServerProcess } from './server-process.js';

const expected = serverProcesses('auto', usableCores());
let server: ServerProcess;
const home = tempHome();
const examples = mkdtempSync(join(tmpdir(), 'slipway-examples-'));

beforeAll(async () => {
  // The digits example alone: the banner and the bootstrap are what is tested, not how long every example takes.
  cpSync(DIGITS, join(examples, 'digits'), { recursive: true });
  server = await startServer({ home, defaults: true, args: ['--examples', examples], timeoutMs: 90_000 });
}, 120_000);

afterAll(async () => {
  await server?.stop();
  removeHome(home);
  rmSync(examples, { recursive: true, force: true });
});

describe('serve with no --workers flag', () => {
  it(`runs one worker per core here (${expected}), says so, and prints the examples banner once`, async () => {
    const out = await waitFor('the examples banner', async () => server.output().includes('Dashboard: ') && server.output(), 10_000);
    if (expected > 1) expect(out).toContain(`${expected} workers, one per core; --workers 1 for a single process`);
    else expect(out).not.toContain('workers');
    expect(await replicas(server.url)).toHaveLength(expected);
    expect(out.split('endpoint "digits" serves digits:1').length).toBe(2);
    expect(out).toContain(`curl -s -X POST ${server.url}/v2/models/digits/infer`);
    expect(out).toContain(`Dashboard: ${server.url}/`);
    // Every worker is ready, not only the one that pushed the examples.
    const ready = await Promise.all(Array.from({ length: 4 * expected }, () => ask(server.url, '/v2/health/ready')));
    expect(new Set(ready.map((r) => r.replica)).size).toBe(expected);
    expect(ready.map((r) => r.status)).toEqual(ready.map(() => 200));
  });

  it('answers the dashboard series and overview of the whole server from any worker', async () => {
    const answers = await Promise.all(Array.from({ length: 40 }, () => inferDigits(server.url)));
    expect(answers.map((a) => a.status)).toEqual(Array(40).fill(200));
    expect(new Set(answers.map((a) => a.replica)).size).toBe(expected);
    // Points are finished seconds: wait for the last one, then ask on fresh connections (different workers).
    const served = async (): Promise<number[]> => {
      const totals: number[] = [];
      for (let i = 0; i < 2 * expected; i++) {
        const r = await ask(server.url, '/api/v1/endpoints/digits/series?seconds=120');
        if (r.status !== 200) throw new Error(`series answered ${r.status}: ${r.body}`);
        const body = JSON.parse(r.body) as { variants: { variant: string; points: { requests: number }[] }[] };
        totals.push(body.variants.flatMap((v) => v.points).reduce((n, p) => n + p.requests, 0));
      }
      return totals;
    };
    await waitFor('every worker to count all 40 requests in the series', async () => (await served()).every((n) => n === 40), 5_000);
    const overview = await ask(server.url, '/api/v1/overview');
    const digits = (JSON.parse(overview.body) as { endpoints: { name: string; variants: { spark: number[] }[] }[] }).endpoints.find((e) => e.name === 'digits');
    expect(digits!.variants[0]!.spark.reduce((a, b) => a + b, 0)).toBe(40);
  }, 30_000);
});
