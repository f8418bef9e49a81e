// Endpoints as code end to end: `slipway apply -f` creates and updates endpoints from a manifest, `get -o yaml` prints
// one that applies back as no change, dry runs change nothing, weight changes do not reload, mistakes point at fields.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call } from './http.js';
import { removeHome, ROOT, runCli, startServer, type ServerProcess } from './server-process.js';

const FIXTURES = join(ROOT, 'test', 'fixtures', 'models');
const files = mkdtempSync(join(tmpdir(), 'slipway-manifests-'));
let server: ServerProcess;

async function cli(...args: string[]): Promise<string> {
  const r = await runCli(server.url, args);
  if (r.code !== 0) throw new Error(`slipway ${args.join(' ')} failed: ${r.stderr}`);
  return r.stdout;
}

function file(name: string, text: string): string {
  const path = join(files, name);
  writeFileSync(path, text);
  return path;
}

interface Stats {
  variant: string;
  requests: number;
}

const stats = async (endpoint: string): Promise<Map<string, number>> =>
  new Map((await call<Stats[]>(`${server.url}/api/v1/endpoints/${endpoint}/stats`)).body.map((s) => [s.variant, s.requests]));

const revisions = async (endpoint: string): Promise<number> =>
  (await call<unknown[]>(`${server.url}/api/v1/endpoints/${endpoint}/history`)).body.length;

const twinBody = JSON.stringify({ inputs: [{ name: 'x', datatype: 'FP32', shape: [1, 16], data: Array.from({ length: 16 }, (_, i) => i) }] });

