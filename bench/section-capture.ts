// Capture section: what recording served traffic costs. The digits MLP served by Slipway under the same closed-loop
// load with capture off, on for every request, and on for a tenth; repeats in rotated order, medians, and the capture
// counters from /metrics so the run shows whether anything was dropped or lost.

import { drained, droppedTotal, DRAIN_MS, setCapture } from './capture-control.js';
import { runLoad } from './http-load.js';
import { fromHttp, progressLine, serverCpuMsPerRequest, type Measurement } from './measurement.js';
import { Observer } from './observer.js';
import { fmtMs, fmtPct, fmtRate, fmtRatio, loadTable, type Goal, type Table } from './report.js';
import { anomaliesOf, type SectionContext, type SectionResult } from './section.js';
import { describeRuntime, SlipwayServer, type RuntimeConfig } from './slipway-server.js';
import { median } from './stats.js';
import { tabularFixture, verifyTabular } from './tabular-fixture.js';

const ENDPOINT = 'digits';
const MODEL_REF = 'digits:1';
const CONNECTIONS = [16, 64];
/**
 * The default deploy (what a user gets, so the goal's first measure), then the tabular section's fastest fixed config:
 * the cheaper the request, the larger capture's share of it.
 */
const RUNTIMES: RuntimeConfig[] = [{ auto: true }, { instances: 1, intraOpThreads: 1, maxBatchSize: 32, maxQueueDelayUs: 500 }];
const REPEATS = 3;
/** Capture at 100% may cost at most this share of throughput. */
const GOAL_RATIO = 0.95;

interface Mode {
  name: 'off' | 'on' | 'tenth';
  label: string;
  capture: { enabled: boolean; sampleRate?: number };
}

const MODES: Mode[] = [
  { name: 'off', label: 'capture off', capture: { enabled: false } },
  { name: 'on', label: 'capture on, sampleRate 1', capture: { enabled: true, sampleRate: 1 } },
  { name: 'tenth', label: 'capture on, sampleRate 0.1', capture: { enabled: true, sampleRate: 0.1 } },
];

interface Run {
  /** describeRuntime of the deploy measured. */
  runtime: string;
  mode: Mode['name'];
  connections: number;
  repeat: number;
  measurement: Measurement;
  /** Over the whole run (warm-up and window) and the drain after it. */
  finished: number;
  records: number;
  dropped: number;
  /** Finished requests neither written nor dropped (expected share only for sampled modes). */
  leftBuffered: number;
}

/** off, on, tenth; then on, tenth, off; then tenth, off, on: each mode runs early, middle and late once. */
function rotated(repeat: number): Mode[] {
  return MODES.map((_, i) => MODES[(i + repeat) % MODES.length]!);
}

