// The `slipway` command end to end against a real server: push, inspect, alias, deploy, predict, remove.

import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

let server: ServerProcess;
const slipway = (...args: string[]): ReturnType<typeof runCli> => runCli(server.url, args);

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
});

describe('slipway CLI', () => {
  it('pushes packages and bare files, lists and shows them', async () => {
    const push = await slipway('push', join(ROOT, 'examples', 'digits'));
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toMatch(/^pushed digits:1/);
    expect(push.stdout).toMatch(/input\s+FP32\s+\[-1,64\]\s+64 features/);
    expect(push.stdout).toMatch(/golden-accuracy \(accuracy >= 0.95\)/);
    const bare = await slipway('--json', 'push', join(ROOT, 'test', 'fixtures', 'models', 'fixed_shape.onnx'));
    expect(bare.code, bare.stderr).toBe(0);
    expect(JSON.parse(bare.stdout)).toMatchObject({ name: 'fixed_shape', version: 1, task: 'other' });
    const named = await slipway('push', join(ROOT, 'test', 'fixtures', 'models', 'fixed_shape.onnx'), '--name', 'doubler');
    expect(named.stdout).toMatch(/^pushed doubler:1/);

    const ls = await slipway('models', 'ls');
    expect(ls.stdout.split('\n')[0]).toMatch(/^name\s+latest\s+versions\s+aliases\s+task\s+description$/);
    expect(ls.stdout).toMatch(/digits\s+1\s+1\s+classification/);
    const lsJson = JSON.parse((await slipway('--json', 'models', 'ls')).stdout) as { name: string }[];
    expect(lsJson.map((m) => m.name)).toEqual(['digits', 'doubler', 'fixed_shape']);

    const show = await slipway('models', 'show', 'digits:1');
    expect(show.stdout).toMatch(/label\s+INT64\s+\[-1\]\s+10 labels/);
    const missing = await slipway('models', 'show', 'digits:5');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: 404: model version digits:5 not found\n');
  });

  it('moves aliases and deploys through them', async () => {
    expect((await slipway('push', join(ROOT, 'examples', 'digits'))).stdout).toMatch(/pushed digits:2/);
    expect((await slipway('alias', 'digits@champion', 'digits:1')).stdout.trim()).toBe('digits@champion -> digits:1');
    const deploy = await slipway('deploy', 'digits', '--model', 'digits@champion', '--instances', '2', '--reason', 'first release');
    expect(deploy.code, deploy.stderr).toBe(0);
    expect(deploy.stdout).toMatch(/primary\s+digits:1\s+digits@champion\s+100\s+2\s+1/);
    expect((await slipway('alias', 'digits@champion', 'digits')).stdout.trim()).toBe('digits@champion -> digits:2');
    // moving an alias does not redeploy: the endpoint keeps the version it resolved to
    expect((await slipway('endpoints', 'show', 'digits')).stdout).toMatch(/digits:1/);
    const ls = await slipway('endpoints', 'ls');
    expect(ls.stdout).toMatch(/digits\s+ready\s+digits:1 \(100\)\s+1/);
    const history = await slipway('history', 'digits');
    expect(history.stdout).toMatch(/create\s+1\s+digits:1\s+first release/);
    expect((await slipway('alias', 'digits@nope', 'other:1')).stderr).toMatch(/the target must be a version of digits/);
  });

  it('deploys without runtime flags to a runtime picked for this host, and says what it measured', async () => {
    const deploy = await slipway('deploy', 'digits-auto', '--model', 'digits:1');
    expect(deploy.code, deploy.stderr).toBe(0);
    // digits runs in microseconds: one instance (on the event loop, or one worker thread if that measured faster here),
    // one thread, batching of what queues while it runs
    expect(deploy.stdout).toMatch(/primary\s+digits:1\s+digits:1\s+100\s+(event loop|1) \(auto\)\s+1 \(auto\)\s+32 \(auto\)\s+0\s+128/);
    expect(deploy.stdout).toMatch(
      /runtime of "primary" picked for this host \(auto\): one run takes 0\.\d{3} ms(?: on the event loop and 0\.\d{3} ms through a worker thread: it runs on the event loop|, about what the hop to its worker costs: 1 instance with 1 thread), and requests that queue while it runs share a batch \(up to 32 rows/,
    );
    const view = JSON.parse((await slipway('--json', 'endpoints', 'show', 'digits-auto')).stdout) as { variants: { runtime: { auto: boolean }; running: { maxBatchSize: number }; picked?: string }[] };
    expect(view.variants[0]).toMatchObject({ runtime: { auto: true }, running: { maxBatchSize: 32 } });
    const conflicting = await slipway('deploy', 'digits-auto', '--model', 'digits:1', '--runtime', 'auto', '--instances', '2');
    expect(conflicting.code).toBe(1);
    expect(conflicting.stderr).toBe('error: --runtime auto picks instances, threads and batching itself: drop the flags that set instances\n');
    // Naming a setting fixes the runtime as written: nothing is picked any more.
    const fixed = JSON.parse((await slipway('--json', 'deploy', 'digits-auto', '--model', 'digits:1', '--instances', '2')).stdout) as typeof view;
    expect(fixed.variants[0]!.runtime).toMatchObject({ auto: false, instances: 2, maxBatchSize: 1 });
    expect(fixed.variants[0]!.picked).toBeUndefined();
    expect((await slipway('endpoints', 'rm', 'digits-auto')).code).toBe(0);
  });

  it('predicts from a JSON request and from CSV rows named by feature', async () => {
    const json = await slipway('predict', 'digits', '--input', join(ROOT, 'examples', 'digits', 'request.json'));
    expect(json.code, json.stderr).toBe(0);
    expect(json.stdout).toMatch(/^digits \(version 1\)/);
    expect(json.stdout).toMatch(/\n0\s+2\s+\[/);
    expect(json.stdout).toMatch(/\n1\s+0\s+\[/);
    const csv = await slipway('--json', 'predict', 'digits', '--input', join(ROOT, 'examples', 'digits', 'golden.csv'));
    expect(csv.code, csv.stderr).toBe(0);
    const reply = JSON.parse(csv.stdout) as { outputs: { name: string; shape: number[]; data: number[] }[] };
    const label = reply.outputs.find((o) => o.name === 'label')!;
    expect(label.shape).toEqual([450]);
    const { readFileSync } = await import('node:fs');
    const truth = readFileSync(join(ROOT, 'examples', 'digits', 'golden.csv'), 'utf8').trim().split('\n').slice(1).map((l) => Number(l.split(',').at(-1)));
    const accuracy = label.data.filter((v, i) => v === truth[i]).length / truth.length;
    expect(accuracy).toBeGreaterThan(0.97);
    const v2 = await slipway('predict', 'digits', '--version', '2', '--input', join(ROOT, 'examples', 'digits', 'request.json'));
    expect(v2.stdout).toMatch(/^digits \(version 2\)/);
  });

  it('refuses to remove what is in use, then removes in order', async () => {
    const refused = await slipway('models', 'rm', 'digits:1');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/served by endpoint "digits"/);
    const aliased = await slipway('models', 'rm', 'digits:2');
    expect(aliased.stderr).toMatch(/target of alias digits@champion/);
    expect((await slipway('endpoints', 'rm', 'digits')).code).toBe(0);
    expect((await slipway('models', 'rm', 'digits:1')).stdout.trim()).toBe('removed digits:1');
    expect((await slipway('alias', 'digits@champion', '--rm')).code).toBe(0);
    expect((await slipway('models', 'rm', 'digits:2')).code).toBe(0);
    expect((await slipway('models', 'rm', 'digits')).stderr).toMatch(/name the version to remove, e.g. digits:1/);
    expect((await slipway('endpoints', 'ls')).stdout).toMatch(/no endpoints yet/);
    // numbers are never reused
    expect((await slipway('push', join(ROOT, 'examples', 'digits'))).stdout).toMatch(/pushed digits:3/);
  });

  it('explains what to do when the server is not there or input is wrong', async () => {
    const down = await runCli('http://127.0.0.1:9', ['models', 'ls']);
    expect(down.code).toBe(1);
    expect(down.stderr).toMatch(/cannot reach Slipway at http:\/\/127.0.0.1:9 .*is the server running\? Start it with "slipway serve"/);
    expect((await slipway('push', '/nonexistent/dir')).stderr).toMatch(/no such file or directory/);
    expect((await slipway('deploy', 'Bad/Name', '--model', 'digits:3')).stderr).toMatch(/endpoint name "Bad\/Name" is invalid/);
  });
});
