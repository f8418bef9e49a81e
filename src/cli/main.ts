#!/usr/bin/env node
// The `slipway` command: every subcommand but `serve` talks to a server's management API over HTTP.

import { Command, Option } from 'commander';
import { parseModelRef } from '../core/model-ref.js';
import type { ModelVersion } from '../core/model-version.js';
import { readLocalPackage } from '../registry/package-dir.js';
import { registerAuditCommand } from './audit-command.js';
import { CliError, SlipwayClient } from './client.js';
import { storedCredentials } from './credentials-file.js';
import { registerLoginCommands } from './login-commands.js';
import { registerTokenCommands } from './token-commands.js';
import { registerClusterCommands } from './cluster-command.js';
import { registerLoopCommands } from './loop-commands.js';
import { requestFromFile } from './predict-input.js';
import { describeProfile, recommendedRuntime, registerProfileCommand, storedProfile } from './profile-command.js';
import { registerRolloutCommands } from './rollout-command.js';
import { registerSpecCommands } from './spec-commands.js';
import { renderTable } from './table.js';
import { describePushValidation, describeValidation, registerValidateCommand, storedValidation } from './validate-command.js';

interface GlobalFlags {
  server: string;
  token?: string;
  json?: boolean;
  ca?: string;
  cert?: string;
  key?: string;
}

interface ModelSummary {
  name: string;
  latestVersion: number;
  versions: number[];
  aliases: Record<string, number>;
  task: string;
  description: string;
}

interface EndpointView {
  name: string;
  state: string;
  error?: string;
  revision: number;
  updatedAt: string;
  variants: { name: string; model: string; ref: string; weight: number; runtime: Record<string, unknown>; running?: Record<string, unknown>; picked?: string }[];
}

interface DeployFlags {
  model: string;
  instances?: string;
  intraOpThreads?: string;
  busyIntraOpThreads?: string;
  interOpThreads?: string;
  maxBatchSize?: string;
  maxQueueDelayUs?: string;
  preferredBatchSizes?: string;
  maxQueueSize?: string;
  reason?: string;
  runtime?: string;
}

interface EventView {
  id: number;
  time: string;
  actor: string;
  action: string;
  revision: number;
  reason: string | null;
  spec: { variants: { model: { name: string; version: number }; weight: number; shadow?: boolean }[] } | null;
}

const program = new Command('slipway')
  .description('Slipway: push ONNX models, deploy them to endpoints, serve them on the Open Inference Protocol v2')
  .addOption(new Option('--server <url>', 'Slipway server').env('SLIPWAY_URL').default('http://127.0.0.1:8000'))
  .addOption(new Option('--token <token>', 'token for the server (default: the one slipway login kept for it)').env('SLIPWAY_TOKEN'))
  .addOption(new Option('--ca <file>', 'PEM CA to verify an https:// server against').env('SLIPWAY_CA'))
  .addOption(new Option('--cert <file>', 'PEM client certificate, for a server that requires one (mutual TLS)').env('SLIPWAY_CERT'))
  .addOption(new Option('--key <file>', 'PEM private key of --cert').env('SLIPWAY_KEY'))
  .option('--json', 'print JSON for scripts instead of tables')
  .showHelpAfterError();

/** --token / SLIPWAY_TOKEN, else the token `slipway login` kept for this server, else none. */
function client(): SlipwayClient {
  const flags = program.opts<GlobalFlags>();
  return new SlipwayClient({ server: flags.server, token: flags.token ?? storedCredentials(flags.server)?.token, tls: { ca: flags.ca, cert: flags.cert, key: flags.key } });
}

function print(json: unknown, human: () => string): void {
  console.log(program.opts<GlobalFlags>().json ? JSON.stringify(json, null, 2) : human());
}

