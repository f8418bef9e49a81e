// ResNet section: the generated ResNet-18 served over HTTP+JSON, HTTP+binary and gRPC vs the raw onnxruntime limit and a naive server.

import { ChildServer } from './child-server.js';
import { disturbance } from './cpu-probe.js';
import { decodeCost } from './decode-cost.js';
import { inferDecoded, newGrpcClient } from './grpc-client.js';
import { GRPC_LOADGEN, runGrpcLoad } from './grpc-load.js';
import { runH2loadGrpc } from './h2load-grpc.js';
import { HTTP_LOADGEN, runLoad } from './http-load.js';
import { bestOfPasses, fromGrpc, fromHttp, fromRaw, progressLine, type Measurement } from './measurement.js';
import { Observer } from './observer.js';
import { waitForQuiet } from './quiet.js';
import { measureInProcess, measureWorkers } from './raw-onnxruntime.js';
import { fmtMs, fmtRate, fmtRatio, loadTable, type Goal, type Table } from './report.js';
import { resnetFixture, type ResnetFixture } from './resnet-fixture.js';
import { RESNET_OUTPUT } from './resnet18.js';
import { anomaliesOf, type SectionContext, type SectionResult } from './section.js';
import { describeRuntime, SlipwayServer, type FixedRuntime, type RuntimeConfig } from './slipway-server.js';
import { median } from './stats.js';
import { binaryOutput, expectClose, grpcOutput, jsonOutput } from './verify.js';

export const RESNET_ENDPOINT = 'resnet';
/** The scenario name of gRPC calls whose image travels as typed contents (not one of the 0.95x-raw goals' rows). */
const TYPED_GRPC = 'Slipway gRPC typed contents';
const CONCURRENCY = [1, 8];
/** The throughput goals' concurrency, and the rounds of alternating served and raw windows that measure them. */
const PAIRED_CONCURRENCY = 8;
const PAIRED_ROUNDS = 3;

/** One window of the served-vs-raw rounds. */
interface PairedWindow {
  round: number;
  kind: 'raw' | 'binary' | 'grpc';
  measurement: Measurement;
}
/**
 * Runtime configs the probe chooses between (2 cores: two single-threaded instances, one instance using both cores, two
 * of them, and two of them whose runs beside each other take 1 thread each).
 */
export const RESNET_CANDIDATES: FixedRuntime[] = [
  { instances: 2, intraOpThreads: 1 },
  { instances: 1, intraOpThreads: 2 },
  { instances: 2, intraOpThreads: 2 },
  { instances: 2, intraOpThreads: 2, busyIntraOpThreads: 1 },
];

export async function ensureResnet(ctx: SectionContext): Promise<ResnetFixture> {
  if (!ctx.resnet) {
    ctx.resnet = await resnetFixture(RESNET_ENDPOINT);
    const m = ctx.resnet.model;
    console.log(`[resnet] generated ResNet-18: ${m.parameters} parameters, ${(m.bytes / 2 ** 20).toFixed(1)} MiB at ${m.path} (${ctx.resnet.generateMs.toFixed(0)} ms incl. onnxruntime load check)`);
  }
  return ctx.resnet;
}

/** Checks one answer of each protocol against raw onnxruntime's logits (1e-4 relative); returns the worst relative error per protocol. */
export async function verifyResnetProtocols(server: SlipwayServer, fx: ResnetFixture): Promise<Record<string, number>> {
  const url = `${server.url}/v2/models/${RESNET_ENDPOINT}/infer`;
  const json = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fx.jsonBody });
  const jsonText = await json.text();
  if (json.status !== 200) throw new Error(`Slipway JSON verification got HTTP ${json.status}: ${jsonText.slice(0, 300)}`);
  const bin = await fetch(url, { method: 'POST', headers: fx.binaryHeaders, body: fx.binaryBody });
  const binBody = Buffer.from(await bin.arrayBuffer());
  if (bin.status !== 200) throw new Error(`Slipway binary verification got HTTP ${bin.status}: ${binBody.toString('utf8', 0, 300)}`);
  const headerLength = Number(bin.headers.get('inference-header-content-length'));
  const client = newGrpcClient(server.grpcAddress);
  try {
    const reply = await inferDecoded(client, fx.grpcRequest);
    const typed = await inferDecoded(client, fx.grpcTypedRequest);
    return {
      json: expectClose('Slipway HTTP+JSON logits', jsonOutput(jsonText, RESNET_OUTPUT), fx.reference),
      binary: expectClose('Slipway HTTP+binary logits', binaryOutput(binBody, headerLength, RESNET_OUTPUT), fx.reference),
      grpc: expectClose('Slipway gRPC logits', grpcOutput(reply, RESNET_OUTPUT), fx.reference),
      grpcTyped: expectClose('Slipway gRPC (typed contents) logits', grpcOutput(typed, RESNET_OUTPUT), fx.reference),
    };
  } finally {
    client.close();
  }
}

