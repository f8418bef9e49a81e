// Failures of Python models stay contained: an exception fails its request (500, the message returned) and counts as an
// error; a worker process that exits or is killed fails the requests it held and is replaced while the other instance
// keeps answering; a predict stuck past its request's deadline is killed (504) and its process replaced; a wrong
// answer names the output; a push whose imports are missing names the module. Real processes, real HTTP.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, infer } from './http.js';
import { concurrently, deploy, push, ROOT, startLoopServer, waitFor, type LoopServer } from './loop-harness.js';
import { scrape } from './metrics.js';

const ADDER = join(ROOT, 'test', 'fixtures', 'python');
/** The longest deadline a request may ask for, and so the bound after which a stuck Python run is killed. */
const MAX_TIMEOUT_MS = 1500;
let loop: LoopServer;

beforeAll(async () => {
  loop = await startLoopServer({}, { maxTimeoutMs: MAX_TIMEOUT_MS });
  await push(loop.url, ADDER);
  await deploy(loop.url, 'adder', 'adder:1', { instances: 2, maxBatchSize: 1 });
}, 60_000);
const temp: string[] = [];
afterAll(async () => {
  await loop?.close();
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

const request = (x0: number, x1: number): object => ({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 2], data: [x0, x1] }] });
const pidOf = (body: { outputs: { name: string; data: unknown[] }[] }): number => Number(body.outputs.find((o) => o.name === 'pid')!.data[0]);

/** The worker processes answering now: pids seen over a few requests. */
async function livePids(): Promise<Set<number>> {
  const answers = await concurrently(8, 4, () => infer(loop.url, 'adder', request(1, 1)));
  for (const a of answers) expect(a.status).toBe(200);
  return new Set(answers.map((a) => pidOf(a.body)));
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('faults', () => {
  it('an exception in predict fails that request with its message, counts as an error, and the instance lives on', async () => {
    const before = (await scrape(loop.url))('nv_inference_request_failure', { model: 'adder', reason: 'error' });
    const pids = await livePids();
    const r = await infer(loop.url, 'adder', request(-1, 0));
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).toContain('ValueError: x0 = -1 is refused by this model');
    expect((await scrape(loop.url))('nv_inference_request_failure', { model: 'adder', reason: 'error' })).toBe(before + 1);
    expect(await livePids()).toEqual(pids);
  });

  it('a worker that exits mid-predict fails its request as an error and is replaced', async () => {
    const r = await infer(loop.url, 'adder', request(-3, 0));
    expect(r.status).toBe(500);
    expect(JSON.stringify(r.body)).toContain('python worker stopped unexpectedly (exit code 3)');
    await waitFor('two instances again', async () => (await livePids()).size === 2);
  });

  it('a worker killed under load fails only the requests it held; the others succeed and it is replaced', async () => {
    const [victim] = await livePids();
    // Slow requests keep both instances busy while the victim is killed.
    const load = concurrently(40, 8, () => infer(loop.url, 'adder', request(-7, 0.05)));
    await new Promise((r) => setTimeout(r, 150));
    process.kill(victim!, 'SIGKILL');
    const answers = await load;
    const failed = answers.filter((a) => a.status !== 200);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(answers.length / 2);
    for (const f of failed) {
      expect(f.status).toBe(500);
      expect(JSON.stringify(f.body)).toContain('signal SIGKILL');
    }
    const after = await waitFor('a replacement instance', async () => {
      const pids = await livePids();
      return pids.size === 2 && !pids.has(victim!) ? pids : undefined;
    });
    expect(after.size).toBe(2);
  });

  it('a predict stuck past its request\'s deadline is killed: the request gets 504 at its deadline, the process is replaced', async () => {
    const before = await livePids();
    const started = Date.now();
    const stuck = call(`${loop.url}/v2/models/adder/infer`, 'POST', request(-2, 30), { 'x-slipway-timeout-ms': '300' });
    // The other instance answers meanwhile.
    await new Promise((r) => setTimeout(r, 100));
    expect((await infer(loop.url, 'adder', request(1, 1))).status).toBe(200);
    // The scheduler hands the batch's deadline to the runner, which kills the run there, not after the 30 s it sleeps.
    const r = await stuck;
    expect(r.status).toBe(504);
    expect(JSON.stringify(r.body)).toContain('predict was still running at the deadline of its requests; its python worker was killed');
    expect(Date.now() - started).toBeLessThan(300 + 2000);
    const after = await waitFor('the stuck worker replaced', async () => {
      const pids = await livePids();
      return pids.size === 2 && [...before].some((p) => !pids.has(p)) ? pids : undefined;
    }, 15_000);
    const killed = [...before].find((p) => !after.has(p))!;
    expect(alive(killed)).toBe(false);
  });

  it('a wrong shape or datatype fails the request with the output named', async () => {
    const shape = await infer(loop.url, 'adder', request(-4, 0));
    expect(shape.status).toBe(500);
    expect(JSON.stringify(shape.body)).toContain('output \\"y\\" has shape [1,2], but the signature declares [-1] for 1 row');
    const datatype = await infer(loop.url, 'adder', request(-5, 0));
    expect(datatype.status).toBe(500);
    expect(JSON.stringify(datatype.body)).toContain('output \\"y\\" has datatype FP64, but the signature declares FP32');
    expect((await livePids()).size).toBe(2);
  });
});

describe('push', () => {
  function variant(edit: (dir: string) => void): string {
    const dir = mkdtempSync(join(tmpdir(), 'slipway-py-pkg-'));
    temp.push(dir);
    cpSync(ADDER, dir, { recursive: true });
    edit(dir);
    return dir;
  }

  it('refuses a model whose imports are missing, naming the module and its Debian package', async () => {
    const dir = variant((d) => writeFileSync(join(d, 'model.py'), `import slipway_no_such_module\n${readFileSync(join(ADDER, 'model.py'), 'utf8')}`));
    await expect(push(loop.url, dir)).rejects.toThrow("python module 'slipway_no_such_module' is not installed; apt-get install python3-slipway-no-such-module");
  });

  it('refuses a python-format package without a signature, and one whose model answers other than it declares', async () => {
    const manifest = readFileSync(join(ADDER, 'slipway.yaml'), 'utf8');
    const unsigned = variant((d) => writeFileSync(join(d, 'slipway.yaml'), manifest.replace(/signature:[\s\S]*?features:/, 'features:')));
    await expect(push(loop.url, unsigned)).rejects.toThrow('format "python" needs the model\'s signature in slipway.yaml');
    const wrong = variant((d) => writeFileSync(join(d, 'slipway.yaml'), manifest.replace('{name: rows, datatype: INT64', '{name: rows, datatype: INT32')));
    await expect(push(loop.url, wrong)).rejects.toThrow('output "rows" has datatype INT64, but the signature declares INT32');
    const typo = variant((d) => writeFileSync(join(d, 'slipway.yaml'), manifest.replace('datatype: FP32, shape: [-1, 2]', 'datatype: FLOAT, shape: [-1, 2]')));
    await expect(push(loop.url, typo)).rejects.toThrow('field "signature.inputs[0].datatype": expected one of BOOL');
  });

  it('refuses a push when the configured interpreter does not exist', async () => {
    const other = await startLoopServer({}, { python: '/nonexistent/python3' });
    try {
      await expect(push(other.url, ADDER)).rejects.toThrow('/nonexistent/python3 could not be started');
    } finally {
      await other.close();
    }
  });
});