function describeVersion(v: ModelVersion & { aliases?: string[] }): string {
  const io = (list: ModelVersion['signature']['inputs']): string[][] =>
    list.map((t) => [t.name, t.datatype, `[${t.shape.join(',')}]`, t.features ? `${t.features.length} features` : t.labels ? `${t.labels.length} labels` : '']);
  return [
    `${v.name}:${v.version}${v.aliases && v.aliases.length ? `  (${v.aliases.map((a) => `@${a}`).join(' ')})` : ''}`,
    v.description ? `  ${v.description}` : '',
    `  format: ${v.format}   task: ${v.task}   created: ${v.createdAt}   size: ${v.size} bytes   sha256: ${v.sha256.slice(0, 16)}…`,
    '',
    'inputs:',
    renderTable(['name', 'datatype', 'shape', ''], io(v.signature.inputs)),
    '',
    'outputs:',
    renderTable(['name', 'datatype', 'shape', ''], io(v.signature.outputs)),
    '',
    `files: ${v.files.map((f) => f.path).join(', ')}`,
    v.manifest.tests.length ? `tests: ${v.manifest.tests.map((t) => `${t.name} (${t.metric} ${t.metric === 'accuracy' || t.metric === 'f1' ? '>=' : '<='} ${t.threshold})`).join(', ')}` : '',
  ].filter((line, i, all) => line !== '' || all[i - 1] !== '').join('\n');
}

/** A runtime's intra-op threads, and the fewer a run gets while another instance runs, if it has a count for that. */
function threadsText(r: Record<string, unknown>): string {
  const busy = r.busyIntraOpThreads;
  return typeof busy === 'number' && busy > 0 && busy !== r.intraOpThreads ? `${String(r.intraOpThreads)} (${busy} while another runs)` : String(r.intraOpThreads);
}

function describeEndpoint(e: EndpointView): string {
  const picked = e.variants.filter((v) => v.picked).map((v) => `runtime of "${v.name}" picked for this host (auto): ${v.picked}`);
  return [
    `${e.name}: ${e.state}${e.error ? ` (${e.error})` : ''}   revision ${e.revision}   updated ${e.updatedAt}`,
    renderTable(
      ['variant', 'model', 'deployed as', 'weight', 'instances', 'intra-op threads', 'max batch', 'queue delay µs', 'max queue'],
      e.variants.map((v) => {
        const r = v.running ?? v.runtime;
        const auto = v.runtime.auto === true ? ' (auto)' : '';
        return [
          v.name, v.model, v.ref, v.weight, `${r.onEventLoop === true ? 'event loop' : String(r.instances)}${auto}`, `${threadsText(r)}${auto}`,
          `${String(r.maxBatchSize ?? 1)}${auto}`, String(r.maxQueueDelayMicros ?? 0), String(r.maxQueueSize ?? ''),
        ];
      }),
    ),
    ...picked,
  ].join('\n');
}

program
  .command('serve')
  .description('run a Slipway server (HTTP on 127.0.0.1:8000 by default)')
  .option('--host <host>', 'address to listen on (default 127.0.0.1; others need an admin token or --insecure)')
  .option('--port <port>', 'HTTP port (0 picks a free one)')
  .option('--grpc-port <port>', 'gRPC port (default 8001; 0 picks a free one)')
  .option('--home <dir>', 'data directory (default .slipway, or SLIPWAY_HOME)')
  .option('--database <url>', 'Postgres URL to keep state in (or SLIPWAY_DATABASE_URL; default: SQLite in the home)')
  .addOption(new Option('--admin-token <token>', 'a Bearer token that acts as an admin token named "admin" (the management API then needs a token)').env('SLIPWAY_ADMIN_TOKEN'))
  .option('--require-infer-token', 'inference (HTTP and gRPC model routes) needs a token of scope "infer" (or SLIPWAY_REQUIRE_INFER_TOKEN=1)')
  .option('--insecure', 'allow a non-loopback address without an admin token')
  .option('--examples [dir]', 'push and deploy the example packages (default: the bundled examples/)')
  .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent')
  .option('--workers <n>', 'server processes sharing the ports and the store: a number, or auto for one per core, up to 8 (or SLIPWAY_WORKERS; default auto)')
  .option('--tls-cert <file>', 'PEM certificate (chain): serve HTTPS and gRPC over TLS (or SLIPWAY_TLS_CERT)')
  .option('--tls-key <file>', 'PEM private key of --tls-cert (or SLIPWAY_TLS_KEY)')
  .option('--tls-client-ca <file>', 'PEM CA file: require client certificates signed by it (mutual TLS; or SLIPWAY_TLS_CLIENT_CA)')
  .option('--token-rate-limit <list>', 'inference requests per second per token, e.g. "ci=10:20,*=100" (name=rate:burst; or SLIPWAY_TOKEN_RATE_LIMITS)')
  .option('--idle-poll-us <µs>', 'after the last request in flight, poll this long for the next before sleeping (adapts below it; 0: off; or SLIPWAY_IDLE_POLL_US; default 500)')
  // Loaded on use: the server pulls in Fastify, gRPC and onnxruntime, which every other command would pay ~0.7 s for.
  .action(async (flags: Parameters<typeof import('./serve-command.js').serve>[0]) => (await import('./serve-command.js')).serve(flags));