export interface ProbeResult {
  config: RuntimeConfig;
  concurrency: number;
  requestsPerSec: number;
  p99Ms: number;
  /** For the default deploy: what the server picked and why. */
  picked?: string;
}

/**
 * Short HTTP+binary probe of each candidate at one concurrency, and of the default deploy (what a deploy without
 * runtime flags picks, to compare with the best); leaves the best fixed candidate (highest req/s) deployed.
 */
export async function probeResnetRuntime(
  server: SlipwayServer,
  fx: ResnetFixture,
  modelRef: string,
  seconds: number,
  concurrency: number,
): Promise<{ best: FixedRuntime; probes: ProbeResult[] }> {
  const url = `${server.url}/v2/models/${RESNET_ENDPOINT}/infer`;
  const probes: ProbeResult[] = [];
  const probe = async (config: RuntimeConfig): Promise<ProbeResult> => {
    const picked = await server.deploy(RESNET_ENDPOINT, modelRef, config);
    if (picked) console.log(`[resnet] default deploy picked ${picked}`);
    const label = `resnet probe ${describeRuntime(config)} c=${concurrency}`;
    const r = await runLoad({ url, body: fx.binaryBody, headers: fx.binaryHeaders, connections: concurrency, warmupSec: 1, durationSec: seconds, label, warmupConnections: server.workers });
    const result = { config, concurrency, requestsPerSec: r.requestsPerSec, p99Ms: r.latency.p99Ms, ...(picked ? { picked } : {}) };
    probes.push(result);
    console.log(`[resnet] probe ${describeRuntime(config)}: ${r.requestsPerSec.toFixed(1)} req/s at c=${concurrency} (HTTP+binary), p99 ${r.latency.p99Ms.toFixed(1)} ms`);
    return result;
  };
  await probe({ auto: true });
  const fixed: { config: FixedRuntime; result: ProbeResult }[] = [];
  for (const config of RESNET_CANDIDATES) fixed.push({ config, result: await probe(config) });
  const best = fixed.reduce((a, b) => (b.result.requestsPerSec > a.result.requestsPerSec ? b : a));
  if (best !== fixed[fixed.length - 1]) await server.deploy(RESNET_ENDPOINT, modelRef, best.config);
  return { best: best.config, probes };
}

