// Fixed ResNet-18 runtimes side by side on one server (`serve` with its default workers), each deployed to an endpoint
// of its own, loaded over HTTP+binary with wrk in alternating windows (the order rotates each round), so each round's
// ratios compare windows seconds apart on this noisy machine. Not part of `npm run bench`.
//
//   npx tsx bench/resnet-runtime-ab.ts [--runtime 2x2 --runtime 2x2/1 --runtime 2x1] [--connections 8,1] [--rounds 4]
//     [--seconds 5] [--out results.json]
//   (a runtime is instances x intra-op threads, and /N the threads of a run that starts while another runs)

import { writeFile } from 'node:fs/promises';
import { runLoad } from './http-load.js';
import { resnetFixture } from './resnet-fixture.js';
import { describeRuntime, SlipwayServer, type FixedRuntime } from './slipway-server.js';
import { median } from './stats.js';

interface Options {
  runtimes: { name: string; runtime: FixedRuntime }[];
  connections: number[];
  rounds: number;
  seconds: number;
  out: string | undefined;
}

function runtimeOf(text: string): FixedRuntime {
  const m = /^(\d+)x(\d+)(?:\/(\d+))?$/.exec(text);
  if (!m) throw new Error(`--runtime: expected INSTANCESxTHREADS[/BUSY_THREADS] such as 2x2/1, got ${text}`);
  return { instances: Number(m[1]), intraOpThreads: Number(m[2]), ...(m[3] ? { busyIntraOpThreads: Number(m[3]) } : {}) };
}

function parse(argv: string[]): Options {
  const o: Options = { runtimes: [], connections: [8, 1], rounds: 4, seconds: 5, out: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = (): string => argv[++i] ?? '';
    if (a === '--runtime') {
      const name = next();
      o.runtimes.push({ name, runtime: runtimeOf(name) });
    } else if (a === '--connections') o.connections = next().split(',').map(Number);
    else if (a === '--rounds') o.rounds = Number(next());
    else if (a === '--seconds') o.seconds = Number(next());
    else if (a === '--out') o.out = next();
    else throw new Error(`unknown argument ${a}`);
  }
  if (o.runtimes.length === 0) o.runtimes = ['2x2', '2x2/1', '2x1'].map((name) => ({ name, runtime: runtimeOf(name) }));
  return o;
}

const options = parse(process.argv.slice(2));
const fx = await resnetFixture('resnet');
const server = await SlipwayServer.start(false);
const endpointOf = (i: number): string => `resnet-${i}`;
const windows: { connections: number; round: number; runtime: string; requestsPerSec: number; p50Ms: number }[] = [];
try {
  const ref = await server.push(fx.model.path, 'resnet');
  for (const [i, r] of options.runtimes.entries()) await server.deploy(endpointOf(i), ref, r.runtime);
  console.log(`${server.workers} server processes; ${options.runtimes.map((r) => `${r.name}: ${describeRuntime(r.runtime)}`).join('; ')}`);
  for (const connections of options.connections) {
    for (let round = 1; round <= options.rounds; round++) {
      const order = options.runtimes.map((_, i) => (i + round - 1) % options.runtimes.length);
      for (const i of order) {
        const r = await runLoad({
          url: `${server.url}/v2/models/${endpointOf(i)}/infer`, body: fx.binaryBody, headers: fx.binaryHeaders, connections,
          warmupSec: 1, durationSec: options.seconds, label: options.runtimes[i]!.name, warmupConnections: server.workers,
        });
        if (r.non2xx + r.errors > 0) throw new Error(`${options.runtimes[i]!.name} c=${connections}: ${r.non2xx} non-2xx, ${r.errors} errors`);
        windows.push({ connections, round, runtime: options.runtimes[i]!.name, requestsPerSec: r.requestsPerSec, p50Ms: r.latency.p50Ms });
      }
      const rate = (name: string): number => windows.find((w) => w.connections === connections && w.round === round && w.runtime === name)!.requestsPerSec;
      console.log(`c=${connections} round ${round}: ${options.runtimes.map((r) => `${r.name} ${rate(r.name).toFixed(1)}`).join(' · ')}`);
    }
  }
} finally {
  await server.stop();
}

// Each runtime against the first, per round, then the median over rounds.
const base = options.runtimes[0]!.name;
const lines = [`| c | runtime | req/s (median) | p50 ms (median) | ÷ ${base} per round | ÷ ${base} (median) |`, '| ---: | --- | ---: | ---: | --- | ---: |'];
for (const connections of options.connections) {
  for (const { name } of options.runtimes) {
    const mine = windows.filter((w) => w.connections === connections && w.runtime === name);
    const ratios = mine.map((w) => w.requestsPerSec / windows.find((b) => b.connections === connections && b.round === w.round && b.runtime === base)!.requestsPerSec);
    lines.push(`| ${connections} | ${name} | ${median(mine.map((w) => w.requestsPerSec)).toFixed(1)} | ${median(mine.map((w) => w.p50Ms)).toFixed(2)} | ` +
      `${ratios.map((r) => r.toFixed(3)).join(', ')} | ${median(ratios).toFixed(3)}× |`);
  }
}
console.log(lines.join('\n'));
if (options.out) await writeFile(options.out, JSON.stringify({ date: new Date().toISOString(), options, windows }, null, 2));