program
  .command('migrate')
  .description('copy a SQLite home (its database and model files) into an empty Postgres database; stop its server first')
  .requiredOption('--from <dir>', 'the home directory of the SQLite server')
  .requiredOption('--to <url>', 'the Postgres URL (postgres://…)')
  .option('--force', 'empty the tables the migration copies into, when the target already holds data')
  // Loaded on use, like serve: it opens the stores (pg, better-sqlite3) that no other client command needs.
  .action(async (flags: Parameters<typeof import('./migrate-command.js').migrateHome>[0]) => (await import('./migrate-command.js')).migrateHome(flags));

program
  .command('push <path>')
  .description('push a package directory (with slipway.yaml) or a bare .onnx file as a new model version')
  .option('--name <name>', 'model name (overrides slipway.yaml; default for a bare file: its file name)')
  .option('--no-validate', 'do not run the package tests now (later: slipway validate)')
  .action(async (path: string, flags: { name?: string; validate: boolean }) => {
    const pkg = await readLocalPackage(path);
    const name = flags.name ?? (pkg.manifestText === undefined ? pkg.name : undefined);
    const version = await client().push<Parameters<typeof describePushValidation>[0]>(pkg.files, pkg.manifestText, name, flags.validate);
    print(version, () => `pushed ${version.name}:${version.version}\n\n${describeVersion(version)}\n\n${describePushValidation(version, flags.validate)}`);
  });

const models = program.command('models').description('list, show and remove model versions');
models
  .command('ls')
  .description('list models')
  .action(async () => {
    const list = await client().request<ModelSummary[]>('GET', '/api/v1/models');
    print(list, () =>
      list.length === 0
        ? 'no models yet: push one with "slipway push <dir|file.onnx>"'
        : renderTable(
            ['name', 'latest', 'versions', 'aliases', 'task', 'description'],
            list.map((m) => [
              m.name, m.latestVersion, m.versions.join(','),
              Object.entries(m.aliases).map(([a, v]) => `@${a}=${v}`).join(' '), m.task, m.description.slice(0, 60),
            ]),
          ),
    );
  });
models
  .command('show <ref>')
  .description('show a version (name:version, name@alias, or name for the latest)')
  .action(async (ref: string) => {
    parseModelRef(ref);
    const version = await client().request<ModelVersion>('GET', `/api/v1/refs/${encodeURIComponent(ref)}`);
    const validation = await storedValidation(client(), version.name, version.version);
    const profile = await storedProfile(client(), version.name, version.version);
    print({ ...version, validation: validation ?? null, profile: profile ?? null }, () =>
      `${describeVersion(version)}\n\n${validation ? `validation:\n${describeValidation(validation)}` : `validation: none yet; run slipway validate ${version.name}:${version.version}`}`
      + `\n\n${profile ? `profile:\n${describeProfile(profile)}` : `profile: none yet; run slipway profile ${version.name}:${version.version} --slo-p99 <duration>`}`);
  });
models
  .command('rm <ref>')
  .description('remove a version (name:version); refused while an endpoint or alias uses it')
  .action(async (ref: string) => {
    const parsed = parseModelRef(ref);
    if (parsed.kind !== 'version') throw new CliError(`name the version to remove, e.g. ${parsed.name}:1`);
    await client().request('DELETE', `/api/v1/models/${parsed.name}/versions/${parsed.version}`);
    print({ removed: ref }, () => `removed ${ref}`);
  });

program
  .command('alias <alias> [target]')
  .description('point name@alias at a version (slipway alias digits@champion digits:2); without a target, show it')
  .option('--rm', 'remove the alias')
  .action(async (aliasRef: string, target: string | undefined, flags: { rm?: boolean }) => {
    const alias = parseModelRef(aliasRef);
    if (alias.kind !== 'alias') throw new CliError(`expected name@alias, got "${aliasRef}"`);
    const path = `/api/v1/models/${alias.name}/aliases/${alias.alias}`;
    if (flags.rm) {
      await client().request('DELETE', path);
      print({ removed: aliasRef }, () => `removed ${aliasRef}`);
      return;
    }
    if (target === undefined) {
      const version = await client().request<ModelVersion>('GET', `/api/v1/refs/${encodeURIComponent(aliasRef)}`);
      print(version, () => `${aliasRef} -> ${version.name}:${version.version}`);
      return;
    }
    const to = parseModelRef(target);
    if (to.kind === 'alias' || to.name !== alias.name) {
      throw new CliError(`the target must be a version of ${alias.name}, e.g. ${alias.name}:2 or ${alias.name} (latest)`);
    }
    const version = to.kind === 'version' ? to.version : (await client().request<ModelVersion>('GET', `/api/v1/refs/${to.name}`)).version;
    const result = await client().request<{ version: number }>('PUT', path, { version });
    print(result, () => `${aliasRef} -> ${alias.name}:${result.version}`);
  });