export async function resnetSection(ctx: SectionContext): Promise<SectionResult> {
  const d = ctx.options.durations;
  const fx = await ensureResnet(ctx);
  const anomalies: string[] = [];

  // 1. The raw limit (first pass), while nothing else runs.
  const rawSettings: ((durationMs: number) => Promise<Measurement>)[] = [
    async (ms) => fromRaw(await measureInProcess(fx.raw, d.resnetRawWarmupMs, ms, 2)),
    async (ms) => fromRaw(await measureInProcess(fx.raw, d.resnetRawWarmupMs, ms, 1)),
    async (ms) => fromRaw(await measureWorkers(fx.raw, 2, d.resnetRawWarmupMs, ms, 1)),
  ];
  const measureRaw = async (pass: number): Promise<Measurement[]> => {
    await waitForQuiet(`resnet raw onnxruntime, pass ${pass}`);
    const list: Measurement[] = [];
    for (const setting of rawSettings) list.push(await setting(d.resnetRawMs));
    for (const r of list) console.log(`[resnet] pass ${pass}: ${progressLine(r)}`);
    return list;
  };
  const rawFirst = await measureRaw(1);
  const bestRawSetting = rawSettings[rawFirst.indexOf(rawFirst.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a)))]!;
  await waitForQuiet('resnet JSON decode cost');
  const decode = await decodeCost(fx.jsonBody, ctx.options.quick ? 500 : 1500);
  console.log(`[resnet] decoding the JSON body: JSON.parse + Float32Array.from ${decode.jsonParseMs.toFixed(1)} ms, Slipway ${decode.slipwayMs?.toFixed(1) ?? decode.note ?? '?'} ms`);

  const loadOpts = { warmupSec: d.loadWarmupSec, durationSec: d.loadSec };

  // 2. Naive server (default onnxruntime threads = physical cores): JSON and raw-float32 bodies.
  const naive: Measurement[] = [];
  {
    const server = await ChildServer.start('naive-server.ts', [fx.model.path], 'naive server');
    try {
      const jsonUrl = `${server.url}/v2/models/${RESNET_ENDPOINT}/infer`;
      const rawUrl = `${server.url}/v2/models/${RESNET_ENDPOINT}/infer-raw?shape=${fx.raw.shape.join(',')}`;
      const jr = await fetch(jsonUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: fx.jsonBody });
      expectClose('naive JSON logits', jsonOutput(await jr.text(), RESNET_OUTPUT), fx.reference);
      const rr = await fetch(rawUrl, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body: fx.rawBody });
      expectClose('naive raw logits', new Float32Array(await rr.arrayBuffer()), fx.reference);
      for (const c of CONCURRENCY) {
        const scenario = 'naive HTTP+JSON (JSON.parse, main thread)';
        const m = fromHttp(scenario, 'http-json', await runLoad({ url: jsonUrl, body: fx.jsonBody, connections: c, observer: new Observer(server.pid), label: `resnet ${scenario} c=${c}`, ...loadOpts }));
        naive.push(m);
        console.log(`[resnet] ${progressLine(m)}`);
      }
      for (const c of CONCURRENCY) {
        const headers = { 'content-type': 'application/octet-stream' };
        const scenario = 'naive HTTP+raw float32 body';
        const m = fromHttp(scenario, 'http-raw', await runLoad({ url: rawUrl, body: fx.rawBody, headers, connections: c, observer: new Observer(server.pid), label: `resnet ${scenario} c=${c}`, ...loadOpts }));
        naive.push(m);
        console.log(`[resnet] ${progressLine(m)}`);
      }
    } finally {
      await server.stop();
      if (server.stderr.trim()) anomalies.push(`resnet: naive server stderr: ${server.stderr.trim().slice(-1000)}`);
    }
  }

  // 3. Slipway: per concurrency, probe the runtime (the best config for c=1 latency and for c=8 throughput differ on 2 cores),
  //    verify every protocol against raw onnxruntime, then measure each protocol.
  const served: Measurement[] = [];
  const probes: ProbeResult[] = [];
  const chosen: Record<number, FixedRuntime> = {};
  const verified: Record<string, Record<string, number>> = {};
  let pairedRuns: { runtime: string; binary: () => Promise<Measurement>; grpc: () => Promise<Measurement> } | undefined;
  const paired: PairedWindow[] = [];
  let pairedRuntime = '';
  const server = await SlipwayServer.start(false);
  console.log(`[resnet] Slipway pid ${String(server.pid)} at ${server.url}, gRPC ${server.grpcAddress}`);
  try {
    const ref = await server.push(fx.model.path, RESNET_ENDPOINT);
    const url = `${server.url}/v2/models/${RESNET_ENDPOINT}/infer`;
    const observer = (): Observer => new Observer(server.processes, { baseUrl: server.url, endpoint: RESNET_ENDPOINT });
    const label = (what: string, c: number): string => `resnet Slipway ${what} c=${c}`;
    concurrencies: for (const c of CONCURRENCY) {
      const probe = await probeResnetRuntime(server, fx, ref, d.probeSec, c);
      probes.push(...probe.probes);
      const config = probe.best;
      chosen[c] = config;
      const rt = describeRuntime(config);
      verified[rt] = await verifyResnetProtocols(server, fx);
      console.log(`[resnet] ${rt}: answers match raw onnxruntime (worst relative error ${JSON.stringify(verified[rt])})`);
      const runBinary = async (): Promise<Measurement> =>
        fromHttp(`Slipway HTTP+binary, ${rt}`, 'http-binary', await runLoad({
          url, body: fx.binaryBody, headers: fx.binaryHeaders, connections: c, observer: observer(), label: label('binary', c), warmupConnections: server.workers, ...loadOpts,
        }));
      const runGrpc = async (): Promise<Measurement> =>
        fromGrpc(`Slipway gRPC, ${rt}`, await (GRPC_LOADGEN === 'h2load' ? runH2loadGrpc : runGrpcLoad)({ address: server.grpcAddress, encoded: fx.grpcEncoded, concurrency: c, observer: observer(), label: label('gRPC', c), ...loadOpts }));
      const runGrpcTyped = async (): Promise<Measurement> =>
        fromGrpc(`${TYPED_GRPC}, ${rt}`, await (GRPC_LOADGEN === 'h2load' ? runH2loadGrpc : runGrpcLoad)({ address: server.grpcAddress, encoded: fx.grpcTypedEncoded, concurrency: c, observer: observer(), label: label('gRPC typed', c), ...loadOpts }));
      const runs: (() => Promise<Measurement>)[] = [
        async () => fromHttp(`Slipway HTTP+JSON, ${rt}`, 'http-json', await runLoad({ url, body: fx.jsonBody, connections: c, observer: observer(), label: label('JSON', c), warmupConnections: server.workers, ...loadOpts })),
        runBinary,
        runGrpc,
        runGrpcTyped,
      ];
      if (c === PAIRED_CONCURRENCY) pairedRuns = { runtime: rt, binary: runBinary, grpc: runGrpc };
      for (const run of runs) {
        const m = await run();
        served.push(m);
        console.log(`[resnet] ${progressLine(m)}`);
        if (server.exited) {
          anomalies.push(`resnet: Slipway ${server.exited} during ${m.scenario}, c=${c}; stderr tail:\n${server.stderr}`);
          break concurrencies;
        }
      }
    }
    const throughputConfig = chosen[CONCURRENCY[CONCURRENCY.length - 1] ?? 8];
    if (throughputConfig) ctx.resnetRuntime = throughputConfig;
    // 3b. Served vs raw in alternating windows (the order rotates each round), the server up and idle during raw ones:
    //     the single windows above and the raw passes run minutes apart on a machine whose speed drifts.
    if (pairedRuns && !server.exited) {
      const runs = pairedRuns;
      const kinds = [
        { kind: 'raw' as const, run: () => bestRawSetting(d.loadSec * 1000) },
        { kind: 'binary' as const, run: runs.binary },
        { kind: 'grpc' as const, run: runs.grpc },
      ];
      const rounds = ctx.options.quick ? 1 : PAIRED_ROUNDS;
      for (let round = 1; round <= rounds && !server.exited; round++) {
        await waitForQuiet(`resnet served vs raw, round ${round}`);
        for (let k = 0; k < kinds.length; k++) {
          const { kind, run } = kinds[(k + round - 1) % kinds.length]!;
          const m = await run();
          paired.push({ round, kind, measurement: m });
          console.log(`[resnet] served vs raw, round ${round}: ${progressLine(m)}`);
        }
      }
      pairedRuntime = runs.runtime;
    }
  } finally {
    await server.stop();
  }
  if (server.stderr.trim()) anomalies.push(`resnet: Slipway wrote to stderr (log level warn):\n${server.stderr.trim().slice(-2000)}`);

  // 4. The raw limit again, with every server gone; per setting the better pass counts, the best setting is the limit.
  const raw = bestOfPasses(rawFirst, await measureRaw(2));
  const limit = raw.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));

  // Tables and goals.
  const naiveFor = (m: Measurement): Measurement | undefined =>
    naive.find((n) => n.concurrency === m.concurrency && (m.protocol === 'http-json' ? n.protocol === 'http-json' : n.protocol === 'http-raw'));
  const probeTable: Table = {
    title: 'ResNet-18: runtime probe (HTTP+binary)',
    notes: [`${d.probeSec} s per candidate after 1 s warm-up, at each concurrency; the best (req/s) serves that concurrency's rows below.`],
    headers: ['runtime', 'c', 'req/s', 'p99 ms', 'chosen'],
    rows: probes.map((p) => [
      p.picked ? `default deploy (auto: ${p.picked})` : describeRuntime(p.config), String(p.concurrency), fmtRate(p.requestsPerSec), fmtMs(p.p99Ms),
      chosen[p.concurrency] === p.config ? 'yes' : '',
    ]),
  };
  const decodeTable: Table = {
    title: 'ResNet-18: decoding one JSON body in-process (no server)',
    notes: [
      'Mean wall time per decode of the same ~3 MB v2 JSON body on an idle bench thread: Slipway\'s request decoder as built in dist/ (what its decode workers run) vs what the naive server does.',
      ...(decode.note ? [decode.note] : []),
    ],
    headers: ['decoder', 'ms per body', 'MB/s', '÷ JSON.parse'],
    rows: [
      ['JSON.parse + Float32Array.from', fmtMs(decode.jsonParseMs), fmtRate(decode.bodyBytes / 1e3 / decode.jsonParseMs), '1.00×'],
      ...(decode.slipwayMs !== undefined
        ? [["Slipway decodeBinaryInferRequest (dist/protocols/v2-binary.js)", fmtMs(decode.slipwayMs), fmtRate(decode.bodyBytes / 1e3 / decode.slipwayMs), fmtRatio(decode.slipwayMs / decode.jsonParseMs)]]
        : []),
    ],
  };
  const table = loadTable(
    'ResNet-18: [1,3,224,224] FP32 image → [1,1000] logits',
    [
      `Model generated by the bench: ${fx.model.parameters} parameters, ${(fx.model.bytes / 2 ** 20).toFixed(1)} MiB ONNX (ir 8, opset 13), sha256 ${fx.model.sha256.slice(0, 16)}…`,
      `Raw limit: ${limit.requestsPerSec.toFixed(1)} inferences/s (${limit.scenario}). ÷limit = req/s ÷ raw limit.`,
      '÷naive: Slipway HTTP+JSON vs the naive server\'s JSON route; Slipway HTTP+binary and gRPC vs its raw-float32-body route; same concurrency.',
      `Bodies: JSON ${(fx.jsonBody.length / 1e6).toFixed(2)} MB (float32 values written as a numpy tolist() client does), binary ${(fx.binaryBody.length / 1e6).toFixed(2)} MB, gRPC ${(fx.grpcEncoded.length / 1e6).toFixed(2)} MB in raw_input_contents (as Triton's client sends it), and ${(fx.grpcTypedEncoded.length / 1e6).toFixed(2)} MB in contents.fp32_contents ("typed contents", as KServe's Python client sends it).`,
      `HTTP load: ${HTTP_LOADGEN === 'wrk' ? 'wrk (1 thread, its own process)' : 'autocannon in the bench process'} (c connections, one request in flight each); gRPC load: ${GRPC_LOADGEN === 'h2load' ? "h2load (nghttp2, its own process): one HTTP/2 connection (a gRPC channel) with c calls in flight, the request pre-serialised; a call counts only if its reply carried the answer's bytes, and the server's failure counters name the reason for any other" : 'one grpc-js channel in the bench process with c calls in flight, requests pre-serialised, replies not decoded'}. Before measuring, one answer per protocol was checked against raw onnxruntime's logits (1e-4 relative).`,
      'The naive server runs onnxruntime with its default threads (intra-op = physical cores = 2 here), so an intra-op=2 naive variant would be identical and is not run separately.',
    ],
    [...raw, ...naive, ...served],
    [
      { header: '÷limit', value: (m) => m.requestsPerSec / limit.requestsPerSec },
      { header: '÷naive', value: (m) => (m.scenario.startsWith('Slipway') ? m.requestsPerSec / (naiveFor(m)?.requestsPerSec ?? Number.NaN) : undefined) },
    ],
  );

  const goals: Goal[] = [];
  for (const c of CONCURRENCY) {
    const auto = probes.find((p) => p.concurrency === c && p.picked);
    const fixed = probes.filter((p) => p.concurrency === c && !p.picked);
    if (auto && fixed.length > 0) {
      const best = fixed.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
      const r = auto.requestsPerSec / best.requestsPerSec;
      goals.push({
        section: 'resnet',
        goal: `default deploy ≥ 0.9× the best probed config at c=${c} (HTTP+binary)`,
        measured: `${fmtRatio(r)} (${fmtRate(auto.requestsPerSec)} vs ${fmtRate(best.requestsPerSec)} req/s with ${describeRuntime(best.config)}; picked ${auto.picked ?? ''})`,
        met: r >= 0.9,
      });
    }
  }
  for (const c of CONCURRENCY) {
    const s = served.find((m) => m.protocol === 'http-json' && m.concurrency === c);
    const n = s && naiveFor(s);
    if (s && n) {
      const goal = `Slipway HTTP+JSON ≥ 2× naive JSON at c=${c}`;
      if (n.latency.count === 0) goals.push({ section: 'resnet', goal, measured: `not measurable: the naive server completed no request in the window (Slipway ${fmtRate(s.requestsPerSec)} req/s)`, met: false });
      else {
        const r = s.requestsPerSec / n.requestsPerSec;
        goals.push({ section: 'resnet', goal, measured: `${fmtRatio(r)} (${fmtRate(s.requestsPerSec)} vs ${fmtRate(n.requestsPerSec)} req/s; p99 ${fmtMs(s.latency.p99Ms)} vs ${fmtMs(n.latency.p99Ms)} ms)${disturbance(s.observed?.cpu, n.observed?.cpu)}`, met: r >= 2 });
      }
    }
  }
  // Per round, served ÷ raw; the goal takes the median over rounds (a drift that slows a whole round cancels out).
  const pairedRatios = (kind: 'binary' | 'grpc'): number[] => {
    const out: number[] = [];
    for (const w of paired) {
      if (w.kind !== kind) continue;
      const raw = paired.find((r) => r.round === w.round && r.kind === 'raw');
      if (raw && raw.measurement.requestsPerSec > 0) out.push(w.measurement.requestsPerSec / raw.measurement.requestsPerSec);
    }
    return out;
  };
  const pairedTable: Table | undefined = paired.length === 0 ? undefined : {
    title: `ResNet-18: served at c=${PAIRED_CONCURRENCY} vs raw onnxruntime, alternating windows`,
    notes: [
      `The served runtime is the one chosen for c=${PAIRED_CONCURRENCY} (${pairedRuntime}); raw is the best setting of the first raw pass, measured in the bench process while the server is up and idle. ` +
        `Each round runs one window of each (${d.loadSec} s; the order rotates), so their ratio compares windows seconds apart; the goals take the median of the rounds' ratios.`,
    ],
    headers: ['round', 'window', 'req/s', 'p99 ms', '÷ raw (same round)'],
    rows: paired.map((w) => {
      const raw = paired.find((r) => r.round === w.round && r.kind === 'raw');
      return [
        String(w.round), w.measurement.scenario, fmtRate(w.measurement.requestsPerSec), fmtMs(w.measurement.latency.p99Ms),
        w.kind === 'raw' || !raw ? '' : fmtRatio(w.measurement.requestsPerSec / raw.measurement.requestsPerSec),
      ];
    }),
  };
  for (const protocol of ['http-binary', 'grpc'] as const) {
    const s = served.find((m) => m.protocol === protocol && m.concurrency === PAIRED_CONCURRENCY && !m.scenario.startsWith(TYPED_GRPC));
    if (!s) continue;
    const kind = protocol === 'grpc' ? 'grpc' : 'binary';
    const ratios = pairedRatios(kind);
    const single = s.requestsPerSec / limit.requestsPerSec;
    const medianRate = (k: PairedWindow['kind']): number => median(paired.filter((w) => w.kind === k).map((w) => w.measurement.requestsPerSec));
    const r = ratios.length > 0 ? median(ratios) : single;
    const how = ratios.length > 0
      ? `median of ${ratios.length} alternating rounds' ratios ${ratios.map((x) => x.toFixed(3)).join(', ')}; medians ${fmtRate(medianRate(kind))} vs ${fmtRate(medianRate('raw'))} inferences/s; ` +
        `the single window in the table above: ${single.toFixed(3)} of the best-of-passes limit, ${fmtRate(s.requestsPerSec)} vs ${fmtRate(limit.requestsPerSec)}`
      : `${fmtRate(s.requestsPerSec)} vs ${fmtRate(limit.requestsPerSec)} inferences/s`;
    // The raw limit has both cores to itself; served, the event loop, the load generator and other processes take
    // their share first, which bounds the ratio on this machine whatever the server does.
    const cpu = s.observed?.cpu;
    const share = cpu ? Math.max(0, 200 - cpu.serverMainPct - cpu.loadgenPct - cpu.othersPct) / 200 : undefined;
    const bound = cpu && share !== undefined
      ? `; in that window the model's share of the 2 cores was ${share.toFixed(2)} (event loop ${cpu.serverMainPct.toFixed(0)}%, load generator ${cpu.loadgenPct.toFixed(0)}%, others ${cpu.othersPct.toFixed(0)}%), so ${fmtRatio(single / share)} of raw per core it had`
      : '';
    goals.push({
      section: 'resnet',
      goal: `Slipway ${protocol === 'grpc' ? 'gRPC' : 'HTTP+binary'} ≥ 0.95 × raw limit at c=${PAIRED_CONCURRENCY}`,
      measured: `${r.toFixed(3)} (${how}; p99 ${fmtMs(s.latency.p99Ms)} ms${bound})${disturbance(s.observed?.cpu)}`,
      met: r >= 0.95,
    });
  }
  const observations: string[] = [];
  if (decode.slipwayMs !== undefined) {
    observations.push(
      `resnet JSON decode: Slipway's decoder takes ${fmtMs(decode.slipwayMs)} ms per ${(decode.bodyBytes / 1e6).toFixed(2)} MB body vs ${fmtMs(decode.jsonParseMs)} ms for JSON.parse + Float32Array.from (${fmtRatio(decode.slipwayMs / decode.jsonParseMs)}); ` +
        `on 2 cores that CPU comes out of the model instances' share.`,
    );
  }
  for (const m of served) {
    const cpu = m.observed?.cpu;
    const srv = m.observed?.server;
    if (!cpu || !srv || m.concurrency !== 8) continue;
    observations.push(
      `resnet ${m.scenario} c=8: client-seen mean ≈ ${fmtMs(m.latency.meanMs)} ms vs ${fmtMs(srv.meanInServerMs)} ms inside the scheduler (queue ${fmtMs(srv.meanQueueMs)} + compute ${fmtMs(srv.meanComputeMs)}, batch ${srv.meanBatchRows.toFixed(2)}); ` +
        `CPU main ${cpu.serverMainPct.toFixed(0)}%, other threads ${cpu.serverOtherPct.toFixed(0)}%, load generator ${cpu.loadgenPct.toFixed(0)}%, others ${cpu.othersPct.toFixed(0)}% (of 200%).`,
    );
  }
  return {
    tables: [probeTable, decodeTable, table, ...(pairedTable ? [pairedTable] : [])],
    goals,
    observations,
    anomalies: [...anomalies, ...anomaliesOf('resnet', [...naive, ...served])],
    data: { model: fx.model, generateMs: fx.generateMs, limit: limit.scenario, raw, decode, naive, probes, chosen, verifiedRelativeErrors: verified, served, paired },
  };
}
