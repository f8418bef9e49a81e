// Tabular section: the digits MLP served by Slipway (instances, dynamic batching) vs raw onnxruntime, a naive Fastify server and an HTTP ceiling.

import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildServer } from './child-server.js';
import type { NamedProcess } from './cpu-probe.js';
import { HTTP_LOADGEN, runLoad, type LoadSpec } from './http-load.js';
import { bestOfPasses, fromHttp, fromRaw, progressLine, type Measurement } from './measurement.js';
import { Observer } from './observer.js';
import { waitForQuiet } from './quiet.js';
import { measureInProcess, measureWorkers } from './raw-onnxruntime.js';
import { fmtMs, fmtRatio, loadTable, type Goal, type Table } from './report.js';
import { headToHead, pairedRatio, type HeadToHeadRow } from './head-to-head.js';
import { anomaliesOf, type SectionContext, type SectionResult } from './section.js';
import { describeRuntime, SlipwayServer, type RuntimeConfig } from './slipway-server.js';
import { fixedAnswer, tabularFixture, verifyTabular, type TabularFixture } from './tabular-fixture.js';
import { batchingOnOff } from './tabular-batching.js';
import { tabularSide } from './tabular-window.js';

const CONNECTIONS = [1, 16, 64];
const ENDPOINT = 'digits';
const MODEL_REF = 'digits:1';

/** Runtime configs to serve digits with, and the concurrencies each is measured at (batching needs concurrent requests). */
const CONFIGS: { config: RuntimeConfig; connections: number[] }[] = [
  { config: { auto: true }, connections: CONNECTIONS },
  { config: { instances: 1, intraOpThreads: 1 }, connections: CONNECTIONS },
  { config: { instances: 2, intraOpThreads: 1 }, connections: CONNECTIONS },
  { config: { instances: 1, intraOpThreads: 1, maxBatchSize: 32, maxQueueDelayUs: 0 }, connections: [16, 64] },
  { config: { instances: 1, intraOpThreads: 1, maxBatchSize: 32, maxQueueDelayUs: 500 }, connections: [16, 64] },
];