program
  .command('deploy <endpoint>')
  .description('create or update an endpoint to serve a model version (a hot swap: no request fails)')
  .requiredOption('--model <ref>', 'name:version, name@alias or name (latest)')
  .option('--instances <n>', 'runner instances (worker threads)')
  .option('--intra-op-threads <n>', 'threads one inference may use')
  .option('--busy-intra-op-threads <n>', 'threads an inference uses when it starts while another instance runs (0: as --intra-op-threads); each instance then loads the model twice')
  .option('--inter-op-threads <n>', 'threads for parallel graph branches')
  .option('--max-batch-size <n>', 'dynamic batching: largest batch in rows (1 turns batching off)')
  .option('--max-queue-delay-us <n>', 'dynamic batching: how long a request may wait for a batch to fill')
  .option('--preferred-batch-sizes <list>', 'dynamic batching: comma-separated sizes that run as soon as reached')
  .option('--max-queue-size <n>', 'queued requests beyond which callers get 429 (retry later)')
  .option('--reason <text>', 'why, for the endpoint history')
  .option('--runtime <source>', '"auto": instances, threads and batching picked for the host when loaded (the default for a new endpoint); "recommended": the runtime config of the version\'s stored profile (flags above override it)')
  .action(async (endpoint: string, flags: DeployFlags) => {
    parseModelRef(flags.model);
    if (flags.runtime !== undefined && flags.runtime !== 'recommended' && flags.runtime !== 'auto') {
      throw new CliError(`--runtime: expected "auto" or "recommended", got "${flags.runtime}"`);
    }
    const runtime: Record<string, number | number[] | boolean> = flags.runtime === 'recommended' ? await recommendedRuntime(client(), flags.model) : {};
    const int = (flag: string, value: string): number => {
      const n = Number(value);
      if (!Number.isInteger(n)) throw new CliError(`${flag}: expected an integer, got "${value}"`);
      return n;
    };
    if (flags.instances) runtime.instances = int('--instances', flags.instances);
    if (flags.intraOpThreads) runtime.intraOpThreads = int('--intra-op-threads', flags.intraOpThreads);
    if (flags.busyIntraOpThreads) runtime.busyIntraOpThreads = int('--busy-intra-op-threads', flags.busyIntraOpThreads);
    if (flags.interOpThreads) runtime.interOpThreads = int('--inter-op-threads', flags.interOpThreads);
    if (flags.maxBatchSize) runtime.maxBatchSize = int('--max-batch-size', flags.maxBatchSize);
    if (flags.maxQueueDelayUs) runtime.maxQueueDelayMicros = int('--max-queue-delay-us', flags.maxQueueDelayUs);
    if (flags.preferredBatchSizes) runtime.preferredBatchSizes = flags.preferredBatchSizes.split(',').map((v) => int('--preferred-batch-sizes', v.trim()));
    if (flags.maxQueueSize) runtime.maxQueueSize = int('--max-queue-size', flags.maxQueueSize);
    if (flags.runtime === 'auto') {
      const fixed = Object.keys(runtime).filter((k) => k !== 'maxQueueSize');
      if (fixed.length > 0) throw new CliError(`--runtime auto picks instances, threads and batching itself: drop the flags that set ${fixed.join(', ')}`);
      runtime.auto = true;
    }
    const body = { model: flags.model, ...(Object.keys(runtime).length ? { runtime } : {}), ...(flags.reason ? { reason: flags.reason } : {}) };
    const view = await client().request<EndpointView>('PUT', `/api/v1/endpoints/${encodeURIComponent(endpoint)}`, body);
    print(view, () => `deployed\n${describeEndpoint(view)}`);
  });

