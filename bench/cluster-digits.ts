// The workload of the cluster section: examples/digits, deployed with the runtime `auto` picks for it on this host
// (on the event loop, batches of up to 32) but fixed, so that every process of a cluster runs the same and none times
// the model on load; pushed and deployed through one replica, and ready once every replica answers.

import { ask, replicas, untilAllAnswer } from '../test/support/replica-client.js';
import { SlipwayServer } from './slipway-server.js';
import { DIGITS_DIR, type TabularFixture } from './tabular-fixture.js';

export const ENDPOINT = 'digits';

export const CLUSTER_RUNTIME = { auto: false, instances: 1, intraOpThreads: 1, onEventLoop: true, maxBatchSize: 32, maxQueueDelayMicros: 0 };

export const RUNTIME_NOTE = 'digits on the event loop with batches of up to 32 rows and no added delay (what `auto` picks for it on this host, fixed so that every process runs the same)';

/**
 * PUT the endpoint through the first URL, then waits (bounded) until every replica the store lists answers it, asking
 * the URLs in turn: one shared port (workers) or each replica's own.
 */
export async function deployDigits(urls: string[], model: string, fixture: TabularFixture, limitMs = 30_000): Promise<void> {
  const url = urls[0]!;
  const r = await ask(url, `/api/v1/endpoints/${ENDPOINT}`, 'PUT', { model, runtime: CLUSTER_RUNTIME });
  if (r.status !== 200) throw new Error(`deploy ${model}: HTTP ${r.status}: ${r.body.slice(0, 500)}`);
  const ids = (await replicas(url)).map((x) => x.id);
  const body = JSON.parse(fixture.body) as object;
  let next = 0;
  await untilAllAnswer(ids, () => ask(urls[next++ % urls.length]!, `/v2/models/${ENDPOINT}/infer`, 'POST', body), limitMs);
}

/**
 * A Slipway server (one process, or a primary and its workers) with examples/digits pushed and deployed. One process
 * unless `args` name `--workers`: the cluster section compares process counts it names.
 */
export async function digitsServer(fixture: TabularFixture, args: string[], env?: NodeJS.ProcessEnv): Promise<SlipwayServer> {
  const processes = args.includes('--workers') ? [] : ['--workers', '1'];
  const server = await SlipwayServer.start(false, 60_000, { args: [...processes, ...args], ...(env ? { env } : {}) });
  try {
    const model = await server.push(DIGITS_DIR, ENDPOINT);
    await deployDigits([server.url], model, fixture);
    return server;
  } catch (err) {
    await server.stop();
    throw err;
  }
}
