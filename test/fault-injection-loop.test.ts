// kill -9 of a SQLite-backed server in the loop: after captures were acknowledged as written, inside a capture batch's
// transaction under traffic, mid-way through a streamed export, mid-way through a retraining run's dataset export and
// while its job runs. After each restart: every acknowledged capture is there once and whole, the cut batch is absent,
// no export file is left under a complete file's name, and an interrupted run is failed (not running) and can run again.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { killWhenPaused, startPausedAtStart, startPausing, waitUntil } from './fault-harness.js';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, tempHome, type ServerProcess } from './server-process.js';

const DIGITS = join(ROOT, 'examples', 'digits');
const home = tempHome();
let server: ServerProcess | undefined;
/** Rows per request: 20 requests make an export of several 64 KiB chunks (mid-stream has a middle). */
const ROWS = 50;
const ACKED = 20;

afterAll(async () => {
  await server?.stop('SIGKILL');
  removeHome(home);
});

function request(id: string): object {
  return { id, inputs: [{ name: 'input', datatype: 'FP32', shape: [ROWS, 64], data: Array.from({ length: ROWS * 64 }, (_, i) => i % 17) }] };
}

async function capturedCount(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return Number(/slipway_capture_records_total\{endpoint="digits"\} (\d+)/.exec(text)?.[1] ?? 0);
}

interface Run {
  id: number;
  status: string;
  error: string | null;
  dataset: string | null;
  outputDir: string | null;
}

async function runs(url: string): Promise<Run[]> {
  return (await call<Run[]>(`${url}/api/v1/endpoints/digits/retrain/runs`)).body;
}

beforeAll(async () => {
  server = await startServer({ home });
  expect((await runCli(server.url, ['push', DIGITS, '--no-validate'])).code).toBe(0);
  expect((await runCli(server.url, ['deploy', 'digits', '--model', 'digits:1'])).code).toBe(0);
  expect((await call(`${server.url}/api/v1/endpoints/digits/capture`, 'PUT', { enabled: true, maxPayloadBytes: 1024 * 1024 })).status).toBe(200);
});

it('captures acknowledged as written survive a kill; a batch killed inside its transaction leaves no row', async () => {
  for (let i = 0; i < ACKED; i++) expect((await call(`${server!.url}/v2/models/digits/infer`, 'POST', request(`a-${i}`))).status).toBe(200);
  // Acknowledged: the counter of written captures grows only once a batch's transaction has committed.
  await waitUntil(async () => (await capturedCount(server!.url)) === ACKED, 'the captures to be written');
  await server!.stop('SIGKILL');

  server = await startPausing(home, 'capture:before-commit');
  // Traffic until the server dies under it: the first batch stops inside its transaction and the kill follows.
  let answered = 0;
  const traffic = (async () => {
    const end = Date.now() + 20_000;
    for (let i = 0; Date.now() < end; i++) {
      try {
        if ((await call(`${server!.url}/v2/models/digits/infer`, 'POST', request(`b-${i}`))).status === 200) answered++;
      } catch {
        return; // the server is gone
      }
    }
  })();
  await killWhenPaused(server, 'capture:before-commit');
  await traffic;
  expect(answered).toBeGreaterThan(0);

  // The check below reads through an export: its first pass goes by; the second export is the next scenario's.
  server = await startPausing(home, 'export:mid-stream', 2);
  const exported = await fetch(`${server.url}/api/v1/endpoints/digits/export?format=jsonl`);
  expect(exported.status).toBe(200);
  const rows = (await exported.text()).trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
  const perRequest = new Map<string, number>();
  for (const row of rows) {
    perRequest.set(String(row.request_id), (perRequest.get(String(row.request_id)) ?? 0) + 1);
    // Whole rows: every feature and the prediction are there.
    expect(Object.keys(row).filter((k) => k.startsWith('pixel_'))).toHaveLength(64);
    expect(row.prediction).not.toBeNull();
  }
  expect([...perRequest.keys()].sort()).toEqual(Array.from({ length: ACKED }, (_, i) => `a-${i}`).sort());
  expect([...perRequest.values()].every((n) => n === ROWS)).toBe(true);
});