/** Sends `n` requests, `concurrency` at a time; returns how many each variant answered and how many failed. */
async function traffic(endpoint: string, n: number, concurrency = 8): Promise<{ byVariant: Map<string, number>; failed: number }> {
  const byVariant = new Map<string, number>();
  let failed = 0;
  let sent = 0;
  const loop = async (): Promise<void> => {
    while (sent < n) {
      sent++;
      const r = await fetch(`${server.url}/v2/models/${endpoint}/infer`, { method: 'POST', body: twinBody });
      await r.text();
      if (r.status !== 200) failed++;
      const v = r.headers.get('x-slipway-variant') ?? '';
      byVariant.set(v, (byVariant.get(v) ?? 0) + 1);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  return { byVariant, failed };
}

const TWIN = `kind: Endpoint
name: twin
variants:
  - name: stable
    model: twin:1
    weight: 90
    runtime: { instances: 2, intraOpThreads: 1, maxBatchSize: 32, maxQueueDelayMicros: 500 }
  - name: canary
    model: twin:2
    weight: 10
  - name: shadow
    model: twin@challenger
    shadow: true
routing:
  stickyHeader: x-user
rollout:
  strategy: canary
  steps: [5, 25, 50, 100]
  bake: 2m
  gates: ["error_rate<=0.01", "p99_latency_ratio<=1.3", "agreement>=0.97", "min_requests>=200"]
  grace: 5m
`;

beforeAll(async () => {
  server = await startServer();
  await cli('push', join(FIXTURES, 'twin_fast.onnx'), '--name', 'twin');
  await cli('push', join(FIXTURES, 'twin_fast.onnx'), '--name', 'twin');
  await cli('alias', 'twin@challenger', 'twin:2');
});

afterAll(async () => {
  await server?.stop();
  if (server) removeHome(server.home);
  rmSync(files, { recursive: true, force: true });
});

describe('slipway apply', () => {
  it('creates an endpoint with stable 90 / canary 10 and a shadow; traffic meets both live variants, never the shadow', async () => {
    const out = await cli('apply', '-f', file('twin.yaml', TWIN));
    expect(out.split('\n')).toEqual(expect.arrayContaining([
      '+ endpoint twin',
      '+ variant stable (twin:1, weight 90)',
      '+ variant canary (twin:2, weight 10)',
      '+ variant shadow (twin:2, shadow)',
      'applied revision 1 of endpoint "twin"',
    ]));
    const { byVariant, failed } = await traffic('twin', 300);
    expect(failed).toBe(0);
    expect([...byVariant.keys()].sort()).toEqual(['canary', 'stable']);
    expect(byVariant.get('canary')).toBeGreaterThan(5);
    expect(byVariant.get('stable')).toBeGreaterThan(byVariant.get('canary')! * 3);
    // The shadow got copies of what callers sent (off their path), and its answers went nowhere.
    await expect.poll(async () => (await stats('twin')).get('shadow'), { timeout: 10_000 }).toBeGreaterThan(200);
    const view = (await call<{ variants: { name: string; model: string; ref: string; runtime: Record<string, number> }[] }>(`${server.url}/api/v1/endpoints/twin`)).body;
    expect(view.variants.find((v) => v.name === 'shadow')).toMatchObject({ model: 'twin:2', ref: 'twin@challenger' });
    expect(view.variants.find((v) => v.name === 'stable')!.runtime).toMatchObject({ instances: 2, maxBatchSize: 32, maxQueueDelayMicros: 500, maxQueueSize: 128 });
  });

  it('prints with get -o yaml (and json) a manifest that applies back as no change and no new revision', async () => {
    const yaml = await cli('get', 'endpoint', 'twin', '-o', 'yaml');
    expect(yaml).toMatch(/^kind: Endpoint\nname: twin\nvariants:\n {2}- name: stable\n {4}model: twin:1\n {4}weight: 90\n/);
    // the version the shadow runs, not the alias: applying the document later must not follow a moved alias
    expect(yaml).toMatch(/- name: shadow\n {4}model: twin:2\n {4}weight: 0\n {4}shadow: true\n/);
    expect(yaml).toMatch(/^ {2}gates: \[error_rate<=0\.01, p99_latency_ratio<=1\.3, agreement>=0\.97, min_requests>=200\]$/m);
    const before = await revisions('twin');
    expect(await cli('apply', '-f', file('got.yaml', yaml))).toBe('no changes to endpoint "twin" (revision 1)\n');
    const json = await cli('get', 'endpoint', 'twin', '-o', 'json');
    expect(await cli('apply', '-f', file('got.json', json))).toMatch(/^no changes/);
    // the original file too: its alias still resolves to the version the shadow runs
    expect(await cli('apply', '-f', join(files, 'twin.yaml'))).toMatch(/^no changes/);
    expect(await revisions('twin')).toBe(before);
    expect(await cli('history', 'twin')).toMatch(/create\s+1\s+.*created from a spec/);
  });

  it('dry run prints the diff against the live spec and changes nothing', async () => {
    const before = (await call(`${server.url}/api/v1/endpoints/twin/spec`)).body;
    const changed = TWIN.replace('weight: 90', 'weight: 70').replace('weight: 10', 'weight: 30\n    compareWith: stable\n    runtime: { instances: 2 }')
      .replace(/ {2}- name: shadow\n.*\n.*\n/, '  - name: blue\n    model: twin:1\n    weight: 0\n').replace('bake: 2m', 'bake: 30s');
    const out = await cli('apply', '-f', file('changed.yaml', changed), '--dry-run');
    expect(out.trim().split('\n')).toEqual([
      '- variant shadow (twin:2, shadow)',
      '~ variant stable: weight 90 -> 70',
      '~ variant canary: weight 10 -> 30',
      '~ variant canary: compareWith (none) -> stable',
      // The canary's runtime was left to the host (auto); naming instances fixes it.
      '~ variant canary: runtime.auto true -> false',
      '~ variant canary: runtime.instances 1 -> 2',
      '+ variant blue (twin:1, weight 0)',
      '~ rollout.bake: 2m -> 30s',
      'dry run: nothing applied',
    ]);
    const api = await call<{ diff: string[]; applied: boolean; revision: number }>(
      `${server.url}/api/v1/endpoints/twin/spec?dryRun=true`, 'PUT', { name: 'twin', variants: [{ name: 'solo', model: 'twin:2' }] },
    );
    expect(api.body).toEqual({ diff: expect.arrayContaining(['+ variant solo (twin:2, weight 100)', '- variant stable (twin:1, weight 90)']), applied: false, revision: 1 });
    expect((await call(`${server.url}/api/v1/endpoints/twin/spec`)).body).toEqual(before);
    expect(await revisions('twin')).toBe(1);
  });

  it('changes a weight without reloading: the variant keeps serving and keeps its window', async () => {
    const before = await stats('twin');
    expect(before.get('stable')).toBeGreaterThan(0);
    const during = traffic('twin', 400, 4);
    await new Promise((r) => setTimeout(r, 100));
    const out = await cli('apply', '-f', file('weights.yaml', TWIN.replace('weight: 90', 'weight: 80').replace('weight: 10', 'weight: 20')));
    expect(out.trim().split('\n')).toEqual(['~ variant stable: weight 90 -> 80', '~ variant canary: weight 10 -> 20', 'applied revision 2 of endpoint "twin"']);
    const { failed } = await during;
    expect(failed).toBe(0);
    // A reloaded variant would start a new window from zero.
    const after = await stats('twin');
    for (const variant of ['stable', 'canary', 'shadow']) expect(after.get(variant)).toBeGreaterThanOrEqual(before.get(variant)!);
    expect((await call<{ variants: { weight: number }[] }>(`${server.url}/api/v1/endpoints/twin/spec`)).body.variants.map((v) => v.weight)).toEqual([80, 20, 0]);
    const history = (await call<{ reason: string; details: { diff?: string[] } | null }[]>(`${server.url}/api/v1/endpoints/twin/history`)).body;
    expect(history.at(-1)!.details?.diff).toEqual(['~ variant stable: weight 90 -> 80', '~ variant canary: weight 10 -> 20']);
  });

  it('refuses invalid manifests with a message that points at the field, and changes nothing', async () => {
    const before = await revisions('twin');
    const cases: [string, string, RegExp][] = [
      ['weight.yaml', TWIN.replace('weight: 10', 'weight: 150'), /^error: .*weight\.yaml: variants\[1\]\.weight: expected a number from 0 to 100, got 150$/],
      ['shadow.yaml', TWIN.replace('shadow: true', 'shadow: true\n    weight: 10'), /variants\[2\]\.weight: a shadow variant takes no live traffic, so its weight must be 0 or absent, got 10$/],
      ['unknown.yaml', TWIN.replace('weight: 10', 'weight: 10\n    replicas: 3'), /variants\[1\]\.replicas: unknown field; expected one of name, model, weight, shadow, compareWith, runtime$/],
      ['duplicate.yaml', TWIN.replace('name: canary', 'name: stable'), /variants\[1\]\.name: "stable" is already the name of variants\[0\]; variant names must be unique$/],
      ['version.yaml', TWIN.replace('model: twin:2', 'model: twin:9'), /^error: .*version\.yaml: variants\[1\]\.model: model version twin:9 not found$/],
      ['alias.yaml', TWIN.replace('twin@challenger', 'twin@nobody'), /variants\[2\]\.model: alias twin@nobody not found$/],
      ['gate.yaml', TWIN.replace('"agreement>=0.97"', '"agreement=>0.97"'), /rollout\.gates\[2\]: gate "agreement=>0\.97": expected <metric><op><number>/],
      ['duration.yaml', TWIN.replace('bake: 2m', 'bake: two minutes'), /rollout\.bake: expected a duration such as "500ms", "30s", "2m" or "1h", got "two minutes"$/],
      ['compare.yaml', TWIN.replace('weight: 10', 'weight: 10\n    compareWith: stabel'), /variants\[1\]\.compareWith: expected the name of another variant \(stable, shadow\), got "stabel"$/],
      ['runtime.yaml', TWIN.replace('instances: 2', 'instances: 0'), /runtime\.yaml: variants\[0\]\.runtime\.instances: expected an integer from 1 to 64, got 0$/],
      ['syntax.yaml', TWIN.replace('weight: 90', 'weight: [90'), /^error: .*syntax\.yaml: not valid YAML: /],
    ];
    for (const [name, text, expected] of cases) {
      const r = await runCli(server.url, ['apply', '-f', file(name, text)]);
      expect(r.code, `${name}: ${r.stdout}`).toBe(1);
      expect(r.stderr.trim(), name).toMatch(expected);
    }
    const api = await call<{ error: string; code: string }>(`${server.url}/api/v1/endpoints/twin/spec`, 'PUT', {
      name: 'twin', variants: [{ name: 'stable', model: 'twin:1', weight: 150 }],
    });
    expect(api.status).toBe(400);
    expect(api.body).toEqual({ error: 'variants[0].weight: expected a number from 0 to 100, got 150', code: 'invalid_input' });
    const elsewhere = await call<{ error: string }>(`${server.url}/api/v1/endpoints/other/spec`, 'PUT', { name: 'twin', variants: [{ name: 'a', model: 'twin:1' }] });
    expect(elsewhere.body.error).toBe('name: expected "other" (the endpoint in the path), got "twin"');
    expect(await revisions('twin')).toBe(before);
  });
});

describe('a canary compared with stable next to a shadow', () => {
  // Two copy targets per request: every copy must be taken before any of them moves its buffers to a worker thread.
  it('answers every request, the canary\'s included', async () => {
    const compared = TWIN.replace('name: twin', 'name: twin-compared').replace('weight: 10', 'weight: 50\n    compareWith: stable');
    await cli('apply', '-f', file('compared.yaml', compared));
    const { byVariant, failed } = await traffic('twin-compared', 100);
    expect(failed).toBe(0);
    expect(byVariant.get('canary')).toBeGreaterThan(10);
  });
});

describe('apply and rollouts', () => {
  it('takes rollout defaults and runtime from the manifest, and refuses to apply (409) while a rollout is active', async () => {
    await cli('push', join(ROOT, 'examples', 'digits'));
    await cli('push', join(ROOT, 'examples', 'digits'));
    const digits = file('digits.yaml', `name: digits
variants:
  - name: primary
    model: digits:1
    runtime: { maxBatchSize: 8, maxQueueDelayMicros: 200, preferredBatchSizes: [4, 8] }
rollout: { steps: [10, 100], bake: 10m, gates: ["min_requests>=1000000"] }
`);
    expect(await cli('apply', '-f', digits)).toMatch(/applied revision 1/);
    expect(await cli('get', 'endpoint', 'digits')).toMatch(/maxBatchSize: 8\n.*maxQueueDelayMicros: 200\n.*preferredBatchSizes: \[4, 8\]\n/);
    // no --steps, --bake, --gate: the manifest's rollout policy decides
    expect(await cli('rollout', 'digits', '--to', 'digits:2')).toMatch(/step 1\/2, candidate traffic 10%, bake 600s per step/);
    const refused = await runCli(server.url, ['apply', '-f', digits]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: 409: endpoint "digits" has an active rollout \(\w+, running\); promote or abort it before applying a spec/);
    const preview = await cli('apply', '-f', digits, '--dry-run');
    expect(preview).toMatch(/^- variant digits-2 \(digits:2, weight 10\)$/m);
    expect(preview).toMatch(/^~ variant primary: weight 90 -> 100$/m);
    await cli('rollout', 'abort', 'digits');
    // the abort restored the applied spec exactly
    expect(await cli('apply', '-f', digits)).toMatch(/^no changes/);
  });
});
