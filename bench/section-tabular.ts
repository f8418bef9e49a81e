// Tabular section: the digits MLP served by Slipway (instances, dynamic batching) vs raw onnxruntime, a naive Fastify server and an HTTP ceiling.

import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ChildServer } from './child-server.js';
import { disturbance, type NamedProcess } from './cpu-probe.js';
import { HTTP_LOADGEN, runLoad, type LoadSpec } from './http-load.js';
import { bestOfPasses, fromHttp, fromRaw, progressLine, type Measurement } from './measurement.js';
import { Observer } from './observer.js';
import { waitForQuiet } from './quiet.js';
import { measureInProcess, measureWorkers } from './raw-onnxruntime.js';
import { fmtMs, fmtRatio, loadTable, type Goal, type Table } from './report.js';
import { headToHead, type HeadToHeadRow } from './head-to-head.js';
import { anomaliesOf, type SectionContext, type SectionResult } from './section.js';
import { describeRuntime, SlipwayServer, type RuntimeConfig } from './slipway-server.js';
import { fixedAnswer, tabularFixture, verifyTabular, type TabularFixture } from './tabular-fixture.js';

const CONNECTIONS = [1, 16, 64];
/** Load each server of the head-to-head takes before its first measured window. */
const SERVER_WARMUP = { connections: 16, seconds: 4 };
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
  const served: Measurement[] = [];
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
        served.push(m);
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

  // 5. The goal rows again, fairly: the naive server and a default deploy both up, measured in alternating windows.
  const headToHeadRows = await defaultVersusNaive(ctx, fixture, anomalies);

  // 6. Raw onnxruntime again, now that the servers are gone; the better pass is the baseline.
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
    [...raw, ...ceiling, ...naive, ...served],
    [
      { header: '÷raw', value: (m) => m.requestsPerSec / rawLimit },
      { header: '÷naive', value: (m) => (m.protocol === 'in-process' ? undefined : m.requestsPerSec / (at(naive, m.concurrency)?.requestsPerSec ?? Number.NaN)) },
      { header: '÷ceiling', value: (m) => (m.protocol === 'in-process' ? undefined : m.requestsPerSec / (at(ceiling, m.concurrency)?.requestsPerSec ?? Number.NaN)) },
    ],
  );

  const goals: Goal[] = [];
  const observations: string[] = [];
  for (const row of headToHeadRows) {
    const [n, sw] = row.sides;
    if (!n || !sw || n.medianRate === 0) continue;
    const windows = `median of ${sw.windows.length} alternating rounds' ratios; medians ${sw.medianRate.toFixed(0)} vs ${n.medianRate.toFixed(0)} req/s, p50 ${fmtMs(sw.medianP50Ms)} vs ${fmtMs(n.medianP50Ms)} ms`;
    if (row.connections === 1) {
      const r = row.pairedP50Ratio;
      goals.push({ section: 'tabular', goal: 'default deploy p50 ≤ 1.2× naive at c=1', measured: `${fmtRatio(r)} (${windows})`, met: r <= 1.2 });
    } else {
      const r = row.pairedRateRatio;
      goals.push({ section: 'tabular', goal: `default deploy ≥ 1.3× naive at c=${row.connections}`, measured: `${fmtRatio(r)} (${windows})`, met: r >= 1.3 });
    }
  }
  for (const c of [16, 64]) {
    const candidates = served.filter((m) => m.concurrency === c);
    const best = candidates.reduce<Measurement | undefined>((a, b) => (a && a.requestsPerSec >= b.requestsPerSec ? a : b), undefined);
    const n = at(naive, c);
    const ceil = at(ceiling, c);
    if (!best || !n || n.latency.count === 0) continue;
    const ratio = best.requestsPerSec / n.requestsPerSec;
    goals.push({
      section: 'tabular',
      goal: `best config ≥ 1.3× naive at c=${c} (sequential windows)`,
      measured: `${fmtRatio(ratio)} (${best.requestsPerSec.toFixed(0)} req/s with ${best.scenario.replace('Slipway JSON, ', '')} vs naive ${n.requestsPerSec.toFixed(0)}; HTTP ceiling ${ceil ? ceil.requestsPerSec.toFixed(0) : '–'}, Slipway = ${ceil ? fmtRatio(best.requestsPerSec / ceil.requestsPerSec) : '–'} of it)${disturbance(best.observed?.cpu, n.observed?.cpu)}`,
      met: ratio >= 1.3,
    });
  }
  const DEFAULT = `Slipway JSON, ${describeRuntime({ auto: true })}`;
  for (const c of [1, 16, 64]) {
    const auto = served.find((m) => m.concurrency === c && m.scenario === DEFAULT);
    const fixed = served.filter((m) => m.concurrency === c && m.scenario !== DEFAULT);
    const best = fixed.reduce<Measurement | undefined>((a, b) => (a && a.requestsPerSec >= b.requestsPerSec ? a : b), undefined);
    const n = at(naive, c);
    if (!auto || !best) continue;
    const r = auto.requestsPerSec / best.requestsPerSec;
    goals.push({
      section: 'tabular',
      goal: `default deploy ≥ 0.9× the best fixed config at c=${c}, and ≥ naive`,
      measured: `${fmtRatio(r)} of ${best.scenario.replace('Slipway JSON, ', '')} (${auto.requestsPerSec.toFixed(0)} vs ${best.requestsPerSec.toFixed(0)} req/s); ${n ? `${fmtRatio(auto.requestsPerSec / n.requestsPerSec)} of naive` : 'naive not measured'}${disturbance(auto.observed?.cpu, best.observed?.cpu)}`,
      met: r >= 0.9 && (n === undefined || auto.requestsPerSec >= n.requestsPerSec),
    });
  }
  for (const m of served.filter((s) => s.concurrency >= 16)) {
    const cpu = m.observed?.cpu;
    if (cpu && cpu.serverMainPct >= 85) {
      observations.push(
        `tabular ${m.scenario}, c=${m.concurrency}: Slipway's main thread is ${cpu.serverMainPct.toFixed(0)}% busy (saturated) while its other threads use ${cpu.serverOtherPct.toFixed(0)}% and the load generator ${cpu.loadgenPct.toFixed(0)}%: the event loop (HTTP + JSON) is the bottleneck, not the model.`,
      );
      break;
    }
  }
  return {
    tables: [table, headToHeadTable(headToHeadRows)],
    goals,
    observations,
    anomalies: [...anomalies, ...anomaliesOf('tabular', [...ceiling, ...naive, ...served, ...headToHeadRows.flatMap((r) => r.sides.flatMap((x) => x.windows))])],
    data: { rawLimit, raw, ceiling, naive, served, headToHead: headToHeadRows },
  };
}