const endpoints = program.command('endpoints').description('list, show and remove endpoints');
endpoints
  .command('ls')
  .description('list endpoints')
  .action(async () => {
    const list = await client().request<EndpointView[]>('GET', '/api/v1/endpoints');
    print(list, () =>
      list.length === 0
        ? 'no endpoints yet: create one with "slipway deploy <endpoint> --model <name:version>"'
        : renderTable(['name', 'state', 'models', 'revision', 'updated'], list.map((e) => [
            e.name, e.state, e.variants.map((v) => `${v.model} (${v.weight})`).join(', '), e.revision, e.updatedAt,
          ])),
    );
  });
endpoints
  .command('show <endpoint>')
  .action(async (endpoint: string) => {
    const view = await client().request<EndpointView>('GET', `/api/v1/endpoints/${encodeURIComponent(endpoint)}`);
    print(view, () => describeEndpoint(view));
  });
endpoints
  .command('rm <endpoint>')
  .action(async (endpoint: string) => {
    await client().request('DELETE', `/api/v1/endpoints/${encodeURIComponent(endpoint)}`);
    print({ removed: endpoint }, () => `removed endpoint ${endpoint}`);
  });

program
  .command('history <endpoint>')
  .description('every change of an endpoint')
  .action(async (endpoint: string) => {
    const events = await client().request<EventView[]>('GET', `/api/v1/endpoints/${encodeURIComponent(endpoint)}/history`);
    print(events, () =>
      renderTable(['id', 'time', 'actor', 'action', 'revision', 'models', 'reason'], events.map((e) => [
        e.id, e.time, e.actor, e.action, e.revision,
        e.spec ? e.spec.variants.map((v) => `${v.model.name}:${v.model.version}${v.shadow ? ' (shadow)' : e.spec!.variants.length > 1 ? ` ${v.weight}%` : ''}`).join(', ') : '',
        e.reason ?? '',
      ])),
    );
  });

interface V2Response {
  model_name: string;
  model_version: string;
  outputs: { name: string; datatype: string; shape: number[]; data: (number | string | boolean)[] }[];
}

program
  .command('predict <endpoint>')
  .description('call an endpoint with a v2 JSON request file, or a CSV file (one row per example, columns by feature name)')
  .requiredOption('--input <file>', 'request .json or rows .csv')
  .option('--version <n>', 'call this registry version of the endpoint\'s model')
  .action(async (endpoint: string, flags: { input: string; version?: string }) => {
    const c = client();
    let input;
    if (flags.input.toLowerCase().endsWith('.csv')) {
      const view = await c.request<EndpointView>('GET', `/api/v1/endpoints/${encodeURIComponent(endpoint)}`);
      const model = flags.version ? `${view.variants[0]!.model.split(':')[0]}:${flags.version}` : view.variants[0]!.model;
      input = (await c.request<ModelVersion>('GET', `/api/v1/refs/${encodeURIComponent(model)}`)).signature.inputs[0];
    }
    const body = await requestFromFile(flags.input, input);
    const path = `/v2/models/${encodeURIComponent(endpoint)}${flags.version ? `/versions/${encodeURIComponent(flags.version)}` : ''}/infer`;
    const response = await c.request<V2Response>('POST', path, body);
    print(response, () => {
      const rows = response.outputs[0]?.shape[0] ?? 0;
      const cell = (o: V2Response['outputs'][number], r: number): string => {
        const width = o.shape.length > 1 ? o.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
        const values = o.data.slice(r * width, (r + 1) * width).map((v) => (typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(4) : String(v)));
        return values.length > 6 ? `[${values.slice(0, 6).join(', ')}, … ${values.length - 6} more]` : values.join(', ');
      };
      return `${response.model_name} (version ${response.model_version})\n` + renderTable(
        ['row', ...response.outputs.map((o) => o.name)],
        Array.from({ length: rows }, (_, r) => [r, ...response.outputs.map((o) => cell(o, r))]),
      );
    });
  });

registerValidateCommand(program, { client, print });
registerProfileCommand(program, { client, print });
registerRolloutCommands(program, { client, print });
registerSpecCommands(program, { client, print });
registerLoopCommands(program, { client, print });
registerTokenCommands(program, { client, print });
registerAuditCommand(program, { client, print });
registerLoginCommands(program, { flags: () => program.opts<GlobalFlags>(), print });
registerClusterCommands(program, { client, print });

program.parseAsync(process.argv).catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
