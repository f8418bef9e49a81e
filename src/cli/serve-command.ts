// `slipway serve`: starts the server, optionally with the bundled examples, and tells the user how to call it.

import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../app.js';
import { bootstrapExamples, type ExampleEndpoint } from '../bootstrap-examples.js';
import { redactedUrl } from '../core/database-url.js';
import type { ConfigInput } from '../config.js';
import { parseRateLimitList } from '../core/rate-limit.js';
import { serverProcesses } from '../core/server-processes.js';
import { usableCores } from '../core/usable-cores.js';
import { loadConfig } from '../config.js';
import type { SeriesRecorder } from '../monitoring/series-recorder.js';
import { gatheredSeries, type SeriesQuestion, type SeriesSource } from '../monitoring/series-source.js';
import { workerGather } from './worker-gather.js';
import { reportReady, superviseWorkers, workerMetrics, WORKER_INDEX_ENV, WORKER_RECOVERS_ENV } from './worker-supervisor.js';

export interface ServeFlags {
  host?: string;
  port?: string;
  grpcPort?: string;
  home?: string;
  database?: string;
  adminToken?: string;
  requireInferToken?: boolean;
  insecure?: boolean;
  examples?: string | boolean;
  logLevel?: string;
  workers?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsClientCa?: string;
  tokenRateLimit?: string;
  idlePollUs?: string;
}

const BUNDLED_EXAMPLES = fileURLToPath(new URL('../../examples', import.meta.url));

function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

export async function serve(flags: ServeFlags): Promise<void> {
  const input: ConfigInput = {};
  if (flags.host !== undefined) input.host = flags.host;
  if (flags.port !== undefined) input.port = Number(flags.port);
  if (flags.grpcPort !== undefined) input.grpcPort = Number(flags.grpcPort);
  if (flags.home !== undefined) input.home = flags.home;
  if (flags.database !== undefined) input.database = flags.database;
  if (flags.adminToken) input.adminToken = flags.adminToken;
  if (flags.requireInferToken) input.requireInferToken = true;
  if (flags.insecure) input.insecure = true;
  if (flags.logLevel !== undefined) input.logLevel = flags.logLevel as ConfigInput['logLevel'];
  if (flags.workers !== undefined) input.workers = flags.workers === 'auto' ? 'auto' : Number(flags.workers);
  if (flags.tlsCert !== undefined) input.tlsCert = flags.tlsCert;
  if (flags.tlsKey !== undefined) input.tlsKey = flags.tlsKey;
  if (flags.tlsClientCa !== undefined) input.tlsClientCa = flags.tlsClientCa;
  if (flags.tokenRateLimit !== undefined) input.tokenRateLimits = parseRateLimitList(flags.tokenRateLimit, '--token-rate-limit');
  if (flags.idlePollUs !== undefined) input.idlePollMicros = Number(flags.idlePollUs);
  const config = loadConfig(input);
  const dbNote = config.database ? `, database ${redactedUrl(config.database)}` : '';
  const processes = serverProcesses(config.workers, usableCores());
  if (processes > 1 && cluster.isPrimary) {
    // The primary serves nothing itself: it forks the workers and replaces any that dies.
    const quiet = config.logLevel === 'silent' || config.logLevel === 'fatal' || config.logLevel === 'error' || config.logLevel === 'warn';
    const ready = await superviseWorkers(processes, {
      info: (message) => {
        if (!quiet) console.log(`slipway: ${message}`);
      },
      warn: (message) => console.error(`slipway: ${message}`),
    });
    const why = config.workers === 'auto' ? ', one per core; --workers 1 for a single process' : '';
    console.log(`Slipway listening on ${ready.url} (gRPC ${ready.grpcUrl}, data in ${config.home}${dbNote}, ${processes} workers${why})`);
    if (ready.banner) console.log(ready.banner);
    return;
  }
  const worker = cluster.isWorker ? Number(process.env[WORKER_INDEX_ENV]) : undefined;
  const server = await startServer(config, { skipRecovery: worker !== undefined && process.env[WORKER_RECOVERS_ENV] !== '1', loadBeforeListening: worker !== undefined,
    ...(worker !== undefined ? { clusterMetrics: workerMetrics, clusterSeries: workerSeries, processes } : {}),
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    server.app.log.info(`${signal} received: finishing requests in flight, then stopping`);
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  // Ready means ready to serve what the server was told to serve: the bundled examples too, once pushed and deployed.
  // One process pushes them (a lone one, or the first worker at a cold start); other workers start after it and load
  // them with the stored endpoints before they listen.
  const pushes = Boolean(flags.examples) && (worker === undefined || (worker === 1 && process.env[WORKER_RECOVERS_ENV] === '1'));
  let examplesDone: () => void = () => undefined;
  if (pushes) server.holdReady('bundled examples', new Promise<void>((done) => (examplesDone = done)));
  await server.restored;
  const pushExamples = async (): Promise<string> => {
    const dir = typeof flags.examples === 'string' ? flags.examples : BUNDLED_EXAMPLES;
    if (!existsSync(dir)) throw new Error(`examples directory ${dir} not found`);
    return exampleBanner(server.url, await bootstrapExamples(server, dir).finally(examplesDone));
  };
  if (worker !== undefined) {
    // The primary prints what the worker that pushed the examples says of them.
    const banner = pushes ? await pushExamples() : undefined;
    reportReady(server.url, server.grpcUrl, banner);
    return;
  }
  // The line tests and scripts wait for: the bound addresses, after restored endpoints are loaded. The HTTP URL comes
  // first and is followed by a space, so `listening on (http://\S+)` keeps parsing it.
  console.log(`Slipway listening on ${server.url} (gRPC ${server.grpcUrl}, data in ${config.home}${dbNote})`);
  if (flags.examples) console.log(await pushExamples());
}

/** A worker's dashboard series: every worker's, merged (each answers from its own recorder). */
function workerSeries(recorder: SeriesRecorder): SeriesSource {
  return gatheredSeries(recorder, workerGather('series', (q: SeriesQuestion) => recorder.series(q.endpoint, q.since)));
}

/** What `serve --examples` prints once they serve: each endpoint with a curl and a CLI call to try it, then where to look. */
function exampleBanner(url: string, examples: readonly ExampleEndpoint[]): string {
  const lines: string[] = [];
  for (const ex of examples) {
    lines.push(`\nendpoint "${ex.endpoint}" serves ${ex.version.name}:${ex.version.version} — ${ex.version.description}`);
    if (ex.request) {
      // A long body (an image example's base64 JPEGs) is named by its file rather than pasted into the banner.
      const body = shellQuote(ex.request.length > 400 ? `@${ex.requestFile}` : ex.request);
      lines.push(`  curl -s -X POST ${url}/v2/models/${ex.endpoint}/infer -H 'content-type: application/json' -d ${body}`);
      lines.push(`  npx slipway predict ${ex.endpoint} --input examples/${ex.endpoint}/request.json${url === 'http://127.0.0.1:8000' ? '' : ` --server ${url}`}`);
    }
  }
  lines.push(`\nDashboard: ${url}/    OpenAPI docs: ${url}/api/docs    Stop with Ctrl-C.`);
  return lines.join('\n');
}