export async function captureSection(ctx: SectionContext): Promise<SectionResult> {
  const d = ctx.options.durations;
  const fixture = await tabularFixture();
  const anomalies: string[] = [];
  const runs: Run[] = [];

  const server = await SlipwayServer.start(true);
  console.log(`[capture] Slipway pid ${String(server.pid)} at ${server.url}`);
  try {
    const url = `${server.url}/v2/models/${ENDPOINT}/infer`;
    measure: for (const config of RUNTIMES) {
      const runtime = describeRuntime(config);
      const picked = await server.deploy(ENDPOINT, MODEL_REF, config);
      if (picked) console.log(`[capture] default deploy picked ${picked}`);
      // Answers are checked once per mode (a captured request's answer carries its new id, so bodies differ under
      // capture; no mode is checked byte for byte under load, so they all cost the load generator the same).
      for (const mode of MODES) {
        await setCapture(server.url, ENDPOINT, mode.capture);
        await verifyTabular(url, fixture, `Slipway ${runtime}, ${mode.label}`);
      }
      for (const c of CONNECTIONS) {
        for (let repeat = 0; repeat < REPEATS; repeat++) {
          for (const mode of rotated(repeat)) {
            await setCapture(server.url, ENDPOINT, mode.capture);
            const before = await drained(server.url, ENDPOINT);
            const scenario = `Slipway JSON, ${runtime}, ${mode.label}`;
            const observer = new Observer(server.processes, { baseUrl: server.url, endpoint: ENDPOINT });
            const load = await runLoad({
              url, body: fixture.body, connections: c, warmupSec: d.loadWarmupSec, durationSec: d.loadSec, observer, warmupConnections: server.workers,
              label: `capture ${runtime} ${mode.name} c=${c} #${repeat + 1}`,
            });
            const after = await drained(server.url, ENDPOINT, mode.name === 'on' ? before : undefined);
            const measurement = fromHttp(`${scenario} (#${repeat + 1})`, 'http-json', load);
            const dropped = droppedTotal(after) - droppedTotal(before);
            const run: Run = {
              runtime, mode: mode.name, connections: c, repeat, measurement,
              finished: after.finished - before.finished, records: after.records - before.records, dropped, leftBuffered: after.buffered,
            };
            runs.push(run);
            console.log(`[capture] ${progressLine(measurement)}; captured ${run.records} of ${run.finished} finished requests, dropped ${run.dropped}`);
            if (mode.name === 'on' && run.records + run.dropped !== run.finished) {
              anomalies.push(`capture: ${runtime}, ${mode.label}, c=${c} #${repeat + 1}: ${run.finished} requests finished but ${run.records} records were written and ${run.dropped} dropped (${run.leftBuffered} still buffered after ${DRAIN_MS / 1000} s)`);
            }
            if (mode.name === 'off' && run.records + run.dropped > 0) {
              anomalies.push(`capture: ${runtime}, capture off, c=${c} #${repeat + 1}: ${run.records} records written and ${run.dropped} dropped with capture off`);
            }
            if (server.exited) {
              anomalies.push(`capture: Slipway ${server.exited} during ${scenario}, c=${c}; stderr tail:\n${server.stderr}`);
              break measure;
            }
          }
        }
      }
    }
  } finally {
    await server.stop();
  }
  if (server.stderr.trim()) anomalies.push(`capture: Slipway wrote to stderr (log level warn):\n${server.stderr.trim().slice(-2000)}`);

  // Per (runtime, concurrency, mode): medians of the repeats; against capture off, the median of each repeat's ratio
  // (a repeat runs the three modes back to back, so a drift of the machine falls on its modes alike).
  const ofMode = (runtime: string, c: number, mode: Mode['name']): Run[] => runs.filter((r) => r.runtime === runtime && r.connections === c && r.mode === mode);
  const pairedToOff = (runtime: string, c: number, mode: Mode['name'], value: (m: Measurement) => number | undefined): number => {
    const off = ofMode(runtime, c, 'off');
    const ratios = ofMode(runtime, c, mode).flatMap((r) => {
      const o = off.find((x) => x.repeat === r.repeat);
      const a = value(r.measurement);
      const b = o && value(o.measurement);
      return a !== undefined && b !== undefined && b > 0 ? [a / b] : [];
    });
    return median(ratios);
  };
  const summary = RUNTIMES.map(describeRuntime).flatMap((runtime) => CONNECTIONS.flatMap((c) => MODES.map((mode) => {
    const list = ofMode(runtime, c, mode.name);
    return {
      runtime, connections: c, mode: mode.name, label: mode.label, repeats: list.length,
      rates: list.map((r) => r.measurement.requestsPerSec),
      medianRate: median(list.map((r) => r.measurement.requestsPerSec)),
      medianP99: median(list.map((r) => r.measurement.latency.p99Ms)),
      medianCpuMs: median(list.map((r) => serverCpuMsPerRequest(r.measurement)).filter((v): v is number => v !== undefined)),
      rateToOff: pairedToOff(runtime, c, mode.name, (m) => m.requestsPerSec),
      p99ToOff: pairedToOff(runtime, c, mode.name, (m) => m.latency.p99Ms),
      cpuToOff: pairedToOff(runtime, c, mode.name, serverCpuMsPerRequest),
      finished: list.reduce((a, r) => a + r.finished, 0),
      records: list.reduce((a, r) => a + r.records, 0),
      dropped: list.reduce((a, r) => a + r.dropped, 0),
    };
  })));
  const rows = summary.filter((s) => s.repeats > 0).map((s) => {
    const lost = s.mode === 'on' ? s.finished - s.records - s.dropped : Number.NaN;
    const vsOff = (v: number): string => (s.mode === 'off' ? '–' : fmtRatio(v));
    return [
      s.runtime, String(s.connections), s.label, s.rates.map(fmtRate).join(' / '), fmtRate(s.medianRate), fmtMs(s.medianP99),
      vsOff(s.rateToOff), vsOff(s.p99ToOff), fmtMs(s.medianCpuMs), vsOff(s.cpuToOff),
      String(s.finished), String(s.records), s.finished > 0 ? fmtPct(s.records / s.finished) : '–', String(s.dropped),
      Number.isNaN(lost) ? '–' : String(lost),
    ];
  });
  const summaryTable: Table = {
    title: 'Capture: digits MLP, [1,64] FP32, HTTP+JSON — capture off vs on',
    notes: [
      `Runtimes: ${RUNTIMES.map(describeRuntime).join('; then ')}. Per runtime, each mode runs ${REPEATS} times per concurrency in rotated order (off, on, tenth; on, tenth, off; tenth, off, on) on one server; req/s and p99 are the medians of the repeats, and the ÷off columns the median of each repeat's ratio to that repeat's capture-off window (a drift of the shared machine falls on the modes of one repeat alike).`,
      'server CPU ms/req: CPU time of all the server\'s threads per answered request (main thread, model instances, the capture writer thread); less disturbed by other processes than req/s, since it counts the server\'s own work.',
      'Counters from /metrics over each whole run (warm-up, window, then up to 10 s for the buffer to drain): finished = requests the server answered or failed (both are captured), records = slipway_capture_records_total, dropped = slipway_capture_dropped_total (buffer full or write error); lost = finished − records − dropped at sampleRate 1 (0 means every request was recorded or counted as dropped).',
    ],
    headers: ['runtime', 'c', 'mode', 'req/s per repeat', 'req/s (median)', 'p99 ms (median)', 'req/s ÷off', 'p99 ÷off', 'server CPU ms/req (median)', 'CPU/req ÷off', 'finished', 'records', 'recorded', 'dropped', 'lost'],
    rows,
  };
  const offRate = (m: Measurement): number => {
    const run = runs.find((r) => r.measurement === m);
    const off = run && ofMode(run.runtime, run.connections, 'off').find((x) => x.repeat === run.repeat);
    return off ? m.requestsPerSec / off.measurement.requestsPerSec : Number.NaN;
  };
  const detail = loadTable(
    'Capture: every repeat',
    ['One row per repeat, in the order run within each runtime and concurrency; ÷off is the ratio to the same repeat\'s capture-off window.'],
    runs.map((r) => r.measurement),
    [{ header: '÷off (same repeat)', value: offRate }],
  );

  const goals: Goal[] = [];
  const observations: string[] = [];
  for (const runtime of RUNTIMES.map(describeRuntime)) {
    for (const c of CONNECTIONS) {
      const find = (mode: Mode['name']): (typeof summary)[number] | undefined => summary.find((s) => s.runtime === runtime && s.connections === c && s.mode === mode);
      const off = find('off');
      const on = find('on');
      if (!off || !on || on.repeats === 0 || off.repeats === 0) continue;
      goals.push({
        section: 'capture',
        goal: `capture at sampleRate 1 keeps ≥ ${GOAL_RATIO.toFixed(2)}× the throughput of capture off at c=${c}, ${runtime}`,
        measured: `${fmtRatio(on.rateToOff)} (median of ${on.repeats} repeats' ratios; medians ${on.medianRate.toFixed(0)} vs ${off.medianRate.toFixed(0)} req/s; p99 ${fmtMs(on.medianP99)} vs ${fmtMs(off.medianP99)} ms; server CPU per request ${fmtRatio(on.cpuToOff)}; ${on.records} of ${on.finished} requests recorded, ${on.dropped} dropped)`,
        met: on.rateToOff >= GOAL_RATIO,
      });
      const spread = (s: typeof on): number => (Math.max(...s.rates) - Math.min(...s.rates)) / s.medianRate;
      if (spread(off) > 1 - GOAL_RATIO || spread(on) > 1 - GOAL_RATIO) {
        observations.push(`capture ${runtime}, c=${c}: repeats spread by ${fmtPct(spread(off))} (off) and ${fmtPct(spread(on))} (on) of their median, as much as the effect measured: the ratio is within the machine's noise.`);
      }
    }
  }
  return {
    tables: [summaryTable, detail],
    goals,
    observations,
    anomalies: [...anomalies, ...anomaliesOf('capture', runs.map((r) => r.measurement))],
    data: { runtimes: RUNTIMES, repeats: REPEATS, summary, runs },
  };
}
