// A model on the event loop (runtime.onEventLoop) answers exactly as on a worker thread, batched or not; a deploy that
// asks for it with more than one instance is refused naming the setting.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { concurrently, deploy, DIGITS, golden, inferRows, push, startLoopServer, type LoopServer } from './loop-harness.js';

let loop: LoopServer;
beforeAll(async () => {
  loop = await startLoopServer();
  await push(loop.url, DIGITS);
});
afterAll(() => loop?.close());

it('serves the same predictions on the event loop as on a worker thread, batched under concurrency', async () => {
  const { rows } = golden(DIGITS, 'label');
  const sample = rows.slice(0, 48);
  const predict = async (): Promise<number[][]> =>
    (await concurrently(sample.length, 16, (i) => inferRows(loop.url, 'digits', [sample[i]!], 'label'))).map((a) => {
      expect(a.status).toBe(200);
      return a.prediction as number[];
    });
  await deploy(loop.url, 'digits', 'digits:1', { instances: 1, maxBatchSize: 1 });
  const onThread = await predict();
  await deploy(loop.url, 'digits', 'digits:1', { onEventLoop: true, maxBatchSize: 32 });
  const before = await counts();
  const onLoop = await predict();
  const after = await counts();
  expect(onLoop).toEqual(onThread);
  // 48 single-row requests from 16 clients: those that queued while a batch ran shared the next one.
  expect(after.inferences - before.inferences).toBe(48);
  expect(after.executions - before.executions).toBeLessThan(48);
  const many = await inferRows(loop.url, 'digits', sample, 'label');
  expect(many.prediction).toEqual(onThread.flat());
});

async function counts(): Promise<{ executions: number; inferences: number }> {
  const metrics = await (await fetch(`${loop.url}/metrics`)).text();
  const read = (name: string): number => Number(new RegExp(`${name}\\{model="digits",version="1"\\} (\\d+)`).exec(metrics)?.[1] ?? Number.NaN);
  return { executions: read('nv_inference_exec_count'), inferences: read('nv_inference_count') };
}

it('refuses onEventLoop with more than one instance, naming the setting', async () => {
  await expect(deploy(loop.url, 'digits', 'digits:1', { onEventLoop: true, instances: 2 })).rejects.toThrow(
    'runtime.instances: expected 1 with onEventLoop (the event loop is one thread), got 2',
  );
});
