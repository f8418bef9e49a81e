// `slipway serve`: starts the server, optionally with the bundled examples, and tells the user how to call it.

import cluster from 'node:cluster';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startServer } from '../app.js';
import { bootstrapExamples } from '../bootstrap-examples.js';
import { redactedUrl } from '../core/database-url.js';
import type { ConfigInput } from '../config.js';
import { loadConfig } from '../config.js';
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
  if (flags.workers !== undefined) input.workers = Number(flags.workers);
  const config = loadConfig(input);
  const dbNote = config.database ? `, database ${redactedUrl(config.database)}` : '';
  if (config.workers > 1 && cluster.isPrimary) {
    // The primary serves nothing itself: it forks the workers and replaces any that dies.
    const ready = await superviseWorkers(config.workers, (message) => console.error(`slipway: ${message}`));
    console.log(`Slipway listening on ${ready.url} (gRPC ${ready.grpcUrl}, data in ${config.home}${dbNote}, ${config.workers} workers)`);
    return;
  }
  const worker = cluster.isWorker ? Number(process.env[WORKER_INDEX_ENV]) : undefined;
  const server = await startServer(config, { skipRecovery: worker !== undefined && process.env[WORKER_RECOVERS_ENV] !== '1', loadBeforeListening: worker !== undefined,
    ...(worker !== undefined ? { clusterMetrics: workerMetrics } : {}),
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
  let examplesDone: () => void = () => undefined;
  if (flags.examples) server.holdReady('bundled examples', new Promise<void>((done) => (examplesDone = done)));
  await server.restored;
  if (worker !== undefined) {
    // Examples are pushed once, by the first worker; the others follow the store.
    if (flags.examples && worker === 1 && process.env[WORKER_RECOVERS_ENV] === '1') {
      const dir = typeof flags.examples === 'string' ? flags.examples : BUNDLED_EXAMPLES;
      if (!existsSync(dir)) throw new Error(`examples directory ${dir} not found`);
      await bootstrapExamples(server, dir);
    }
    reportReady(server.url, server.grpcUrl);
    return;
  }
  // The line tests and scripts wait for: the bound addresses, after restored endpoints are loaded. The HTTP URL comes
  // first and is followed by a space, so `listening on (http://\S+)` keeps parsing it.
  console.log(`Slipway listening on ${server.url} (gRPC ${server.grpcUrl}, data in ${config.home}${dbNote})`);
  if (flags.examples) {
    const dir = typeof flags.examples === 'string' ? flags.examples : BUNDLED_EXAMPLES;
    if (!existsSync(dir)) throw new Error(`examples directory ${dir} not found`);
    const examples = await bootstrapExamples(server, dir).finally(examplesDone);
    for (const ex of examples) {
      console.log(`\nendpoint "${ex.endpoint}" serves ${ex.version.name}:${ex.version.version} — ${ex.version.description}`);
      if (ex.request) {
        console.log(`  curl -s -X POST ${server.url}/v2/models/${ex.endpoint}/infer -H 'content-type: application/json' -d ${shellQuote(ex.request)}`);
        console.log(`  npx slipway predict ${ex.endpoint} --input examples/${ex.endpoint}/request.json${server.url === 'http://127.0.0.1:8000' ? '' : ` --server ${server.url}`}`);
      }
    }
    console.log(`\nDashboard: ${server.url}/    OpenAPI docs: ${server.url}/api/docs    Stop with Ctrl-C.`);
  }
}