it('an export killed mid-stream leaves no file claimed complete', async () => {
  const file = join(home, 'digits.csv');
  const download = runCli(server!.url, ['export', 'digits', '--output', file]);
  await killWhenPaused(server!, 'export:mid-stream');
  const result = await download;
  expect(result.code).not.toBe(0);
  expect(result.stderr).toMatch(/broke off/);
  expect(existsSync(file)).toBe(false);
  expect(existsSync(`${file}.partial`)).toBe(false);
});

it("a retraining run killed mid-way through its dataset export is failed, and leaves no file under the dataset's name", async () => {
  server = await startPausing(home, 'export:mid-stream');
  const policy = { command: ['node', '-e', 'setTimeout(() => {}, 60000)'], dataset: { format: 'csv' } };
  expect((await call(`${server.url}/api/v1/endpoints/digits/retrain`, 'PUT', policy)).status).toBe(200);
  expect((await call(`${server.url}/api/v1/endpoints/digits/retrain/runs`, 'POST')).status).toBe(202);
  await killWhenPaused(server, 'export:mid-stream');

  server = await startServer({ home });
  const [run] = await runs(server.url);
  expect(run).toMatchObject({ status: 'failed', error: 'the server stopped while the job ran', dataset: null });
  const dir = join(home, 'retrain', 'digits', String(run!.id));
  expect(readdirSync(dir).filter((f) => f.startsWith('dataset'))).toEqual(['dataset.csv.partial']);
});

it('a retraining run killed while its job runs is failed after the restart, and runs again', async () => {
  const pidFile = join(home, 'job.pid');
  const policy = { command: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`], dataset: { format: 'csv' } };
  expect((await call(`${server!.url}/api/v1/endpoints/digits/retrain`, 'PUT', policy)).status).toBe(200);
  expect((await call(`${server!.url}/api/v1/endpoints/digits/retrain/runs`, 'POST')).status).toBe(202);
  await waitUntil(() => existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim() !== '', 'the job to start');
  const [running] = await runs(server!.url);
  expect(running).toMatchObject({ status: 'running' });
  expect(readFileSync(running!.dataset!, 'utf8').split('\n').length).toBeGreaterThan(ACKED * ROWS); // the whole dataset
  await server!.stop('SIGKILL');
  // The job outlives the server it was started by (it is not ours to keep): stopped here by its PID.
  process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGKILL');

  server = await startServer({ home });
  const [failed] = await runs(server.url);
  expect(failed).toMatchObject({ id: running!.id, status: 'failed', error: 'the server stopped while the job ran' });
  expect((await call(`${server.url}/api/v1/endpoints/digits/retrain`, 'PUT', { command: ['true'] })).status).toBe(200);
  expect((await call(`${server.url}/api/v1/endpoints/digits/retrain/runs`, 'POST')).status).toBe(202);
  await waitUntil(async () => (await runs(server!.url))[0]!.status !== 'running', 'the new run to finish');
  const [again] = await runs(server.url);
  expect(again!.id).toBeGreaterThan(running!.id);
  expect(again!.status).toBe('succeeded');
});

it('a request a restored endpoint answers before the restart has finished is captured', async () => {
  await server!.stop('SIGKILL');
  // Paused after the endpoints are restored (they serve), before rollouts and the loop's timers start.
  server = await startPausedAtStart(home, 'restore:before-rollouts');
  expect((await call(`${server.url}/v2/models/digits/infer`, 'POST', request('early-0'))).status).toBe(200);
  await waitUntil(async () => (await capturedCount(server!.url)) === 1, 'the early capture to be written');
  await server.stop('SIGKILL');

  server = await startServer({ home });
  const exported = await (await fetch(`${server.url}/api/v1/endpoints/digits/export?format=jsonl`)).text();
  expect(exported).toContain('"request_id":"early-0"');
});