export async function tabularSection(ctx: SectionContext): Promise<SectionResult> {
  const d = ctx.options.durations;
  const fixture = await tabularFixture();
  console.log(`[tabular] reference (raw onnxruntime): label ${JSON.stringify(fixture.reference.label)}`);
  const load = (label: string, url: string, connections: number, observer: Observer, extra: Partial<LoadSpec> = {}): ReturnType<typeof runLoad> =>
    runLoad({ url, body: fixture.body, connections, warmupSec: d.loadWarmupSec, durationSec: d.loadSec, observer, label: `tabular ${label} c=${connections}`, ...extra });
  const anomalies: string[] = [];

  // 1. Raw onnxruntime first, while no server competes for the CPUs.
  const measureRaw = async (pass: number): Promise<Measurement[]> => {
    await waitForQuiet(`tabular raw onnxruntime, pass ${pass}`);
    const list = [
      fromRaw(await measureInProcess(fixture.raw, d.tabularRawWarmupMs, d.tabularRawMs)),
      fromRaw(await measureWorkers(fixture.raw, 2, d.tabularRawWarmupMs, d.tabularRawMs)),
    ];
    for (const r of list) console.log(`[tabular] pass ${pass}: ${progressLine(r)}`);
    return list;
  };
  const rawFirst = await measureRaw(1);

  // 2. HTTP ceiling: Fastify parses the same body and answers a fixed reply.
  const ceiling: Measurement[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'slipway-bench-ceiling-'));
  try {
    const answerPath = join(dir, 'answer.json');
    await writeFile(answerPath, fixedAnswer(fixture));
    const server = await ChildServer.start('ceiling-server.ts', [answerPath], 'ceiling server');
    try {
      const url = `${server.url}/v2/models/${ENDPOINT}/infer`;
      await verifyTabular(url, fixture, 'ceiling server');
      for (const c of CONNECTIONS) {
        const scenario = 'HTTP ceiling: Fastify parse + fixed reply';
        const m = fromHttp(scenario, 'http-json', await load(scenario, url, c, new Observer(server.pid)));
        ceiling.push(m);
        console.log(`[tabular] ${progressLine(m)}`);
      }
    } finally {
      await server.stop();
      if (server.stderr.trim()) anomalies.push(`tabular: ceiling server stderr: ${server.stderr.trim().slice(-1000)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }

  // 3. Naive server: Fastify + onnxruntime on the main thread, default onnxruntime threads.
  const naive: Measurement[] = [];
  {
    const server = await ChildServer.start('naive-server.ts', [fixture.raw.modelPath], 'naive server');
    try {
      const url = `${server.url}/v2/models/${ENDPOINT}/infer`;
      const expectBody = await verifyTabular(url, fixture, 'naive server');
      for (const c of CONNECTIONS) {
        const scenario = 'naive: Fastify + onnxruntime on the main thread';
        const m = fromHttp(scenario, 'http-json', await load(scenario, url, c, new Observer(server.pid), expectBody ? { expectBody } : {}));
        naive.push(m);
        console.log(`[tabular] ${progressLine(m)}`);
      }
    } finally {
      await server.stop();
      if (server.stderr.trim()) anomalies.push(`tabular: naive server stderr: ${server.stderr.trim().slice(-1000)}`);
    }
  }

  // 4. Slipway, one config after another (hot swaps on one server).
  const served: { config: RuntimeConfig; measurement: Measurement }[] = [];
  const server = await SlipwayServer.start(true);
  console.log(`[tabular] Slipway pid ${String(server.pid)} at ${server.url}`);
  try {
    const url = `${server.url}/v2/models/${ENDPOINT}/infer`;
    configs: for (const { config, connections } of CONFIGS) {
      const picked = await server.deploy(ENDPOINT, MODEL_REF, config);
      if (picked) console.log(`[tabular] default deploy picked ${picked}`);
      const expectBody = await verifyTabular(url, fixture, `Slipway ${describeRuntime(config)}`);
      if (expectBody === undefined) anomalies.push(`tabular: ${describeRuntime(config)}: two identical requests got different bodies; bodies not checked under load`);
      for (const c of connections) {
        const observer = new Observer(server.processes, { baseUrl: server.url, endpoint: ENDPOINT });
        const scenario = `Slipway JSON, ${describeRuntime(config)}`;
        const m = fromHttp(scenario, 'http-json', await load(scenario, url, c, observer, { warmupConnections: server.workers, ...(expectBody ? { expectBody } : {}) }));
        served.push({ config, measurement: m });
        console.log(`[tabular] ${progressLine(m)}`);
        if (server.exited) {
          anomalies.push(`tabular: Slipway ${server.exited} during ${m.scenario}, c=${c}; stderr tail:\n${server.stderr}`);
          break configs;
        }
      }
    }
  } finally {
    await server.stop();
  }
  if (server.stderr.trim()) anomalies.push(`tabular: Slipway wrote to stderr (log level warn):\n${server.stderr.trim().slice(-2000)}`);

  // 5. The goal rows again, fairly: the naive server, a default deploy and the best fixed config of step 4 (per
  // concurrency) all up, measured in alternating windows.
  const DEFAULT = `Slipway JSON, ${describeRuntime({ auto: true })}`;
  const bestFixed = new Map<number, RuntimeConfig>();
  for (const c of CONNECTIONS) {
    const fixed = served.filter((x) => x.measurement.concurrency === c && x.measurement.scenario !== DEFAULT);
    const best = fixed.reduce<(typeof fixed)[number] | undefined>((a, b) => (a && a.measurement.requestsPerSec >= b.measurement.requestsPerSec ? a : b), undefined);
    if (best) bestFixed.set(c, best.config);
  }
  const headToHeadRows = await alternating(ctx, fixture, bestFixed, anomalies);

  // 6. Batching on vs off, alternating on one server: batching must cost a lone client nothing and the loaded ones no throughput.
  const batching = await batchingOnOff(ctx, fixture, anomalies);

  // 7. Raw onnxruntime again, now that the servers are gone; the better pass is the baseline.
  const raw = bestOfPasses(rawFirst, await measureRaw(2));
  const rawLimit = Math.max(...raw.map((r) => r.requestsPerSec));

  const at = (list: Measurement[], c: number): Measurement | undefined => list.find((m) => m.concurrency === c);
  const table = loadTable(
    'Tabular: digits MLP, [1,64] FP32, HTTP+JSON',
    [
      `Raw limit: ${rawLimit.toFixed(0)} inferences/s (best raw row). ÷raw = req/s ÷ raw limit; ÷naive and ÷ceiling compare with the naive server and the HTTP ceiling at the same concurrency.`,
      HTTP_LOADGEN === 'wrk'
        ? 'Load: wrk (Debian, 1 thread, a process of its own), closed loop, c connections with one request in flight each; every answer checked against the verified body; latencies are wrk\'s percentiles (µs resolution).'
        : 'Load: autocannon in the bench process (install Debian\'s wrk for an external generator), closed loop, c connections with one request in flight each; latencies are exact per-response times of 2xx responses.',
    ],
    [...raw, ...ceiling, ...naive, ...served.map((x) => x.measurement)],
    [
      { header: '÷raw', value: (m) => m.requestsPerSec / rawLimit },
      { header: '÷naive', value: (m) => (m.protocol === 'in-process' ? undefined : m.requestsPerSec / (at(naive, m.concurrency)?.requestsPerSec ?? Number.NaN)) },
      { header: '÷ceiling', value: (m) => (m.protocol === 'in-process' ? undefined : m.requestsPerSec / (at(ceiling, m.concurrency)?.requestsPerSec ?? Number.NaN)) },
    ],
  );

  const goals: Goal[] = [];
  const observations: string[] = [];
  for (const row of headToHeadRows) {
    const [n, sw, fixed] = row.sides;
    if (!n || !sw || n.medianRate === 0) continue;
    const c = row.connections;
    const rate = (m: Measurement): number => m.requestsPerSec;
    const windows = `median of ${sw.windows.length} alternating rounds' ratios; medians ${sw.medianRate.toFixed(0)} vs ${n.medianRate.toFixed(0)} req/s, p50 ${fmtMs(sw.medianP50Ms)} vs ${fmtMs(n.medianP50Ms)} ms`;
    const overNaive = pairedRatio(row, 1, 0, rate);
    if (c === 1) {
      const r = pairedRatio(row, 1, 0, (m) => m.latency.p50Ms);
      goals.push({ section: 'tabular', goal: 'default deploy p50 ≤ 1.2× naive at c=1', measured: `${fmtRatio(r)} (${windows})`, met: r <= 1.2 });
    } else {
      goals.push({ section: 'tabular', goal: `default deploy ≥ 1.3× naive at c=${c}`, measured: `${fmtRatio(overNaive)} (${windows})`, met: overNaive >= 1.3 });
    }
    const config = bestFixed.get(c);
    if (!fixed || !config) continue;
    const fixedOverNaive = pairedRatio(row, 2, 0, rate);
    if (c > 1) {
      const best = Math.max(overNaive, fixedOverNaive);
      goals.push({
        section: 'tabular',
        goal: `best config ≥ 1.3× naive at c=${c}`,
        measured: `${fmtRatio(best)} with ${overNaive >= fixedOverNaive ? 'the default deploy' : describeRuntime(config)} (median of ${fixed.windows.length} alternating rounds' ratios; ${describeRuntime(config)} ${fixed.medianRate.toFixed(0)} req/s, default ${sw.medianRate.toFixed(0)}, naive ${n.medianRate.toFixed(0)})`,
        met: best >= 1.3,
      });
    }
    const overFixed = pairedRatio(row, 1, 2, rate);
    goals.push({
      section: 'tabular',
      goal: `default deploy ≥ 0.9× the best fixed config at c=${c}, and ≥ naive`,
      measured: `${fmtRatio(overFixed)} of ${describeRuntime(config)}, the best fixed config of the sequential windows (medians ${sw.medianRate.toFixed(0)} vs ${fixed.medianRate.toFixed(0)} req/s); ${fmtRatio(overNaive)} of naive (median of ${fixed.windows.length} alternating rounds' ratios each)`,
      met: overFixed >= 0.9 && overNaive >= 1,
    });
  }
  for (const m of served.map((x) => x.measurement).filter((x) => x.concurrency >= 16)) {
    const cpu = m.observed?.cpu;
    if (cpu && cpu.serverMainPct >= 85) {
      observations.push(
        `tabular ${m.scenario}, c=${m.concurrency}: Slipway's main thread is ${cpu.serverMainPct.toFixed(0)}% busy (saturated) while its other threads use ${cpu.serverOtherPct.toFixed(0)}% and the load generator ${cpu.loadgenPct.toFixed(0)}%: the event loop (HTTP + JSON) is the bottleneck, not the model.`,
      );
      break;
    }
  }
  return {
    tables: [table, headToHeadTable(headToHeadRows, bestFixed), batching.table],
    goals: [...goals, ...batching.goals],
    observations,
    anomalies: [...anomalies, ...anomaliesOf('tabular', [...ceiling, ...naive, ...served.map((x) => x.measurement), ...[...headToHeadRows, ...batching.rows].flatMap((r) => r.sides.flatMap((x) => x.windows))])],
    data: { rawLimit, raw, ceiling, naive, served, headToHead: headToHeadRows, batching: batching.rows },
  };
}

/**
 * The naive server, Slipway's default deploy (push digits, deploy with no runtime flags) and a second Slipway server
 * with the best fixed config of the sequential windows at each concurrency, all running, measured in alternating
 * windows: the sequential rows above are minutes apart, and this machine's speed moved by 20–50 % between them in
 * earlier runs. The fixed server is redeployed when the concurrency's best config differs from the one it runs.
 */
async function alternating(ctx: SectionContext, fixture: TabularFixture, bestFixed: ReadonlyMap<number, RuntimeConfig>, anomalies: string[]): Promise<HeadToHeadRow[]> {
  const d = ctx.options.durations;
  const seconds = Math.max(2, Math.round(d.loadSec / 2));
  const rounds = ctx.options.quick ? 1 : 3;
  const naive = await ChildServer.start('naive-server.ts', [fixture.raw.modelPath], 'naive server');
  const slipways: SlipwayServer[] = [];
  try {
    const slipway = await SlipwayServer.start(true);
    slipways.push(slipway);
    const picked = await slipway.deploy(ENDPOINT, MODEL_REF, { auto: true });
    console.log(`[tabular] head to head: default deploy picked ${picked ?? '?'}`);
    const fixedServer = await SlipwayServer.start(true);
    slipways.push(fixedServer);
    const url = (server: { url: string }): string => `${server.url}/v2/models/${ENDPOINT}/infer`;
    const side = (label: string, server: { url: string }, pid: number | NamedProcess[] | undefined, slipwayServer?: SlipwayServer): ReturnType<typeof tabularSide> =>
      tabularSide(fixture, {
        label, url: url(server), pid, seconds, warmupConnections: slipwayServer?.workers ?? 1,
        ...(slipwayServer ? { metrics: { baseUrl: slipwayServer.url, endpoint: ENDPOINT } } : {}),
      });
    const naiveMeasure = await side('naive', naive, naive.pid);
    const slipwayMeasure = await side('Slipway default deploy', slipway, slipway.processes, slipway);
    let fixedRuns: { config: RuntimeConfig; measure: (c: number) => Promise<Measurement> } | undefined;
    const fixedMeasure = async (c: number): Promise<Measurement> => {
      const config = bestFixed.get(c);
      if (!config) throw new Error(`tabular head to head: no fixed config was measured at c=${c}`);
      if (fixedRuns?.config !== config) {
        await fixedServer.deploy(ENDPOINT, MODEL_REF, config);
        fixedRuns = { config, measure: await side(`Slipway ${describeRuntime(config)}`, fixedServer, fixedServer.processes, fixedServer) };
      }
      return fixedRuns.measure(c);
    };
    return await headToHead(
      [{ label: 'naive', measure: naiveMeasure }, { label: 'Slipway default deploy', measure: slipwayMeasure }, { label: 'Slipway best fixed config', measure: fixedMeasure }],
      CONNECTIONS.filter((c) => bestFixed.has(c)), rounds, (m) => console.log(`[tabular] ${progressLine(m)}`),
    );
  } finally {
    await naive.stop();
    for (const server of slipways) {
      await server.stop();
      if (server.stderr.trim()) anomalies.push(`tabular head to head: Slipway wrote to stderr:\n${server.stderr.trim().slice(-2000)}`);
    }
  }
}

function headToHeadTable(rows: HeadToHeadRow[], bestFixed: ReadonlyMap<number, RuntimeConfig>): Table {
  const rate = (m: Measurement): number => m.requestsPerSec;
  const list = (side: HeadToHeadRow['sides'][number] | undefined): string => side?.windows.map((m) => m.requestsPerSec.toFixed(0)).join(', ') ?? '–';
  return {
    title: 'Tabular: default deploy vs naive and vs the best fixed config, alternating windows',
    notes: [
      'Three servers up at once: naive, a default deploy, and a second Slipway running the best fixed config of the sequential windows at that concurrency. At each concurrency their load windows alternate (the one that goes first rotates too). req/s and p50: medians per server; ratios: the median over rounds of each round\'s ratio (a drift that slows every server in a round cancels out). The goal rows come from this table.',
    ],
    headers: ['c', 'naive req/s', 'default req/s', 'default ÷naive (paired)', 'naive p50 ms', 'default p50 ms', 'p50 ÷naive (paired)', 'best fixed config', 'fixed req/s', 'default ÷fixed (paired)', 'windows (req/s, naive / default / fixed)'],
    rows: rows.map((r) => {
      const [n, sw, fixed] = r.sides;
      if (!n || !sw) return [String(r.connections)];
      const config = bestFixed.get(r.connections);
      return [
        String(r.connections), n.medianRate.toFixed(0), sw.medianRate.toFixed(0), fmtRatio(pairedRatio(r, 1, 0, rate)),
        fmtMs(n.medianP50Ms), fmtMs(sw.medianP50Ms), fmtRatio(pairedRatio(r, 1, 0, (m) => m.latency.p50Ms)),
        config ? describeRuntime(config) : '–', fixed ? fixed.medianRate.toFixed(0) : '–', fixed ? fmtRatio(pairedRatio(r, 1, 2, rate)) : '–',
        `${list(n)} / ${list(sw)} / ${list(fixed)}`,
      ];
    }),
  };
}