/**
 * The naive server and Slipway's default deploy (push digits, deploy with no runtime flags), both running, measured in
 * alternating windows at each concurrency: the sequential rows above are minutes apart, and this machine's speed
 * moved by 20–50 % between them in earlier runs.
 */
async function defaultVersusNaive(ctx: SectionContext, fixture: TabularFixture, anomalies: string[]): Promise<HeadToHeadRow[]> {
  const d = ctx.options.durations;
  const seconds = Math.max(2, Math.round(d.loadSec / 2));
  const rounds = ctx.options.quick ? 1 : 3;
  const naive = await ChildServer.start('naive-server.ts', [fixture.raw.modelPath], 'naive server');
  let slipway: SlipwayServer | undefined;
  try {
    slipway = await SlipwayServer.start(true);
    const picked = await slipway.deploy(ENDPOINT, MODEL_REF, { auto: true });
    console.log(`[tabular] head to head: default deploy picked ${picked ?? '?'}`);
    const side = async (label: string, url: string, pid: number | NamedProcess[] | undefined, metrics: boolean, warmupConnections: number): Promise<(c: number) => Promise<Measurement>> => {
      const expectBody = await verifyTabular(url, fixture, label);
      // Both servers warmed alike before the first window, at c=16 so every process of either gets traffic: the rounds
      // compare servers whose code has run, not V8 tiering up (a worker's c=1 window otherwise met code that had served
      // only its share of a one-second warm-up).
      await runLoad({ url, body: fixture.body, connections: SERVER_WARMUP.connections, warmupSec: 0, durationSec: SERVER_WARMUP.seconds, label: `tabular head to head ${label} warm-up` });
      return async (c) => {
        const observer = new Observer(pid, metrics && slipway ? { baseUrl: slipway.url, endpoint: ENDPOINT } : undefined);
        const load = await runLoad({
          url, body: fixture.body, connections: c, warmupSec: 1, durationSec: seconds, observer, label: `tabular head to head ${label} c=${c}`, warmupConnections,
          ...(expectBody ? { expectBody } : {}),
        });
        return fromHttp(`${label} (alternating)`, 'http-json', load);
      };
    };
    const naiveMeasure = await side('naive', `${naive.url}/v2/models/${ENDPOINT}/infer`, naive.pid, false, 1);
    const slipwayMeasure = await side('Slipway default deploy', `${slipway.url}/v2/models/${ENDPOINT}/infer`, slipway.processes, true, slipway.workers);
    return await headToHead(
      [{ label: 'naive', measure: naiveMeasure }, { label: 'Slipway default deploy', measure: slipwayMeasure }],
      CONNECTIONS, rounds, (m) => console.log(`[tabular] ${progressLine(m)}`),
    );
  } finally {
    await naive.stop();
    await slipway?.stop();
    if (slipway?.stderr.trim()) anomalies.push(`tabular head to head: Slipway wrote to stderr:\n${slipway.stderr.trim().slice(-2000)}`);
  }
}

function headToHeadTable(rows: HeadToHeadRow[]): Table {
  return {
    title: 'Tabular: default deploy vs naive, alternating windows',
    notes: [
      'Both servers up at once; at each concurrency their load windows alternate (the one that goes first alternates too). req/s and p50: medians per server; ratios: the median over rounds of each round\'s Slipway ÷ naive (a drift that slows both in a round cancels out). The goal rows come from this table.',
    ],
    headers: ['c', 'naive req/s', 'Slipway req/s', 'ratio (paired)', 'naive p50 ms', 'Slipway p50 ms', 'p50 ratio (paired)', 'windows (req/s, naive / Slipway)'],
    rows: rows.map((r) => {
      const [n, sw] = r.sides;
      if (!n || !sw) return [String(r.connections)];
      return [
        String(r.connections), n.medianRate.toFixed(0), sw.medianRate.toFixed(0), fmtRatio(r.pairedRateRatio),
        fmtMs(n.medianP50Ms), fmtMs(sw.medianP50Ms), fmtRatio(r.pairedP50Ratio),
        `${n.windows.map((m) => m.requestsPerSec.toFixed(0)).join(', ')} / ${sw.windows.map((m) => m.requestsPerSec.toFixed(0)).join(', ')}`,
      ];
    }),
  };
}
