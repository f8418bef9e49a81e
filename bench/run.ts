// Benchmark entry point: raw onnxruntime baseline vs served /v2/models/digits/infer under autocannon load; writes bench/results/latest.{md,json}.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runLoad } from './http-load.js';
import { measureInProcess, measureWorkers, referenceOutputs, type RawInput, type RawResult } from './raw-onnxruntime.js';
import { buildRows, consoleTable, machineInfo, writeReport, type Report, type ServedRun } from './report.js';
import { SlipwayServer, type RuntimeConfig } from './slipway-server.js';

const QUICK = process.argv.includes('--quick'); // short smoke run: same steps, tiny durations
const RAW_WARMUP_MS = QUICK ? 300 : 1000;
const RAW_DURATION_MS = QUICK ? 1000 : 5000;
const LOAD_WARMUP_SEC = QUICK ? 1 : 2;
const LOAD_DURATION_SEC = QUICK ? 2 : 8;
const CONNECTIONS = [1, 16, 64];
const CONFIGS: RuntimeConfig[] = [
  { instances: 1, intraOpThreads: 1 },
  { instances: 2, intraOpThreads: 1 },
];
const ENDPOINT = 'digits';
const MODEL_REF = 'digits:1';

const EXAMPLE_DIR = join(import.meta.dirname, '..', 'examples', 'digits');

interface V2Response {
  outputs: { name: string; datatype: string; shape: number[]; data: number[] }[];
}

async function loadInput(): Promise<{ raw: RawInput; body: string }> {
  const request = JSON.parse(await readFile(join(EXAMPLE_DIR, 'request.json'), 'utf8')) as { inputs: { name: string; data: number[] }[] };
  const first = request.inputs[0];
  if (!first) throw new Error('examples/digits/request.json has no inputs');
  const row = first.data.slice(0, 64);
  const body = JSON.stringify({ inputs: [{ name: first.name, datatype: 'FP32', shape: [1, 64], data: row }] });
  return { raw: { modelPath: join(EXAMPLE_DIR, 'model.onnx'), inputName: first.name, row: Float32Array.from(row) }, body };
}

/** Checks one served response against the raw onnxruntime outputs; returns the body when it is stable enough to demand byte-for-byte under load. */
async function verifyServed(url: string, body: string, reference: Record<string, number[]>): Promise<string | undefined> {
  const call = async (): Promise<string> => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`verification request got HTTP ${res.status}: ${text}`);
    return text;
  };
  const text = await call();
  const outputs = new Map((JSON.parse(text) as V2Response).outputs.map((o) => [o.name, o.data]));
  const label = outputs.get('label');
  if (JSON.stringify(label) !== JSON.stringify(reference.label)) {
    throw new Error(`served label ${JSON.stringify(label)} differs from raw onnxruntime ${JSON.stringify(reference.label)}`);
  }
  const probs = outputs.get('probabilities') ?? [];
  const refProbs = reference.probabilities ?? [];
  if (probs.length !== refProbs.length || probs.some((p, i) => Math.abs(p - (refProbs[i] ?? Number.NaN)) > 1e-6)) {
    throw new Error(`served probabilities ${JSON.stringify(probs)} differ from raw onnxruntime ${JSON.stringify(refProbs)}`);
  }
  return (await call()) === text ? text : undefined;
}

function fmt(n: number): string {
  return n.toFixed(n < 1 ? 3 : 1);
}

async function main(): Promise<void> {
  const { raw: rawInput, body } = await loadInput();
  const reference = await referenceOutputs(rawInput);
  console.log(`reference (raw onnxruntime): label ${JSON.stringify(reference.label)}`);

  // Baseline first, while no server competes for the CPUs.
  const raw: RawResult[] = [];
  raw.push(await measureInProcess(rawInput, RAW_WARMUP_MS, RAW_DURATION_MS));
  raw.push(await measureWorkers(rawInput, 2, RAW_WARMUP_MS, RAW_DURATION_MS));
  for (const r of raw) console.log(`${r.scenario}: ${r.inferencesPerSec.toFixed(0)} inf/s, p50 ${fmt(r.latency.p50Ms * 1000)} µs, p99 ${fmt(r.latency.p99Ms * 1000)} µs`);
  const best = raw.reduce((a, b) => (b.inferencesPerSec > a.inferencesPerSec ? b : a));

  const served: ServedRun[] = [];
  const anomalies: string[] = [];
  const server = await SlipwayServer.start();
  console.log(`server pid ${String(server.pid)} at ${server.url}`);
  try {
    const inferUrl = `${server.url}/v2/models/${ENDPOINT}/infer`;
    configs: for (const config of CONFIGS) {
      await server.deploy(ENDPOINT, MODEL_REF, config);
      const expectBody = await verifyServed(inferUrl, body, reference);
      if (expectBody === undefined) anomalies.push(`instances=${config.instances}: two identical requests got different response bodies; bodies not checked under load`);
      const scenario = `served, instances=${config.instances}, intra-op=${config.intraOpThreads}`;
      for (const connections of CONNECTIONS) {
        const load = await runLoad({ url: inferUrl, body, connections, warmupSec: LOAD_WARMUP_SEC, durationSec: LOAD_DURATION_SEC, ...(expectBody ? { expectBody } : {}) });
        served.push({ scenario, instances: config.instances, intraOpThreads: config.intraOpThreads, load });
        console.log(
          `${scenario}, c=${connections}: ${load.requestsPerSec.toFixed(0)} req/s, p50 ${fmt(load.latency.p50Ms)} ms, p99 ${fmt(load.latency.p99Ms)} ms, ` +
            `non-2xx ${load.non2xx}, errors ${load.errors}, timeouts ${load.timeouts}, mismatches ${load.mismatches}`,
        );
        const where = `${scenario}, c=${connections}`;
        if (load.non2xx > 0) anomalies.push(`${where}: ${load.non2xx} non-2xx responses (status counts ${JSON.stringify(load.statusCodes)})`);
        if (load.errors > 0) anomalies.push(`${where}: ${load.errors} request errors (${load.timeouts} timeouts): ${load.errorSamples.join('; ')}`);
        if (load.mismatches > 0) anomalies.push(`${where}: ${load.mismatches} response bodies differ from the verified one`);
        if (load.warmupProblems > 0) anomalies.push(`${where}: ${load.warmupProblems} failed requests during warm-up`);
        if (server.exited) {
          anomalies.push(`server ${server.exited} during ${where}; stderr tail:\n${server.stderr}`);
          break configs;
        }
      }
    }
  } finally {
    await server.stop();
  }
  if (server.stderr.trim()) anomalies.push(`server wrote to stderr (log level warn):\n${server.stderr.trim().slice(-2000)}`);

  const report: Report = {
    machine: machineInfo(),
    model: 'examples/digits/model.onnx, input [1,64] FP32',
    rawLimitPerSec: best.inferencesPerSec,
    rawLimitScenario: best.scenario,
    rows: buildRows(raw, served, best.inferencesPerSec),
    raw,
    served,
    anomalies,
  };
  console.log(`\nraw limit: ${best.inferencesPerSec.toFixed(0)} inferences/s (${best.scenario})\n`);
  console.log(consoleTable(report.rows));
  if (anomalies.length) {
    console.error(`\n!!!!! ${anomalies.length} ANOMALIES !!!!!`);
    for (const a of anomalies) console.error(`!!! ${a}`);
    process.exitCode = 1;
  }
  const written = await writeReport(report);
  console.log(`\nwrote ${written.md} and ${written.json}`);
}

await main();
